"""Plain French for the practice's pages (host_agent/web/): amounts in euros from integer
cents, dates from YYYYMMDD integers, plurals, the acts' labels with their accents, the
states of sheets and lots.

The terminal's screens are ASCII (protocol/tariffs.py's labels are written without
accents so that the firmware carries no UTF-8); the practice PC has no such limit, so the
accented labels live here, keyed by the same codes.
"""

from protocol import dates
from protocol import sheet_fields as F

NBSP = "\u00a0"  # between a number and its unit, and between thousands: never a line break

# (code, profession) -> the label as a French reader expects it (protocol/tariffs.py codes;
# tests/test_web_french.py checks that every code of every version has one).
ACT_LABELS = {
    ("G", F.DOCTOR): "Consultation de médecine générale",
    ("VG", F.DOCTOR): "Visite de médecine générale",
    ("MD", F.DOCTOR): "Majoration de déplacement du médecin",
    ("IK", F.DOCTOR): "Indemnité kilométrique du médecin (plaine), par km",
    ("MN", F.DOCTOR): "Majoration de nuit (20 h-0 h, 6 h-8 h)",
    ("MM", F.DOCTOR): "Majoration de milieu de nuit (0 h-6 h)",
    ("F", F.DOCTOR): "Majoration dimanche et jour férié",
    ("AMI", F.NURSE): "Acte médico-infirmier (lettre clé)",
    ("AIS", F.NURSE): "Acte infirmier de soins (lettre clé)",
    ("IFD", F.NURSE): "Indemnité forfaitaire de déplacement",
    ("IK", F.NURSE): "Indemnité kilométrique de l'infirmier (plaine), par km",
    ("MAU", F.NURSE): "Majoration acte unique",
    ("MCI", F.NURSE): "Majoration de coordination infirmière",
    ("F", F.NURSE): "Majoration dimanche et jour férié",
    ("BSA", F.NURSE): "Bilan de soins infirmiers, dépendance légère",
    ("BSB", F.NURSE): "Bilan de soins infirmiers, dépendance intermédiaire",
    ("BSC", F.NURSE): "Bilan de soins infirmiers, dépendance lourde",
    ("N", F.NURSE): "Majoration de nuit (20 h-23 h, 5 h-8 h)",
    ("NP", F.NURSE): "Majoration de nuit profonde (23 h-5 h)",
    ("AMX", F.NURSE): "Acte médico-infirmier d'un patient dépendant (lettre clé)",
    ("MIE", F.NURSE): "Majoration pour un enfant de moins de 7 ans",
    ("IKM", F.NURSE): "Indemnité kilométrique de l'infirmier (montagne), par km",
    ("IKS", F.NURSE): "Indemnité kilométrique de l'infirmier (à pied ou à ski), par km",
    ("DI", F.NURSE): "Bilan de soins infirmiers (élaboration, lettre clé)",
}

PROFESSIONS = {F.DOCTOR: "Médecin", F.NURSE: "Infirmier ou infirmière"}
PAYMENTS = {F.PATIENT_PAID: "payée par le patient", F.THIRD_PARTY: "tiers payant"}
# Why a degraded sheet was made without the Vitale card (R161-43, sheet key 21).
ABSENT_REASONS = {
    F.CARD_FORGOTTEN: "le patient n'avait pas sa carte",
    F.CARD_UNREADABLE: "carte illisible",
    F.NO_CARD_YET: "le patient n'a pas encore de carte",
}

# A sheet's state as the practice reads it, from the furthest its lot went.
SHEET_STATES = {
    "filed": "à mettre en lot",
    "open": "dans un lot à sceller",
    "sealed": "scellée, à envoyer",
    "sent": "transmise",
    "acknowledged": "accusée",
    "rejected": "rejetée",
    "paid": "payée",
    "duplicate": "duplicata papier",
    "purged": "double électronique effacé",
}
LOT_STATES = {
    "open": "ouvert",
    "sealed": "scellé",
    "sent": "transmis",
    "acknowledged": "accusé",
    "rejected": "rejeté",
}

# The sync's stages (host_agent/sync.py, sync_after.py report them in English for the CLI).
SYNC_STAGES = {
    "connecting": "Connexion au terminal",
    "greeting the terminal": "Connexion au terminal",
    "opening an encrypted session": "Ouverture d'une session chiffrée",
    "pulling sheets": "Réception des feuilles de soins",
    "collecting the access log": "Relevé du journal des accès",
    "sending the opposition list": "Envoi de la liste d'opposition",
    "synced": "Terminé",
}


def euros(cents) -> str:
    """4732 -> '47,32 €'; 123456 -> '1 234,56 €' (no-break spaces)."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        return "-"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    digits = "%d" % whole
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return "%s%s,%02d%s€" % (sign, NBSP.join(groups), rest, NBSP)


def date(ymd) -> str:
    """20261201 -> '01/12/2026'; '-' for anything that is not a real day."""
    return dates.french(dates.ymd_tuple(ymd)) if dates.is_ymd(ymd) else "-"


def instant(epoch) -> str:
    """An instant as Paris reads it: '01/12/2026 à 14:05'; '-' for none."""
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch <= 0:
        return "-"
    hour, minute = dates.paris_hm(epoch)
    return "%s à %02d:%02d" % (dates.french(dates.paris_date(epoch)), hour, minute)


def plural(n: int, singular: str, many: str = "") -> str:
    """'1 feuille', '2 feuilles', '0 feuille' (French: 0 and 1 take the singular)."""
    return "%d %s" % (n, singular if -2 < n < 2 else (many or singular + "s"))


def act_label(code, profession) -> str:
    """The act's label with its accents, or its code when this agent does not know it."""
    return ACT_LABELS.get((code, profession), str(code))


def days_left(left: int) -> str:
    """Working days before the deadline, as a sentence (R161-47 I 1°)."""
    if left < 0:
        return "en retard de " + plural(-left, "jour ouvré", "jours ouvrés")
    if left == 0:
        return "dernier jour"
    return "encore " + plural(left, "jour ouvré", "jours ouvrés")


def urgency(left) -> str:
    """A CSS class for a deadline: 'overdue', 'near' (today or the next working day), ''."""
    if left is None:
        return ""
    return "overdue" if left < 0 else ("near" if left <= 1 else "")


def sync_stage(text: str) -> str:
    for english, french in SYNC_STAGES.items():
        if text.startswith(english):
            return french
    return text
