"""What is wrong with a care sheet, and how to say it (protocol/sheet_validation.py finds
it): a Problem names the faulty field by its path, gives two lines of at most 20 ASCII
characters for the terminal's screen (the field, then what is wrong) and a plain French
sentence with the field's label and article (protocol/sheet_fields.py).
"""

from protocol import sheet_fields as F

# rule: (second screen line, sentence). The sentence takes the field's label with its
# article (%(label)s, or %(Label)s capitalised) and a detail (%(detail)s).
RULES = {
    "missing": ("absent", "Il manque %(label)s."),
    "invalid": ("invalide", "Valeur invalide pour %(label)s."),
    "unknown": ("code inconnu", "%(Label)s (%(detail)s) n'existe pas dans la nomenclature."),
    "not_allowed": (
        "hors profession",
        "%(Label)s (%(detail)s) n'est pas un acte de votre profession.",
    ),
    "not_in_force": (
        "avant nomenclature",
        "%(Label)s est avant l'entree en vigueur de la nomenclature (%(detail)s).",
    ),
    "fee_mismatch": (
        "different du tarif",
        "%(Label)s ne correspond pas a la nomenclature (%(detail)s attendus).",
    ),
    "negative": ("negatif", "%(Label)s est negatif."),
    "absurd": ("trop eleve", "%(Label)s est trop eleve (plus de %(detail)s)."),
    "total_mismatch": (
        "!= somme des actes",
        "%(Label)s ne correspond pas a la somme des actes (%(detail)s).",
    ),
    "over_fees": ("> honoraires", "%(Label)s depasse le total des honoraires (%(detail)s)."),
    "future": ("dans le futur", "%(Label)s est dans le futur."),
    "before_rights": (
        "avant les droits",
        "%(Label)s est avant l'ouverture des droits (%(detail)s).",
    ),
    "after_rights": ("apres les droits", "%(Label)s est apres la fin des droits (%(detail)s)."),
    "before_act": ("avant un acte", "%(Label)s est avant la date de l'acte %(detail)s."),
    "after_act": ("apres un acte", "%(Label)s est apres la date de l'acte %(detail)s."),
    "not_on_card": ("pas sur la carte", "%(Label)s n'est pas sur la carte Vitale."),
    "other_card": ("autre carte", "%(Label)s ne correspond pas a la carte Vitale."),
    "required": ("obligatoire", "Il faut %(label)s pour l'acte %(detail)s."),
    "too_many": ("trop nombreux", "Une feuille ne peut pas avoir plus de %(detail)s actes."),
    "duplicate": ("en double", "%(Label)s est deja pris par un autre acte du meme jour."),
    # The NGAP's rules of a day's acts (protocol/ngap_rules.py, nomenclature version 3).
    "not_sunday": (
        "dimanche/ferie seul",
        "%(Label)s (%(detail)s) ne s'applique qu'un dimanche ou un jour ferie.",
    ),
    "not_with": ("non cumulable", "%(Label)s ne se cumule pas avec %(detail)s le meme jour."),
    "single_act": (
        "seul avec AMI 1,5",
        "%(Label)s (%(detail)s) va avec un seul acte du jour, un AMI de 1 ou 1,5.",
    ),
    "not_child": (
        "enfant de -7 ans",
        "%(Label)s (%(detail)s) est pour un enfant de moins de 7 ans (sa date de naissance).",
    ),
    "out_of_hours": (
        "pas a cette heure",
        "%(Label)s (%(detail)s) ne s'applique pas a cette heure de la journee.",
    ),
    "inconsistent": (
        "incoherent",
        "%(Label)s ne correspond pas au montant du tiers payant.",
    ),
    "with_card": ("carte Vitale lue", "%(Label)s est donne alors que la carte Vitale est lue."),
}


def _field_at(path):
    """The field tuple named by `path` ("fees", "acts.2.date", "prescription.ref") and the
    act number in it (or None)."""
    parts = path.split(".")
    field = _named(F.SHEET, parts[0])
    number = None
    if len(parts) >= 2:
        if parts[0] == "acts":
            number = int(parts[1])
            if len(parts) == 2:
                return _ACT_ITSELF, number
            field = _named(F.ACT, parts[2])
        else:
            field = _named(F.RECORDS[field[F.KIND]], parts[1])
    return field, number


_ACT_ITSELF = (None, None, "act", True, "R161-42 5°", "Acte %d", "l'acte %d")


def _named(fields, name):
    for field in fields:
        if field[F.NAME] == name:
            return field
    raise KeyError(name)


class Problem:
    """One thing wrong with a sheet: `path` of the field, `rule` (a key of RULES), `detail`."""

    def __init__(self, path, rule, detail=""):
        self.path = path
        self.rule = rule
        self.detail = detail

    def _label(self, column):
        field, number = _field_at(self.path)
        label = field[column]
        return label % number if number is not None else label

    def article(self):
        """The article of the regulation the field implements (e.g. "R161-42 10°")."""
        return _field_at(self.path)[0][F.ARTICLE]

    def screen(self):
        """Two lines of at most 20 ASCII characters: the field, then what is wrong."""
        return (self._label(F.SCREEN), RULES[self.rule][0])

    def text(self):
        """The whole French sentence (ASCII)."""
        label = self._label(F.FRENCH)
        return RULES[self.rule][1] % {
            "label": label,
            "Label": label[0].upper() + label[1:],
            "detail": self.detail,
        }

    def __str__(self):
        return self.text()

    def __repr__(self):
        return "Problem(%r, %r, %r)" % (self.path, self.rule, self.detail)


class SheetInvalid(ValueError):
    """The sheet breaks a rule: `problem` is the first found, `problems` all of them."""

    def __init__(self, problems):
        super().__init__(problems[0].text())
        self.problem = problems[0]
        self.problems = problems


def euros(cents) -> str:
    """'4,73 EUR', as the terminal writes amounts."""
    sign = "-" if cents < 0 else ""
    return "%s%d,%02d EUR" % ((sign,) + divmod(abs(cents), 100))
