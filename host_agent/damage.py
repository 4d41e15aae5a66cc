"""What `tla-agent sync` does about a terminal's flash damage (docs/journal.md "Flash
damage"): tell the terminal the highest record number filed here, so that it never issues
one again whatever its flash lost, and print and keep the damage its STATUS reports."""

from protocol import messages
from protocol import sync_messages as sm


def status_request(store, serial, mtype, body):
    """The body to send for `mtype`: a STATUS carries the highest record number filed
    from terminal `serial` (its cursor); anything else goes as it is."""
    if mtype != messages.STATUS or body:
        return body
    row = store.terminal_row(serial)
    return sm.status_request(row["cursor"] if row is not None else 0)


def damage_line(serial, flash, runs) -> str:
    """One plain English line for a terminal's flash damage ("" when none); the serial is
    the terminal's word, so only printable ASCII of it is kept."""
    if not flash and not runs:
        return ""
    who = "".join(c if " " <= c <= "~" else "?" for c in str(serial)[:64])
    state = "cannot be mounted (read-only salvage)" if flash == 2 else "is damaged"
    lost = ", ".join(str(f) if c == 1 else "%d-%d" % (f, f + c - 1) for f, c in runs)
    return "terminal %s: flash %s; records lost to the damage: %s" % (who, state, lost or "none")


def note(store, serial, summary, status) -> None:
    """Keep the damage a STATUS reported: in the summary (`damage`, printed by the CLI) and
    in the settings table under flash_damage:<serial> (the last report)."""
    line = damage_line(serial, status.get("flash", 0), status.get("damaged", []))
    if line:
        summary.damage = line
        store.set_setting("flash_damage:" + serial, line)
