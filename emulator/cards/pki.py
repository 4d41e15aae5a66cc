"""The test PKI of the virtual cards: a root CA and card certificates (X.509, ECDSA P-256),
with keys derived from a seed and deterministic ECDSA (RFC 6979), so every run builds the
very same keys, certificates and signatures.

Not a real PKI: the seed is public, the keys are test keys.
"""

import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

from firmware.cards import profile
from protocol.bundle import cert_id  # noqa: F401 - the one definition, used by the cards

DEFAULT_SEED = b"tla test PKI 1"
# P-256 group order: private scalars are taken below it.
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_ECDSA = ec.ECDSA(Prehashed(hashes.SHA256()), deterministic_signing=True)
ORGANISATION = "tla test PKI"
_POLICY = {"CPS": profile.CPS_CERT_POLICY, "Vitale": profile.VITALE_CERT_POLICY}  # role marks


def derive_key(seed: bytes, label: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 key named `label` under `seed`: always the same one."""
    n = int.from_bytes(hashlib.sha256(seed + b"/" + label.encode()).digest(), "big")
    return ec.derive_private_key(n % (_ORDER - 1) + 1, ec.SECP256R1())


def sign_digest(key: ec.EllipticCurvePrivateKey, digest: bytes) -> bytes:
    """ECDSA P-256 signature of a SHA-256 digest, as the cards give it: 64 bytes r || s."""
    r, s = decode_dss_signature(key.sign(digest, _ECDSA))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_digest(public_key: ec.EllipticCurvePublicKey, digest: bytes, signature: bytes) -> bool:
    """True when `signature` (64 bytes r || s) is `public_key`'s over `digest`."""
    if len(signature) != 64:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, digest, _ECDSA)
    except Exception:
        return False
    return True


def _name(unit, common_name, serial=None, holder_nir=None):
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    if holder_nir:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, holder_nir))
    return x509.Name(attrs)


def card_profile(builder, unit, issuer_key):
    """`builder` with the extensions of a `unit` ("CPS" or "Vitale") card certificate
    (docs/cards.md, "Card certificates"): not a CA, signing and non-repudiation only, the
    role's policy, and the issuer's key id."""
    policy = _POLICY[unit]
    return (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )


def _utc(y, m, d):
    return datetime.datetime(y, m, d, tzinfo=datetime.UTC)


class TestPki:
    """Root CA and card certificates under one seed."""

    def __init__(self, seed: bytes = DEFAULT_SEED):
        self.seed = seed
        self.root_key = derive_key(seed, "root")
        name = _name("root", "tla test root CA")
        public = self.root_key.public_key()
        self.root_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(self._serial("root"))
            .not_valid_before(_utc(2024, 1, 1))
            .not_valid_after(_utc(2045, 12, 31))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.root_key, hashes.SHA256(), ecdsa_deterministic=True)
        )
        self.root_der = self.root_cert.public_bytes(serialization.Encoding.DER)

    def _serial(self, label):
        digest = hashlib.sha256(self.seed + b"/serial/" + label.encode()).digest()
        return int.from_bytes(digest[:8], "big") >> 1 or 1

    def issue(self, label, unit, common_name, serial, not_before, not_after, holder_nir=None):
        """(private key, certificate DER) of the card `label`; `unit` is "CPS" or "Vitale",
        `serial` goes into the subject's serialNumber (the CPS holder's id, or the Vitale
        card's serial), `holder_nir` (Vitale) into its userId."""
        key = derive_key(self.seed, label)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(unit, common_name, serial, holder_nir))
            .issuer_name(self.root_cert.subject)
            .public_key(key.public_key())
            .serial_number(self._serial(label))
            .not_valid_before(not_before)
            .not_valid_after(not_after)
        )
        cert = card_profile(builder, unit, self.root_key).sign(
            self.root_key, hashes.SHA256(), ecdsa_deterministic=True
        )
        return key, cert.public_bytes(serialization.Encoding.DER)

    def verify_issued(self, der: bytes, unit: str):
        """The public key of a certificate this root issued for `unit`; None otherwise."""
        try:
            cert = x509.load_der_x509_certificate(der)
            cert.verify_directly_issued_by(self.root_cert)
        except Exception:
            return None
        units = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        key = cert.public_key()
        if [a.value for a in units] != [unit] or not isinstance(key, ec.EllipticCurvePublicKey):
            return None
        try:  # the role mark too (docs/cards.md "Card certificates")
            policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
        except x509.ExtensionNotFound:
            return None
        if _POLICY[unit] not in [p.policy_identifier.dotted_string for p in policies]:
            return None
        return key


def date_utc(ymd: int) -> datetime.datetime:
    """A date YYYYMMDD at 00:00 UTC (certificate validity from card dates)."""
    return _utc(ymd // 10000, ymd // 100 % 100, ymd % 100)
