"""The layout of a care sheet: every field's CBOR key, type, article and labels, and the
code lists its values come from. The one place the encoder, the validator and the docs read.

A field is a tuple (key, name, kind, required, article, screen label (at most 20 ASCII
characters), French label with its article). Kinds: "int", "text", "bool",
a list of records ("acts") or one record ("beneficiary", "accident", "prescription").
Labels with "%d" take the act's number.
Keys are part of the signed format (docs/care-sheet.md): never renumber, only add.
"""

from protocol._compat import const

FORMAT_VERSION = const(1)

# Positions in a field tuple.
KEY = const(0)
NAME = const(1)
KIND = const(2)
REQUIRED = const(3)
ARTICLE = const(4)
SCREEN = const(5)
FRENCH = const(6)

# fmt: off
# The sheet itself: keys 0-23 encode in one byte.
SHEET = (
    (0, "version", "int", True, "tla", "Version format", "la version du format de la feuille"),
    (1, "nomenclature", "int", True, "R161-42 5°", "Version nomencl.", "la version de la nomenclature"),
    (2, "terminal", "text", True, "tla", "No de terminal", "le numero du terminal"),
    (3, "order_no", "int", True, "R161-44 1°", "No de feuille", "le numero d'ordre de la feuille"),
    (4, "completion", "int", True, "R161-42 10°", "Date de la feuille", "la date de redaction de la feuille"),
    (5, "insured", "text", True, "R161-42 1° a", "NIR assure", "le NIR de l'assure"),
    (6, "beneficiary", "beneficiary", False, "R161-42 1° a", "Beneficiaire", "le beneficiaire des soins"),
    (7, "fund", "text", True, "R161-45 II", "Caisse", "la caisse du beneficiaire"),
    (8, "professional", "text", True, "R161-42 2° a", "No professionnel", "le numero du professionnel"),
    (9, "situation", "text", True, "R161-42 2° a", "Situation exercice", "la situation d'exercice"),
    (10, "profession", "int", True, "R161-42 5°", "Profession", "la profession"),
    (11, "accident", "accident", False, "R161-42 4°", "Accident", "l'accident"),
    (12, "acts", "acts", True, "R161-42 3° 5° 7° 8°", "Actes", "les actes"),
    (13, "fees", "int", True, "R161-42 8°", "Total honoraires", "le total des honoraires"),
    (14, "third_party", "int", True, "R161-42 8°", "Tiers payant", "le montant du tiers payant"),
    (15, "payment", "int", True, "R161-47 I 1°", "Mode de paiement", "le mode de paiement"),
    (16, "exemption", "int", False, "R161-42 9°", "Exoneration", "le motif d'exoneration"),
    (17, "agreement", "text", False, "R161-42 6°", "Accord prealable", "la reference de l'accord prealable"),
    (18, "prescription", "prescription", False, "R161-44 2°", "Prescription", "la prescription"),
    (19, "unsigned_reason", "int", False, "R161-43, R161-46 2°", "Motif sans signat.", "le motif d'absence de signature du patient"),
    (20, "degraded", "bool", False, "R161-43", "Mode degrade", "la marque de mode degrade"),
    (21, "absent_reason", "int", False, "R161-43", "Motif sans carte", "le motif d'absence de la carte Vitale"),
    (22, "patient_name", "text", False, "R161-43", "Nom du patient", "le nom du patient (sans carte)"),
)
# fmt: on

# Key 22: the patient's name keyed on the terminal when the sheet is made without the card
# (no Vitale certificate names her); upper-case ASCII letters, space, hyphen, apostrophe.
MAX_PATIENT_NAME = const(24)  # as a round's name (protocol/round.MAX_NAME)
NAME_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ -'"
# fmt: off

# One act (R161-42 3°, 5°, 7°, 8°).
ACT = (
    (0, "code", "text", True, "R161-42 5°", "Acte %d: code", "le code de l'acte %d"),
    (1, "coef", "int", True, "R161-42 5°", "Acte %d: cotation", "la cotation de l'acte %d"),
    (2, "date", "int", True, "R161-42 3°", "Acte %d: date", "la date de l'acte %d"),
    (3, "fee", "int", True, "R161-42 8°", "Acte %d: montant", "le montant de l'acte %d"),
    (4, "rank", "int", False, "R161-42 7°", "Acte %d: rang", "le numero d'ordre de l'acte %d"),
)

# The dependant treated (R161-42 1° a): their own NIR when they have one, else birth date and rank.
BENEFICIARY = (
    (0, "nir", "text", False, "R161-42 1° a", "NIR beneficiaire", "le NIR du beneficiaire"),
    (1, "birth", "int", True, "R161-42 1° b", "Naissance benef.", "la date de naissance du beneficiaire"),
    (2, "birth_rank", "int", True, "R161-42 1° b", "Rang naissance", "le rang de naissance du beneficiaire"),
)

# The accident the acts follow (R161-42 4°).
ACCIDENT = (
    (0, "kind", "int", True, "R161-42 4°", "Type d'accident", "le type d'accident"),
    (1, "date", "int", True, "R161-42 4°", "Date accident", "la date de l'accident"),
    (2, "ref", "text", False, "R161-42 4°", "Ref. accident", "la reference de l'accident"),
)

# The prescription carried out (R161-44 2°): all three, or none.
PRESCRIPTION = (
    (0, "date", "int", True, "R161-44 2°", "Date prescription", "la date de la prescription"),
    (1, "prescriber", "text", True, "R161-44 2°", "Prescripteur", "l'identifiant du prescripteur"),
    (2, "ref", "text", True, "R161-44 2°", "Ref. prescription", "la reference de la prescription"),
)

# fmt: on

# Record kinds and their layouts, for code walking the tree.
RECORDS = {
    "sheet": SHEET,
    "acts": ACT,
    "beneficiary": BENEFICIARY,
    "accident": ACCIDENT,
    "prescription": PRESCRIPTION,
}

# Payment modes; they set the transmission deadline (R161-47 I 1° a and b).
PATIENT_PAID = const(0)
THIRD_PARTY = const(1)
PAYMENTS = (PATIENT_PAID, THIRD_PARTY)

# Professions, as the CPS card codes them; the nomenclature lists acts per profession.
DOCTOR = const(10)
NURSE = const(60)
PROFESSIONS = (DOCTOR, NURSE)

# Kinds of accident (R161-42 4°).
COMMON_ACCIDENT = const(1)  # caused by a third party
WORK_ACCIDENT = const(2)  # work accident or occupational disease
ACCIDENTS = (COMMON_ACCIDENT, WORK_ACCIDENT)

# Exemptions (R161-42 9°): the legal provision that limits or waives the co-payment.
LONG_TERM_ILLNESS = const(1)  # CSS L160-14 3°
MATERNITY = const(2)  # CSS L160-9
WORK_RELATED = const(3)  # work accident or occupational disease, CSS L431-1
SOLIDARITY_COVER = const(4)  # complementary solidarity cover, CSS L861-1
EXEMPTIONS = (LONG_TERM_ILLNESS, MATERNITY, WORK_RELATED, SOLIDARITY_COVER)

# Why the patient's card did not sign (R161-43, R161-46 2°); a sheet without any Vitale
# card is marked degraded instead.
CANNOT_EXPRESS_WILL = const(1)  # R161-43
DEVICE_RENTAL = const(2)  # medical device rental, R161-43
LABORATORY = const(3)  # R161-46 2°
NO_SIGNATURE_KEY = const(4)  # the Vitale card has no signature key
# R161-43: the card has no public signing function (a Carte Vitale 2): only its reading
# stands for the patient's signature; the bundle names the card and its certificate.
SIGNED_BY_READING = const(5)
UNSIGNED_REASONS = (
    CANNOT_EXPRESS_WILL,
    DEVICE_RENTAL,
    LABORATORY,
    NO_SIGNATURE_KEY,
    SIGNED_BY_READING,
)

# Why a degraded sheet was made without the Vitale card (R161-43: both cards are read at
# signing; the sheet says why one was not). Optional: degraded sheets made before issue 23
# have none and stay valid.
CARD_FORGOTTEN = const(1)  # the patient does not have the card at hand
CARD_UNREADABLE = const(2)  # the card is there but cannot be read (damaged, blocked chip)
NO_CARD_YET = const(3)  # the patient has no card yet (newborn, card being made)
ABSENT_REASONS = (CARD_FORGOTTEN, CARD_UNREADABLE, NO_CARD_YET)
