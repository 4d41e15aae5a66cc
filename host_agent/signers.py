"""Who signed: a signature's certificate must be a card certificate of the right role (CPS or
Vitale, docs/cards.md "Card certificates"), chain to the trusted root, and name the person
the signed thing is about: the CPS certificate the sheet's (or lot's) professional, the
Vitale certificate the sheet's insured (docs/care-sheet.md, verification step 3).

The path (signatures, CA constraints, key usage, the role's policy) is checked by
`cryptography.x509.verification`; the two things it cannot express are hand-written here:
validity over a whole French civil day (it checks one instant: we pick the instant) and the
comparison of a subject attribute with a value of the sheet (the validators it calls do not
see the sheet).
"""

from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

from firmware.cards import profile
from protocol import dates

MAX_CHAIN = 4  # certificates between a card's and the root, the card's included

# The role's policy OID (certificatePolicies), and the subject attribute that names the
# person: the professional's identifier for a CPS (R161-42 2° a), the holder's NIR for a
# Vitale card (R161-42 1° a: the insured of the sheet is the card's holder).
ROLES = {
    "CPS": (profile.CPS_CERT_POLICY, NameOID.SERIAL_NUMBER),
    "Vitale": (profile.VITALE_CERT_POLICY, NameOID.USER_ID),
}


_EXTENSIONS = (
    (x509.KeyUsage, "keyUsage"),
    (x509.CertificatePolicies, "certificatePolicies"),
    (x509.BasicConstraints, "basicConstraints"),
)


class Refused(Exception):
    """A certificate that may not sign as claimed (one English sentence)."""


def role_problem(role, cert) -> str:
    """ "" when `cert` has the profile of a `role` card certificate (key usage, not a CA, the
    role's policy), else what is wrong. Also run by cryptography as an extension validator."""
    policy = ROLES[role][0]
    ext = cert.extensions
    found = []
    for kind, name in _EXTENSIONS:
        try:
            found.append(ext.get_extension_for_class(kind).value)
        except x509.ExtensionNotFound:
            return "it has no %s extension" % name
    usage, policies, constraints = found
    if constraints.ca or usage.key_cert_sign:
        return "it is a certificate authority's"
    if not (usage.digital_signature and usage.content_commitment):
        return "its key usage is not digitalSignature and nonRepudiation"
    marks = [p.policy_identifier.dotted_string for p in policies]
    if policy not in marks:
        return "it has not the %s policy %s" % (role, policy)
    # The role marks are exclusive: one certificate with both policies would let one card
    # sign as the professional and as the patient (R161-43: two signatures, two persons).
    for other, (other_policy, _attribute) in ROLES.items():
        if other != role and other_policy in marks:
            return "it also has the %s policy %s" % (other, other_policy)
    units = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    if units != [role]:
        return "its subject OU is not exactly %s" % role
    return ""


def check_role(who, role, cert) -> None:
    problem = role_problem(role, cert)
    if problem:
        raise Refused("the %s certificate is not a %s certificate: %s" % (who, role, problem))


def check_names(who, role, cert, expected, what) -> None:
    """The certificate's naming attribute for `role` is exactly `expected` (`what`: who that
    is in English, for the reason). Never prints a NIR: the reason lands in the quarantine."""
    values = [a.value for a in cert.subject.get_attributes_for_oid(ROLES[role][1])]
    if values != [expected]:
        if role == "CPS":
            shown = ", ".join(str(v) for v in values) or "nobody"
            raise Refused("the %s certificate is %s's, not %s %s" % (who, shown, what, expected))
        raise Refused("the %s certificate is not the card of %s" % (who, what))


def check_path(who, role, cert, intermediates, root, day) -> None:
    """`cert` is valid at some time of `day` (YYYYMMDD, a French civil day) and, at that
    time, chains to `root` through `intermediates` (x509 certificates) as a `role` card
    certificate, by cryptography's path validation. `role` "CPS3": an IGC-Santé CPS3
    certificate, `root` then the list of the installed IGC-Santé roots."""
    if root is None or root == []:
        if role == "CPS3":
            raise Refused(
                "the %s certificate is a CPS3's (IGC-Santé) and no IGC-Santé authority is "
                "installed: add the ANS's certificates to [cards] igc_roots" % who
            )
        raise Refused("the %s certificate cannot be checked: no tla root is installed" % who)
    instant = _instant_in(who, cert, day)
    builder = (
        verification.PolicyBuilder()
        .store(verification.Store(root if isinstance(root, list) else [root]))
        .time(datetime.fromtimestamp(instant, UTC))
        .max_chain_depth(MAX_CHAIN)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=_ee_policy(role),
        )
    )
    try:
        builder.build_client_verifier().verify(cert, list(intermediates))
    except verification.VerificationError as e:
        trusted = "an installed IGC-Santé root" if role == "CPS3" else "the trusted root"
        raise Refused(
            "the %s certificate does not chain to %s as a %s certificate: %s"
            % (who, trusted, role, _plain(e))
        ) from None


# ---------------------------------------------------------------- CPS3 (IGC-Santé)


def cps3_problem(cert) -> str:
    """ "" when `cert` has the shape of a CPS3 signature certificate of the IGC-Santé
    (docs/cards.md "CPS3 certificates"): an RSA 2048 key, not a CA, keyUsage
    nonRepudiation (the key the Cryptolib signs with: pkcs15-sec.c:256)."""
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
        return "its key is not RSA 2048"
    found = []
    for kind, name in (_EXTENSIONS[0], _EXTENSIONS[2]):
        try:
            found.append(cert.extensions.get_extension_for_class(kind).value)
        except x509.ExtensionNotFound:
            return "it has no %s extension" % name
    usage, constraints = found
    if constraints.ca or usage.key_cert_sign:
        return "it is a certificate authority's"
    if not usage.content_commitment:
        return "its key usage is not nonRepudiation (a CPS3's signature key)"
    return ""


def check_cps3(who, cert, professional, what) -> None:
    """The CPS3 certificate's shape, and its subject CN is the PS_IdNat of `professional`:
    identifier type 8 (RPPS) then the 11 digits, optionally followed by "/" and more."""
    problem = cps3_problem(cert)
    if problem:
        raise Refused("the %s certificate is not a CPS3 signature certificate: %s" % (who, problem))
    names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    idnat = [str(v).split("/")[0] for v in names]
    if idnat != ["8" + str(professional)]:
        shown = ", ".join(v[1:] if v[:1] == "8" else v for v in idnat) or "nobody"
        raise Refused("the %s certificate is %s's, not %s %s" % (who, shown, what, professional))


def _ee_policy(role):
    def validator(_policy, cert, _value):
        problem = cps3_problem(cert) if role == "CPS3" else role_problem(role, cert)
        if problem:
            raise ValueError(problem)

    crit = verification.Criticality
    if role == "CPS3":  # no tla policy mark: the IGC-Santé's shape, whatever criticality
        return (
            verification.ExtensionPolicy.permit_all()
            .require_present(x509.BasicConstraints, crit.AGNOSTIC, None)
            .require_present(x509.KeyUsage, crit.AGNOSTIC, validator)
        )
    return (
        verification.ExtensionPolicy.permit_all()
        .require_present(x509.BasicConstraints, crit.CRITICAL, None)
        .require_present(x509.KeyUsage, crit.CRITICAL, None)
        .require_present(x509.CertificatePolicies, crit.AGNOSTIC, validator)
    )


def _plain(error) -> str:
    """cryptography's message without its prefix and the certificate's repr (whose subject
    is the card's, untrusted text)."""
    text = str(error).split(" (encountered processing", 1)[0]
    text = text.replace("validation failed: ", "").replace("candidates exhausted: ", "")
    text = text.replace("Python extension validator failed: ValueError: ", "")
    return text.replace(
        "all candidates exhausted with no interior errors", "no issuer up to the trusted root"
    )


def _instant_in(who, cert, day) -> int:
    """The first instant of the French day `day` at which `cert` is valid; Refused when
    none (the completion date is a day, R161-42 10°, a certificate's validity instants)."""
    z = dates.ymd_to_days(day)
    start = z * 86400 - dates.paris_offset(z * 86400)
    end = start + 86400
    not_before = int(cert.not_valid_before_utc.timestamp())
    not_after = int(cert.not_valid_after_utc.timestamp())
    if not_before >= end or not_after < start:
        raise Refused(
            "the %s certificate was not valid on %s (valid %s to %s)"
            % (
                who,
                dates.iso(dates.ymd_tuple(day)),
                _utc(not_before),
                _utc(not_after),
            )
        )
    return max(start, not_before)


def _utc(epoch):
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
