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
