"""What the terminal's 4 x 20 display shows in each state, as plain lists of lines."""

from protocol import dates


def idle(model, serial, now):
    """The idle screen: who the terminal is, the French date and time, what to do next."""
    hh, mm = dates.paris_hm(now)
    return [
        "tla %s" % model,
        "%s %02d:%02d" % (dates.french(dates.paris_date(now)), hh, mm),
        "Inserer les cartes",
        "N/S %s" % serial,
    ]


# ---------------------------------------------------------------- card reading

_SLOT_LABELS = {"cps": "CPS", "vitale": "Vitale"}


def wrap(text, width=20, rows=2):
    """`text` cut at spaces into at most `rows` lines of `width` characters."""
    lines = []
    line = ""
    for word in text.split(" "):
        if not line:
            line = word[:width]
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word[:width]
    if line:
        lines.append(line)
    return lines[:rows]


def card_error(slot, error):
    """What went wrong with the card in `slot` (a typed card error), in 4 lines."""
    name = type(error).__name__
    label = _SLOT_LABELS.get(slot, slot)
    if name in ("CardRemoved", "CardAbsent"):
        return ["Carte retiree", "(lecteur %s)" % label, "Lecture annulee", "OK: continuer"]
    if name == "CardIOError":
        return ["Carte muette", "(lecteur %s)" % label, "Reinserez la carte", "OK: continuer"]
    body = wrap(str(error))
    while len(body) < 2:
        body.append("")
    return ["Lecteur %s:" % label] + body + ["Retirez la carte"]


def reading(label):
    return ["Lecture carte %s" % label, "Ne retirez pas", "la carte", ""]


def insert_card(label):
    return ["Inserer la carte", label, "", ""]


def remove_card(label):
    return ["Carte %s refusee" % label, "", "Retirez la carte", ""]


def pin_entry(name, typed, tries_left, failed):
    """PIN screen: a star per digit typed (never the digits), tries left after a wrong PIN."""
    return [
        name,
        "Code PIN: " + "*" * typed,
        "Essais restants: %d" % tries_left if failed or tries_left < 3 else "",
        "OK valider",
    ]


def insert_vitale(name, profession):
    return [name, profession, "Inserer la carte", "Vitale du patient"]


def beneficiary_line(b, today):
    """'1 MARIE   12/05/1985': rank, first name, birth date; '!' when rights are closed."""
    mark = " " if b.rights_valid(today) else "!"
    birth = b.birth_date
    return "%d%s%-7s %02d/%02d/%04d" % (
        b.rank,
        mark,
        b.first_names[0][:7],
        birth % 100,
        birth // 100 % 100,
        birth // 10000,
    )


def patient(card, first_row, today):
    """The holder's name, then three beneficiaries from `first_row` (UP/DOWN scroll)."""
    lines = [card.usage_name + " " + card.first_names[0]]
    for b in card.beneficiaries[first_row : first_row + 3]:
        lines.append(beneficiary_line(b, today))
    return lines
