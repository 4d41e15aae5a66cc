"""Card certificates an attacker could make (tests of host_agent/signers.py and of lot seals):
issued by the test PKI's root or self-signed, with any subject, policies and validity.
KEY by default: these tests are about who the certificate says, not the key."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from emulator.cards import fixtures, pki
from firmware.cards import profile

KEY = pki.derive_key(b"forged", "one key")
OTHER_KEY = pki.derive_key(b"forged", "another key")
CPS, VITALE = profile.CPS_CERT_POLICY, profile.VITALE_CERT_POLICY
UTC = datetime.UTC


def name(ou, serials=(), uids=()) -> x509.Name:
    """A card subject: `ou` one OU or a list of them (none, two)."""
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki.ORGANISATION),
    ]
    units = [ou] if isinstance(ou, str) else ou
    attrs += [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, u) for u in units]
    attrs += [x509.NameAttribute(NameOID.COMMON_NAME, "FORGED")]
    attrs += [x509.NameAttribute(NameOID.SERIAL_NUMBER, s) for s in serials]
    attrs += [x509.NameAttribute(NameOID.USER_ID, u) for u in uids]
    return x509.Name(attrs)


def mint(subject, policies, self_signed=False, valid=(20240101, 20301231), key=KEY) -> bytes:
    """The DER of a card-profile certificate (signature key usage, not a CA) for `subject`
    and `key` with `policies`, issued by the test root (or by itself), valid over the days
    `valid`."""
    root = fixtures.pki()
    issuer, issuer_key = (subject, key) if self_signed else (root.root_cert.subject, root.root_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.date_utc(valid[0]))
        .not_valid_after(pki.date_utc(valid[1]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies]
            ),
            critical=False,
        )
    )
    if not self_signed:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.root_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class ForgedCps:
    """Stands for a CpsApp whose card holds the certificate `der` (sealing.seal's view)."""

    def __init__(self, der):
        self.cert = der

    def certificate(self):
        return self.cert

    def sign(self, digest):
        return pki.sign_digest(KEY, digest)
