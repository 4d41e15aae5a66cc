"""The practice's caps on the sheets a terminal keeps unsynced, the `[caps]` table of the
settings file (docs/agent.md "Settings", docs/visit.md "Caps"): like a payment terminal's
offline limits, a warning threshold and a hard cap on how many sheets wait for the PC and
on how many days the oldest has waited. Every sync sends them in its STATUS
(`sync_messages.status_request(high, caps)`), and the terminal keeps them; with no
`[caps]` table nothing is sent and the terminal keeps what it has (its defaults at first).

A key left out of the table takes the terminal's default (firmware/idle.DEFAULT_CAPS), so
that setting a hard cap alone does not silently drop the default warnings; 0 means none.
"""

# The keys, in the order of the STATUS message's "caps" list.
KEYS = ("warn_sheets", "max_sheets", "warn_days", "max_days")
# firmware/idle.DEFAULT_CAPS (tests check they agree): a warning at 60 sheets and at 2 days,
# no hard cap; the agent does not import the firmware.
DEFAULTS = (60, 0, 2, 0)
MAX = 0xFFFF  # the message's limit (sync_messages.read_caps)

_CAP = ("cap", "a whole number from 0 (none) to 65535", "un nombre entier de 0 (aucun) à 65535")
SCHEMA = {("caps", key): _CAP for key in KEYS}


def valid(value) -> bool:
    """A cap as the settings file may give it (true/false are not numbers here)."""
    return type(value) is int and 0 <= value <= MAX


def caps(values: dict):
    """The 4 caps to send ({(table, key): value} as Settings.values), or None when the
    settings have no `[caps]` table (send nothing: the terminal keeps its own)."""
    if not any(("caps", key) in values for key in KEYS):
        return None
    return tuple(values.get(("caps", key), d) for key, d in zip(KEYS, DEFAULTS, strict=True))


def check(lines, values: dict) -> None:
    """A hard cap below its warning is refused (the warning would never show before the
    visits are refused): a SettingsError naming the hard cap's key and line."""
    got = caps(values)
    if got is None:
        return
    for warn, hard in ((0, 1), (2, 3)):
        if got[hard] and got[warn] and got[hard] < got[warn]:
            unset = ("caps", KEYS[warn]) not in values
            default = " (its default when not set)" if unset else ""
            defaut = " (sa valeur par défaut quand il n'est pas donné)" if unset else ""
            raise lines.error(
                "caps",
                KEYS[hard],
                "must be 0 (none) or at least %s, %d%s, not %d"
                % (KEYS[warn], got[warn], default, got[hard]),
                "doit être 0 (aucun) ou au moins %s, %d%s, et non %d"
                % (KEYS[warn], got[warn], defaut, got[hard]),
            )
