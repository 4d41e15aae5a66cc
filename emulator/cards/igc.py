"""The test PKI's look-alike of the IGC-Santé (the ANS's certificate authorities of the CPS
cards): an RSA 2048 root, an authority for persons under it, and CPS3 signature
certificates shaped as the public IGC-Santé profile describes them (docs/cards.md "CPS3
certificates"): the subject's CN is the holder's PS_IdNat (8 then the RPPS number),
surname and given name, keyUsage nonRepudiation. Every key comes from a public seed
(rsa_keys.py) and PKCS#1 v1.5 signatures are deterministic: the same bytes every run.

Not the IGC-Santé: nothing here is trusted unless a test installs this root as the
practice's IGC-Santé root (the `[cards] igc_roots` setting, docs/lots.md).
"""

import datetime
import hashlib
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from emulator.cards import rsa_keys

DEFAULT_SEED = b"tla look-alike IGC-Sante 1"
ORGANISATION = "TEST tla (look-alike, not the ANS)"


def _name(cn, unit):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _utc(ymd):
    return datetime.datetime(ymd // 10000, ymd // 100 % 100, ymd % 100, tzinfo=datetime.UTC)


def sign_digest(key, digest: bytes) -> bytes:
    """RSA PKCS#1 v1.5 signature of a SHA-256 digest (what PSO CDS answers): 256 bytes."""
    return key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


class LookalikeIgc:
    """Root and persons' authority under one seed; `issue()` makes CPS3 certificates."""

    def __init__(self, seed: bytes = DEFAULT_SEED):
        self.seed = seed
        self.root_key = rsa_keys.derive(seed, "root")
        self.ca_key = rsa_keys.derive(seed, "persons")
        root_name = _name("TEST tla AC RACINE IGC-SANTE (look-alike)", "0002 187512751")
        self.root_cert = self._ca(root_name, root_name, self.root_key, self.root_key, 1)
        ca_name = _name("TEST tla AC IGC-SANTE PERSONNES (look-alike)", "0002 187512751")
        self.ca_cert = self._ca(ca_name, root_name, self.ca_key, self.root_key, 0)
        self.root_der = self.root_cert.public_bytes(serialization.Encoding.DER)
        self.ca_der = self.ca_cert.public_bytes(serialization.Encoding.DER)

    def _serial(self, label):
        return int.from_bytes(hashlib.sha256(self.seed + label.encode()).digest()[:8], "big") >> 1

    def _ca(self, subject, issuer, key, issuer_key, depth):
        public = key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(self._serial(subject.rfc4514_string()))
            .not_valid_before(_utc(20200101))
            .not_valid_after(_utc(20451231))
            .add_extension(x509.BasicConstraints(ca=True, path_length=depth), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        )
        if issuer_key is not key:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        return builder.sign(issuer_key, hashes.SHA256())

    def issue(self, label, rpps, surname, given_name, valid, key_usage="sign"):
        """(private key, certificate DER) of a CPS3's signature key: CN = 8 + `rpps`
        (the PS_IdNat), valid from `valid[0]` to `valid[1]` (YYYYMMDD)."""
        key = rsa_keys.derive(self.seed, label)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                x509.NameAttribute(NameOID.SURNAME, surname),
                x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
                x509.NameAttribute(NameOID.COMMON_NAME, "8" + rpps),
            ]
        )
        sign = key_usage == "sign"  # nonRepudiation: the signature key (pkcs15-sec.c:256)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(self._serial(label))
            .not_valid_before(_utc(valid[0]))
            .not_valid_after(_utc(valid[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(not sign, sign, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        return key, cert.public_bytes(serialization.Encoding.DER)


@lru_cache(maxsize=4)
def lookalike(seed: bytes = DEFAULT_SEED) -> LookalikeIgc:
    return LookalikeIgc(seed)
