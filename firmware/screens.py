"""What the terminal's 4 x 20 display shows in each state, as plain lists of lines."""

from protocol import dates
from protocol.sheet_validation import euros


def idle(model, serial, now, warning=None, waiting=None):
    """The idle screen: who the terminal is, the French date and time, what to do next or
    (`waiting`) the sheets waiting for the PC; `warning` (sync needed, a transmission
    deadline close, a cap) replaces the serial number."""
    hh, mm = dates.paris_hm(now)
    return [
        "tla %s" % model,
        "%s %02d:%02d" % (dates.french(dates.paris_date(now)), hh, mm),
        waiting or "Inserer les cartes",
        warning or "N/S %s" % serial,
    ]


def waiting_line(count, deadline):
    """'12 FSE: envoi 23/11': sheets the PC has not committed, their nearest deadline."""
    day = dates.french(dates.ymd_tuple(deadline))[:5]
    line = "%d FSE: envoi %s" % (count, day)
    return line if len(line) <= 20 else "%d FSE envoi %s" % (min(count, 9999), day)


def syncing(sent, total):
    """While a sync runs: the sheets sent so far of those to send."""
    return ["Synchro en cours", "Envoi FSE %d/%d" % (sent, total) if total else ""]


def synced(acked, rejected):
    """A sync's result, on the idle screen until a key or a card."""
    line = "%d recues %d refus" % (acked, rejected)
    return ["Synchro terminee", line if len(line) <= 20 else "%d ok %d refus" % (acked, rejected)]


def deadline_warning(days_left):
    """The idle screen's line when unsynced sheets near their deadline (R161-47 I 1°)."""
    if days_left < 0:
        return "FSE: delai depasse!"
    if days_left == 0:
        return "FSE: envoi ce jour"
    return "FSE: envoi sous %dj" % days_left


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
    """CPS ready: the patient's card next, or MENU for a sheet without it (degraded)."""
    return [name, profession, "Inserer carte Vitale", "MENU: autres choix"]


def beneficiary_line(b, today):
    """'1 MARIE   12/05/1985': rank, first name, birth date; '!' when rights are closed."""
    mark = " " if b.rights_valid(today) else "!"
    return "%d%s%-7s %s" % (
        b.rank,
        mark,
        b.first_names[0][:7],
        dates.french(dates.ymd_tuple(b.birth_date)),
    )


PATIENT_ROWS = 2  # beneficiaries on the patient screen at once (UP/DOWN for more)


def patient(card, first_row, today):
    """The holder's name, two beneficiaries from `first_row` (UP/DOWN scroll), then what to
    do: their rank's digit picks one ('v' when more follow below)."""
    lines = [(card.usage_name + " " + card.first_names[0])[:20]]
    for b in card.beneficiaries[first_row : first_row + PATIENT_ROWS]:
        lines.append(beneficiary_line(b, today))
    while len(lines) < 1 + PATIENT_ROWS:
        lines.append("")
    more = first_row + PATIENT_ROWS < len(card.beneficiaries)
    return lines + ["Choisir le patient" + (" v" if more else "")]


def remove_vitale_done():
    """The patient's card stays in after its visit: it is not read again until it leaves."""
    return ["Retirez la carte", "Vitale du patient", "", ""]


# ---------------------------------------------------------------- the visit


def message(text, last="OK: continuer"):
    """A French sentence on three lines, then what to press."""
    lines = wrap(text, 20, 3)
    while len(lines) < 3:
        lines.append("")
    return lines + [last]


def problem(found):
    """A validation problem (protocol.sheet_validation.Problem): the field, what is wrong."""
    field, what = found.screen()
    return [field, what, "", "OK: corriger"]


def menu(m):
    """An entry.Menu: its title, then three items around the cursor, '>' on the cursor, and
    'v' at the end of the last line when more items follow below it."""
    first = m.cursor - 2 if m.cursor > 2 else 0
    rows = 3 if not m.hint or len(m.items) > 2 else 2
    lines = [m.title]
    last = min(first + rows, len(m.items))
    for i in range(first, last):
        line = "%s%d %s" % (">" if i == m.cursor else " ", i + m.base, m.items[i])
        if i == last - 1 and last < len(m.items):
            line = "%-19sv" % line[:19]
        lines.append(line[:20])
    while len(lines) < 4:
        lines.append(m.hint if len(lines) == 3 else "")
    return lines


def typing(e):
    """An entry.Digits (or Hundredths, Date): title, what to type, what is typed, the hint."""
    return [e.title, e.label + ":", e.shown(), e.hint]


def sheet_title(count, fees):
    return "Actes:%d %s" % (count, euros(fees))


# The review's last line, by what its keys do (firmware/visit_signing.py): OK signs; MENU,
# on a card that can sign, opens "Patient sans signat." (R161-43): the patient does not
# sign ("sans"), or, a reason already chosen, another one ("modif").
REVIEW_SIGNS = "OK:signer MENU:sans"
REVIEW_REASON = "OK:signer MENU:modif"
REVIEW_CPS = "OK: signer (CPS)"  # no Vitale card, or one without a signature key


def review(fees, third_party, hint):
    """The amounts before signing: total fees, what the patient pays, third-party payment;
    `hint` (one of the REVIEW_ lines) says what OK and MENU do."""
    return [
        "Total   %12s" % euros(fees),
        "Patient %12s" % euros(fees - third_party),
        "Tiers p.%12s" % euros(third_party),
        hint,
    ]


def signing():
    return ["Signature en cours", "Ne retirez pas", "les cartes", ""]


def saved(order_no, copied):
    """'Enregistree no N': the sheet is committed to flash (the promise of R161-47 I)."""
    copy = {True: "Copie sur carte: oui", False: "Copie carte: echec"}.get(copied, "")
    return ["Feuille", "Enregistree no %d" % order_no, copy, "Retirez la carte"]


def not_saved(reason):
    """The signing stopped: nothing was saved, and why (a French sentence)."""
    lines = ["Feuille NON enreg."] + wrap(reason, 20, 2)
    while len(lines) < 3:
        lines.append("")
    return lines + ["OK: continuer"]


def sync_needed(damaged=False):
    """Flash under its reserve: no new sheet until the PC has synced (docs/journal.md); or
    (`damaged`) a flash littlefs cannot mount: no new sheet at all."""
    if damaged:
        return flash_unreadable()
    return ["Synchro necessaire", "Memoire presque", "pleine: feuilles", "refusees"]


def cap_reached():
    """A hard cap the practice set is reached (firmware/idle.py): no new sheet until a sync."""
    return ["Synchro necessaire", "Plafond du cabinet", "atteint: feuilles", "refusees"]


def flash_unreadable():
    """A flash that does not mount (docs/journal.md "Flash damage"): never formatted; the
    PC can still pull what survives; pairing again is on MENU."""
    return ["Memoire endommagee", "Visites refusees", "Synchroniser le PC", "MENU: appairer"]


def damage_warning(affected):
    """The idle screen's line when flash damage took sheets (named to the PC by number)."""
    return "Memoire: %d abimees" % affected if 0 < affected < 1000 else "Memoire endommagee"
