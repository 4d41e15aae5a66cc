"""Verifying a signed sheet bundle received from a terminal, on the practice PC: the exact bytes,
both card signatures, the certificates up to the root, and the sheet's R161-42 items.

verify_bundle() never raises for a bad bundle: it returns a Verification whose `reason` is one
plain English sentence, the sheet's reason for quarantine. The sheet bytes are verified as
received and never re-encoded (docs/care-sheet.md).
"""

import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from firmware.cards import cvc
from host_agent import signers, trust
from hw import hal
from protocol import bundle, dates, sheet, sheet_validation
from protocol import sheet_fields as F

# What each signature must name (host_agent/signers.py): who, its role, the sheet's field
# that names its holder, and that field in English.
SIGNERS = (
    ("CPS", "professional", "the sheet's professional"),
    ("Vitale", "insured", "the sheet's insured"),
)

# English for each rule of protocol/sheet_validation.RULES ("%s": the field, "%(detail)s").
RULE_TEXT = {
    "missing": "%s is missing",
    "invalid": "%s is not valid",
    "unknown": "%s is not in the nomenclature (%s)",
    "not_allowed": "%s is not an act of the professional's profession (%s)",
    "not_in_force": "%s is before the nomenclature came into force (%s)",
    "fee_mismatch": "%s does not match the nomenclature (%s expected)",
    "negative": "%s is negative",
    "absurd": "%s is absurdly high (over %s)",
    "total_mismatch": "%s is not the sum of the acts' fees (%s)",
    "over_fees": "%s is above the fees charged (%s)",
    "future": "%s is in the future",
    "before_rights": "%s is before the patient's rights start (%s)",
    "after_rights": "%s is after the patient's rights end (%s)",
    "before_act": "%s is before the date of act %s",
    "after_act": "%s is after the date of act %s",
    "not_on_card": "%s is not on the Vitale card",
    "other_card": "%s does not match the Vitale card",
    "required": "%s is required by act %s",
    "too_many": "%s: more than %s",
    "duplicate": "%s is already used by another act of the same day (%s)",
    "not_sunday": "%s (%s) applies on a Sunday or a public holiday only",
    "not_with": "%s does not add up with %s the same day",
    "single_act": "%s (%s) goes with one act of the day only, an AMI of 1 or 1.5",
    "not_child": "%s (%s) is for a child under 7",
    "out_of_hours": "%s (%s) does not apply at this hour",
    "inconsistent": "%s does not match the third-party amount",
    "with_card": "%s is given on a sheet made with the Vitale card",
}


# English names of the fields, by path ("N": the act's number), for the reasons.
FIELD_TEXT = {
    "version": "the sheet's format version",
    "nomenclature": "the nomenclature version",
    "terminal": "the terminal serial",
    "order_no": "the sheet's order number",
    "completion": "the completion date",
    "insured": "the insured's NIR",
    "beneficiary": "the beneficiary",
    "beneficiary.nir": "the beneficiary's NIR",
    "beneficiary.birth": "the beneficiary's birth date",
    "beneficiary.birth_rank": "the beneficiary's birth rank",
    "fund": "the beneficiary's fund",
    "professional": "the professional's id",
    "situation": "the practice situation",
    "profession": "the profession",
    "accident": "the accident",
    "accident.kind": "the kind of accident",
    "accident.date": "the accident date",
    "accident.ref": "the accident reference",
    "acts": "the acts",
    "acts.N": "act N",
    "acts.N.code": "the code of act N",
    "acts.N.coef": "the rating of act N",
    "acts.N.date": "the date of act N",
    "acts.N.fee": "the fee of act N",
    "acts.N.rank": "the order number of act N",
    "fees": "the total fees",
    "third_party": "the third-party amount",
    "payment": "the payment mode",
    "exemption": "the exemption",
    "agreement": "the prior agreement reference",
    "prescription": "the prescription",
    "prescription.date": "the prescription date",
    "prescription.prescriber": "the prescriber's id",
    "prescription.ref": "the prescription reference",
    "unsigned_reason": "the reason for no Vitale signature",
    "degraded": "the degraded mark",
    "absent_reason": "the reason the Vitale card was absent",
    "patient_name": "the patient name keyed without the card",
}


class Verification:
    """The outcome: `ok`, `reason` (English, "" when ok), and what could be decoded:
    `bundle` (protocol.bundle.Bundle) and `sheet` (protocol.sheet.Sheet), else None."""

    def __init__(self, ok, reason, decoded=None, care_sheet=None):
        self.ok = ok
        self.reason = reason
        self.bundle = decoded
        self.sheet = care_sheet

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "Verification(ok=%r, reason=%r)" % (self.ok, self.reason)


_Refused = signers.Refused


def field_in_english(path) -> str:
    """The English name of the field at `path` ("fees", "acts.2.date")."""
    parts = path.split(".")
    if parts[0] == "acts" and len(parts) > 1:
        number = parts[1]
        parts[1] = "N"
        return FIELD_TEXT[".".join(parts)].replace("act N", "act " + number)
    return FIELD_TEXT[path]


def problem_in_english(problem) -> str:
    """A validation problem (protocol.sheet_validation.Problem) as an English clause."""
    template = RULE_TEXT[problem.rule]
    field = field_in_english(problem.path)
    if template.count("%s") == 2:
        return template % (field, problem.detail)
    return template % field


def verify_bundle(data, certificates, root, today=None) -> Verification:
    """Verify the bundle `data` (bytes as stored by the terminal).

    `certificates`: the known card (and intermediate) certificates, x509.Certificate or
    DER bytes, as a list or as a dict by certificate id; `root`: the trusted root (same
    forms); `today` (YYYYMMDD) bounds the sheet's dates, by default the date in France."""
    return Verifier(certificates, root).verify(data, today)


class Verifier:
    """verify_bundle() for many bundles: the certificates are indexed once (by id, by
    subject), and a chain found valid on a day is not checked again that day (a sync
    verifies hundreds of sheets signed by a few cards). `add(der)` learns a certificate."""

    def __init__(self, certificates, root):
        self.trust = trust.of(root)  # tla's root, and the IGC-Santé ones when installed
        self.root = self.trust.root
        self.known = {}
        self.read_certs = {}  # id -> bytes of the certificates read from Vitale 2 cards
        for value in certificates.values() if isinstance(certificates, dict) else certificates:
            self.add(value)
        self._chains = set()  # (certificate id, role, day) whose chain verified
        self._outcomes: dict = {}  # once(): key -> None or the Refused it raised

    def add(self, der) -> bytes:
        """Learn an X.509 certificate, or a Vitale 2's certificate as read (kept as its
        bytes: its issuer's key is not public); ValueError for anything else."""
        try:
            cert = _certificate(der)
        except ValueError:
            try:
                raw = cvc.check(der)
            except hal.CardError:
                raise ValueError("neither an X.509 certificate nor a Vitale 2's") from None
            cid = bundle.cert_id(raw)
            self.read_certs[cid] = raw
            return cid
        cid = bundle.cert_id(cert.public_bytes(serialization.Encoding.DER))
        self.known[cid] = cert
        return cid

    def verify(self, data, today=None) -> Verification:
        if today is None:
            today = dates.days_to_ymd(dates.paris_day(int(time.time())))
        try:
            decoded = bundle.decode(data)
        except bundle.BundleFormatError as e:
            return Verification(False, "the bundle is malformed: %s" % e)
        try:
            care_sheet = sheet.decode(decoded.sheet)
        except sheet.SheetFormatError as e:
            return Verification(False, "the care sheet is malformed: %s" % e, decoded)
        try:
            _check_signatures(decoded, care_sheet, self)
        except _Refused as e:
            return Verification(False, str(e), decoded, care_sheet)
        found = sheet_validation.problems(care_sheet, today)
        if found:
            more = " (and %d more problems)" % (len(found) - 1) if len(found) > 1 else ""
            reason = "the care sheet is refused: %s%s" % (problem_in_english(found[0]), more)
            return Verification(False, reason, decoded, care_sheet)
        return Verification(True, "", decoded, care_sheet)

    def once(self, key, check, *args) -> None:
        """`check(*args)` of a certificate, its outcome kept under `key` (the certificate
        id and what is checked): a card's role and names do not change between the sheets
        it signed, and reading its extensions costs a tenth of a sheet's verification."""
        if key not in self._outcomes:
            try:
                check(*args)
                self._outcomes[key] = None
            except signers.Refused as e:
                self._outcomes[key] = e
        refused = self._outcomes[key]
        if refused is not None:
            raise signers.Refused(str(refused))

    def check_chain(self, who, role, cid, cert, day):
        if (cid, role, day) not in self._chains:
            if role == "CPS3":  # an IGC-Santé certificate: only the installed roots
                others = list(self.known.values()) + self.trust.igc_intermediates
                signers.check_path(who, role, cert, others, self.trust.igc_anchors, day)
            else:
                signers.check_path(who, role, cert, self.known.values(), self.root, day)
            self._chains.add((cid, role, day))


def seal_problem(signature, digest, cert, professional, certificates, root, day) -> str:
    """ "" when `signature` (64 bytes r || s) over `digest` is by `cert`'s key, `cert` is a
    CPS certificate naming `professional` and, unless `root` is None, chains to `root`
    through `certificates` on `day` (YYYYMMDD); else the reason, one English sentence.
    For a lot's CPS seal (lotfile.py, sealing.py): the same binding as a sheet's."""
    who = "CPS seal"
    try:
        cert = _certificate(cert)
        cps3 = isinstance(cert.public_key(), rsa.RSAPublicKey)  # a CPS3's (IGC-Santé)
        if cps3:
            signers.check_cps3(who, cert, professional, "the lot's professional")
        else:
            signers.check_role(who, "CPS", cert)
            signers.check_names(who, "CPS", cert, professional, "the lot's professional")
        if root is not None:
            verifier = Verifier(certificates, root)
            verifier.check_chain(who, "CPS3" if cps3 else "CPS", b"", cert, day)
        _check_signature(who, cert, signature, digest, bundle.RS256 if cps3 else bundle.ES256)
    except _Refused as e:
        return str(e)
    return ""


def key_problem(who, cert, signature, digest, alg=bundle.ES256) -> str:
    """ "" when `signature` (by `alg`) over `digest` is by `cert`'s key, else the reason
    (the check of a stored sheet's bytes, host_agent/check.py)."""
    try:
        _check_signature(who, cert, signature, digest, alg)
    except _Refused as e:
        return str(e)
    return ""


def _certificate(value):
    if isinstance(value, x509.Certificate):
        return value
    return x509.load_der_x509_certificate(bytes(value))


def _check_signatures(decoded, care_sheet, verifier):
    # R161-43: never a sheet without the professional's signature.
    if decoded.cps_signature is None:
        raise _Refused("the CPS signature is missing (R161-43)")
    read = decoded.vitale_read is not None
    if read != (care_sheet.unsigned_reason == F.SIGNED_BY_READING):
        # R161-43: a card signs by being read only with both the sheet and the bundle saying
        # so: the sheet (signed by the CPS) the reason, the bundle the card and certificate.
        raise _Refused(
            "the sheet and the bundle disagree on a Vitale card that signed by being read"
        )
    if decoded.vitale_signature is None and not read:
        # R161-43, R161-46: the patient's signature may be missing only for a recorded reason.
        if care_sheet.unsigned_reason is None and care_sheet.degraded is not True:
            raise _Refused(
                "the Vitale signature is missing and the sheet records no reason (R161-43)"
            )
    elif care_sheet.degraded is True:
        raise _Refused("the sheet is marked degraded (no Vitale card) but has a Vitale signature")
    day = care_sheet.completion
    if not dates.is_ymd(day):
        raise _Refused("the care sheet has no valid completion date to check certificates at")
    signatures = [(decoded.cps_signature, decoded.cps_cert, decoded.cps_alg)]
    if decoded.vitale_signature is not None:
        signatures.append((decoded.vitale_signature, decoded.vitale_cert, decoded.vitale_alg))
        _check_two_keys(decoded, verifier.known)
    digest = bundle.digest(decoded.sheet)
    for (who, field, what), (signature, cid, alg) in zip(SIGNERS, signatures, strict=False):
        cert = verifier.known.get(cid)
        if cert is None:
            raise _Refused("the %s certificate %s is unknown" % (who, cid.hex()))
        # The role and the name first: a valid Vitale or other professional's certificate
        # gets the reason that says so, not a path error.
        if who == "CPS" and isinstance(cert.public_key(), rsa.RSAPublicKey):
            # A CPS3's certificate (IGC-Santé): its CN names the professional.
            signers.check_cps3(who, cert, getattr(care_sheet, field), what)
            verifier.check_chain(who, "CPS3", cid, cert, day)
        else:
            verifier.once((cid, who), signers.check_role, who, who, cert)
            expected = getattr(care_sheet, field)
            verifier.once((cid, who, expected), signers.check_names, who, who, cert, expected, what)
            verifier.check_chain(who, who, cid, cert, day)
        _check_signature(who, cert, signature, digest, alg)
    if read and decoded.vitale_cert not in verifier.read_certs:
        raise _Refused(
            "the certificate %s read from the Vitale card is unknown" % decoded.vitale_cert.hex()
        )


def _check_two_keys(decoded, known):
    """R161-43: the professional and the patient sign, two persons with two cards; one
    certificate or one key under both signatures is one signer, whatever its names say."""
    if decoded.cps_cert == decoded.vitale_cert:
        raise _Refused("the CPS and Vitale signatures name the same certificate")
    cps, vitale = known.get(decoded.cps_cert), known.get(decoded.vitale_cert)
    if cps is not None and vitale is not None and _key_der(cps) == _key_der(vitale):
        raise _Refused("the CPS and Vitale certificates have the same public key")


def _key_der(cert) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_signature(who, cert, signature, digest, alg=bundle.ES256):
    key = cert.public_key()
    if alg == bundle.RS256:
        # A CPS3: RSA PKCS#1 v1.5 over the SHA-256 digest, the card adding the DigestInfo.
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
            raise _Refused("the %s certificate's key is not the RSA 2048 key RS256 says" % who)
        if len(signature) != key.key_size // 8:
            raise _Refused("the %s signature is not %d bytes" % (who, key.key_size // 8))
        try:
            key.verify(bytes(signature), digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        except InvalidSignature:
            raise _Refused("the %s signature does not match the sheet bytes" % who) from None
        return
    if alg != bundle.ES256:
        raise _Refused("the %s signature's algorithm %r is not ES256 or RS256" % (who, alg))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise _Refused("the %s certificate's key is not an ECDSA P-256 key" % who)
    if len(signature) != 64:
        raise _Refused("the %s signature is not 64 bytes" % who)
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    try:
        key.verify(encode_dss_signature(r, s), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise _Refused("the %s signature does not match the sheet bytes" % who) from None
