"""tla's card profiles: AIDs, files, BER-TLV tags, access conditions and status words of its
Vitale and CPS cards, the one place the firmware, the virtual cards and docs/cards.md share.

Public facts: the Vitale 2 application AID and CPS signing by MSE SET then PSO COMPUTE
DIGITAL SIGNATURE. Everything else (files, tags, layouts) is tla's own design.

Numbers and names are const(): the tables below (FILES, TAGS, STATUS_WORDS) are then
constant tuples, in flash when frozen instead of built in the heap at import
(docs/board.md "Heap").
"""

from protocol._compat import const

# ---------------------------------------------------------------- applications

# Public: the Vitale 2 application, "VITALE" after the RID D250000002.
VITALE_AID = bytes.fromhex("D250000002564954414C45")
# tla's own: the same RID followed by "CPS TLA".
CPS_AID = bytes.fromhex("D25000000243505320544C41")

# ---------------------------------------------------------------- instructions (ISO 7816-4)

CLA = const(0x00)
CLA_CHAINING = const(0x10)  # command chaining: more blocks of the same command follow
INS_SELECT = const(0xA4)
INS_READ_BINARY = const(0xB0)
INS_READ_RECORD = const(0xB2)
INS_UPDATE_RECORD = const(0xDC)
INS_APPEND_RECORD = const(0xE2)
INS_VERIFY = const(0x20)
INS_GET_CHALLENGE = const(0x84)
INS_MSE = const(0x22)
INS_PSO = const(0x2A)
INS_GET_RESPONSE = const(0xC0)
INS_INTERNAL_AUTHENTICATE = const(0x88)
INS_EXTERNAL_AUTHENTICATE = const(0x82)

SELECT_BY_AID = const(0x04)  # P1
SELECT_EF = const(0x02)  # P1: elementary file under the current application, by file id
SELECT_NO_RESPONSE = const(0x0C)  # P2
RECORD_ABSOLUTE = const(0x04)  # P2 of READ/UPDATE RECORD: P1 is the record number
MSE_SET_SIGN = (0x41, 0xB6)  # P1 P2: set the key for computation (digital signature template)
PSO_SIGN = (0x9E, 0x9A)  # P1 P2: compute digital signature, input is the data to sign
PSO_VERIFY_CERT = (0x00, 0xBE)  # P1 P2: verify certificate

PIN_REF = const(0x81)  # P2 of VERIFY: the CPS holder's PIN (specific reference)
KEY_SIGN = const(0x81)  # the card's signature key, named in MSE SET by tag 84
KEY_CPS = const(0x82)  # P2 of EXTERNAL AUTHENTICATE on a Vitale: the key of the verified CPS cert
ALG_ECDSA_P256 = const(0x54)  # MSE SET tag 80: ECDSA P-256, the hash (SHA-256) is computed outside
MSE_TAG_KEY = const(0x84)
MSE_TAG_ALG = const(0x80)

PIN_LENGTH = const(4)
PIN_TRIES = const(3)
CHALLENGE_LENGTH = const(8)
DIGEST_LENGTH = const(32)  # SHA-256
SIGNATURE_LENGTH = const(64)  # ECDSA P-256 r || s
CERT_ID_LENGTH = const(8)  # first 8 bytes of SHA-256 of the certificate DER
# INTERNAL AUTHENTICATE on a CPS signs SHA-256(AUTH_PREFIX + challenge): never a raw digest,
# so a challenge can never be turned into a care-sheet signature.
AUTH_PREFIX = b"tla-cps-presence"

# ---------------------------------------------------------------- files

# Elementary files (2-byte file ids) under each application. Kinds: "binary"
# (transparent, READ BINARY), "linear" (records, READ RECORD), "cyclic" (records, the most
# recent is record 1, APPEND RECORD pushes the oldest out).
EF_VITALE_IDENTITY = const(0x2001)
EF_VITALE_BENEFICIARIES = const(0x2002)
EF_VITALE_EXEMPTIONS = const(0x2004)
EF_VITALE_COPIES = const(0x2005)
EF_CPS_IDENTITY = const(0x3001)
EF_CPS_SITUATIONS = const(0x3002)
EF_CERTIFICATE = const(0x2F01)  # X.509 DER of the card's signature key (both cards)
EF_CERT_ID = const(0x2F02)  # its certificate id, 8 bytes (both cards)

# Access conditions.
AC_ALWAYS = const("always")
AC_NEVER = const("never")
AC_CPS = const("cps")  # Vitale: only after a CPS proved its presence (R161-33-2)
AC_PIN = const("pin")  # CPS: only after the holder's PIN was verified

# (card, file id, kind, read condition, write condition, max records, max record bytes, what)
FILES = (
    ("vitale", EF_VITALE_IDENTITY, "binary", AC_ALWAYS, AC_NEVER, 0, 0, "identity"),
    ("vitale", EF_VITALE_BENEFICIARIES, "linear", AC_ALWAYS, AC_NEVER, 8, 200, "beneficiaries"),
    ("vitale", EF_VITALE_EXEMPTIONS, "linear", AC_CPS, AC_NEVER, 8, 64, "exemptions"),
    ("vitale", EF_VITALE_COPIES, "cyclic", AC_CPS, AC_CPS, 5, 600, "sheet copies"),
    ("vitale", EF_CERTIFICATE, "binary", AC_ALWAYS, AC_NEVER, 0, 0, "certificate"),
    ("vitale", EF_CERT_ID, "binary", AC_ALWAYS, AC_NEVER, 0, 0, "certificate id"),
    ("cps", EF_CPS_IDENTITY, "binary", AC_ALWAYS, AC_NEVER, 0, 0, "identity"),
    ("cps", EF_CPS_SITUATIONS, "linear", AC_ALWAYS, AC_NEVER, 4, 120, "practice situations"),
    ("cps", EF_CERTIFICATE, "binary", AC_ALWAYS, AC_NEVER, 0, 0, "certificate"),
    ("cps", EF_CERT_ID, "binary", AC_ALWAYS, AC_NEVER, 0, 0, "certificate id"),
)

MAX_BENEFICIARIES = const(8)
MAX_EXEMPTIONS = const(8)
MAX_SITUATIONS = const(4)
COPY_RECORDS = const(5)  # the cyclic file keeps the last 5 sheet copies (R161-33-1 2° d)
# One care sheet per record: typically 170-310 bytes, and 556 for the largest sheet the
# validator accepts (12 acts, every optional item, 32-character references).
MAX_COPY_BYTES = const(600)
MAX_IDENTITY_BYTES = const(512)
MAX_CERT_BYTES = const(1024)
MAX_RESPONSE_BYTES = const(1024)  # the longest response the firmware accepts (GET RESPONSE chains)
CHAIN_BLOCK = const(200)  # bytes of command data per block when chaining (PSO VERIFY CERTIFICATE)

# The card certificates' role marks (docs/cards.md, "Card certificates"): the policy OID in
# the certificatePolicies extension of a CPS or Vitale certificate. tla's own arc, 2.25 and
# a UUID (ITU-T X.667), since the real SESAM-Vitale PKI's OIDs are not public.
CERT_POLICY_ARC = "2.25.318272941830981324051732414308296480314"
CPS_CERT_POLICY = CERT_POLICY_ARC + ".1"
VITALE_CERT_POLICY = CERT_POLICY_ARC + ".2"

# ---------------------------------------------------------------- BER-TLV tags

# Formats: "template" (constructed), "digits" (ASCII digits), "text" (printable ASCII),
# "date" (4 bytes BCD YYYYMMDD), "u8" (one byte), "flag" (one byte, 0 or 1), "nir" (15
# characters: 13 + key; department 2A/2B allowed).
# (tag, name, format, min length, max length, where it appears)
TAGS = (
    (0x61, "vitale identity", "template", 0, MAX_IDENTITY_BYTES, "vitale identity file"),
    (0x62, "beneficiary", "template", 0, 200, "vitale beneficiary record"),
    (0x63, "complementary cover", "template", 0, 64, "in a beneficiary"),
    (0x64, "exemption", "template", 0, 64, "vitale exemption record"),
    (0x65, "cps identity", "template", 0, MAX_IDENTITY_BYTES, "cps identity file"),
    (0x66, "practice situation", "template", 0, 120, "cps situation record"),
    (0xC1, "issuer", "digits", 10, 10, "vitale identity"),
    (0xC2, "card serial", "digits", 10, 10, "vitale identity, cps identity"),
    (0xC3, "card valid from", "date", 4, 4, "vitale identity, cps identity"),
    (0xC4, "card valid until", "date", 4, 4, "vitale identity, cps identity"),
    (0xC5, "nir", "nir", 15, 15, "vitale identity, beneficiary"),
    (0xC6, "birth name", "text", 1, 32, "vitale identity, beneficiary"),
    (0xC7, "usage name", "text", 1, 32, "vitale identity, beneficiary, cps identity"),
    (
        0xC8,
        "first name",
        "text",
        1,
        24,
        "repeated, usual first: vitale identity, beneficiary, cps identity",
    ),
    (0xC9, "birth date", "date", 4, 4, "vitale identity, beneficiary"),
    (0xCA, "objects to copies", "flag", 1, 1, "vitale identity"),
    (0xD0, "rank", "u8", 1, 1, "beneficiary, exemption, practice situation"),
    (0xD1, "quality", "u8", 1, 1, "beneficiary"),
    (0xD2, "fund", "digits", 9, 9, "beneficiary"),
    (0xD3, "valid from", "date", 4, 4, "beneficiary, complementary cover, exemption"),
    (0xD4, "valid until", "date", 4, 4, "beneficiary, complementary cover, exemption"),
    (0xD5, "organisation", "digits", 8, 10, "complementary cover"),
    (0xD6, "consent", "flag", 1, 1, "complementary cover"),
    (0xD7, "exemption code", "u8", 1, 1, "exemption"),
    (0xD8, "legal reference", "text", 1, 24, "exemption"),
    (0xDA, "holder id", "digits", 11, 11, "cps identity"),
    (0xDB, "profession", "digits", 2, 2, "cps identity"),
    (0xDC, "specialty", "digits", 2, 2, "cps identity"),
    (0xDD, "billing number", "digits", 9, 9, "practice situation"),
    (0xDE, "place", "text", 1, 40, "practice situation"),
)

TAG_VITALE_IDENTITY = const(0x61)
TAG_BENEFICIARY = const(0x62)
TAG_COVER = const(0x63)
TAG_EXEMPTION = const(0x64)
TAG_CPS_IDENTITY = const(0x65)
TAG_SITUATION = const(0x66)
TAG_ISSUER = const(0xC1)
TAG_SERIAL = const(0xC2)
TAG_CARD_FROM = const(0xC3)
TAG_CARD_UNTIL = const(0xC4)
TAG_NIR = const(0xC5)
TAG_BIRTH_NAME = const(0xC6)
TAG_USAGE_NAME = const(0xC7)
TAG_FIRST_NAME = const(0xC8)
TAG_BIRTH_DATE = const(0xC9)
TAG_OBJECTS_COPIES = const(0xCA)
TAG_RANK = const(0xD0)
TAG_QUALITY = const(0xD1)
TAG_FUND = const(0xD2)
TAG_FROM = const(0xD3)
TAG_UNTIL = const(0xD4)
TAG_ORGANISATION = const(0xD5)
TAG_CONSENT = const(0xD6)
TAG_EXEMPTION_CODE = const(0xD7)
TAG_LEGAL_REF = const(0xD8)
TAG_HOLDER_ID = const(0xDA)
TAG_PROFESSION = const(0xDB)
TAG_SPECIALTY = const(0xDC)
TAG_BILLING = const(0xDD)
TAG_PLACE = const(0xDE)


def tag_spec(tag):
    """(tag, name, format, min, max, where) of a tag of the profile, or None."""
    for spec in TAGS:
        if spec[0] == tag:
            return spec
    return None


# ---------------------------------------------------------------- coded values

# Beneficiary quality (tag D1).
QUALITY_HOLDER = const(0)
QUALITIES = {0: "assure", 1: "conjoint", 2: "enfant", 9: "autre"}

# Exemption codes (tag D7) and what they are, for the screen.
EXEMPTIONS = {1: "ALD", 2: "maternite", 3: "accident travail", 4: "invalidite", 9: "autre"}

# CPS profession codes (tag DB), the ones tla's screens name.
PROFESSIONS = {"10": "Medecin", "40": "Dentiste", "50": "Sage-femme", "60": "Infirmier"}

# ---------------------------------------------------------------- status words

SW_OK = const(0x9000)
SW_EOF = const(0x6282)  # end of file reached before Le bytes
SW_AUTH_FAILED = const(0x6300)  # EXTERNAL AUTHENTICATE: the signature does not verify
SW_WRONG_LENGTH = const(0x6700)
SW_LAST_EXPECTED = const(0x6883)  # chaining: the last block was expected
SW_INCOMPATIBLE = const(0x6981)  # command incompatible with the file's structure
SW_SECURITY = const(0x6982)  # security status not satisfied (no CPS presented, PIN not verified)
SW_PIN_BLOCKED = const(0x6983)
SW_CONDITIONS = const(0x6985)  # conditions of use not satisfied (no MSE SET, holder objects...)
SW_NO_CURRENT_EF = const(0x6986)
SW_WRONG_DATA = const(0x6A80)
SW_NOT_SUPPORTED = const(0x6A81)
SW_FILE_NOT_FOUND = const(0x6A82)
SW_RECORD_NOT_FOUND = const(0x6A83)
SW_FILE_FULL = const(0x6A84)
SW_WRONG_P1P2 = const(0x6A86)
SW_REF_NOT_FOUND = const(0x6A88)  # e.g. MSE SET names a key the card does not have
SW_WRONG_OFFSET = const(0x6B00)
SW_INS_NOT_SUPPORTED = const(0x6D00)
SW_CLA_NOT_SUPPORTED = const(0x6E00)
SW_UNKNOWN = const(0x6F00)
SW1_MORE_DATA = const(0x61)  # 61xx: xx more bytes, fetch them with GET RESPONSE (T=0)
SW1_WRONG_LE = const(0x6C)  # 6Cxx: repeat the command with Le = xx (T=0)
SW1_PIN_WRONG = const(0x63)  # 63Cx: wrong PIN, x tries left (with SW2 & 0xF0 == 0xC0)

STATUS_WORDS = (
    (SW_OK, "success"),
    (SW_EOF, "end of file reached before Le bytes"),
    (0x6100, "61xx: xx bytes waiting, fetch them with GET RESPONSE"),
    (0x6C00, "6Cxx: wrong Le, repeat the command with Le = xx"),
    (0x63C0, "63Cx: wrong PIN, x tries left (63C0: now blocked)"),
    (SW_AUTH_FAILED, "authentication failed"),
    (SW_WRONG_LENGTH, "wrong length"),
    (SW_LAST_EXPECTED, "last block of a chain expected"),
    (SW_INCOMPATIBLE, "command incompatible with the file structure"),
    (SW_SECURITY, "security status not satisfied"),
    (SW_PIN_BLOCKED, "PIN blocked"),
    (SW_CONDITIONS, "conditions of use not satisfied"),
    (SW_NO_CURRENT_EF, "command not allowed (no current file)"),
    (SW_WRONG_DATA, "wrong data"),
    (SW_NOT_SUPPORTED, "function not supported"),
    (SW_FILE_NOT_FOUND, "file or application not found"),
    (SW_RECORD_NOT_FOUND, "record not found"),
    (SW_FILE_FULL, "not enough memory in the file"),
    (SW_WRONG_P1P2, "wrong P1 P2"),
    (SW_REF_NOT_FOUND, "referenced data (key) not found"),
    (SW_WRONG_OFFSET, "offset outside the file"),
    (SW_INS_NOT_SUPPORTED, "instruction not supported"),
    (SW_CLA_NOT_SUPPORTED, "class not supported"),
    (SW_UNKNOWN, "no precise diagnosis"),
)

# ATR historical bytes, so a person at a reader sees what the card is (the firmware
# identifies cards by SELECT, never by ATR).
VITALE_HISTORICAL = b"TLA-VITALE"
CPS_HISTORICAL = b"TLA-CPS"
