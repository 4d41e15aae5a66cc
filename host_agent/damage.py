"""What `tla-agent sync` does about a terminal's flash damage (docs/journal.md "Flash
damage"): tell the terminal the highest record and order numbers filed here, so that it
never issues one again whatever its flash lost, and print and keep the damage its STATUS
reports."""

from host_agent.client import SessionLost
from protocol import messages
from protocol import sync_messages as sm


def sealed_call(syncer, mtype, body):
    """Syncer._call: a sealed request; after a terminal reboot (no session) AUTH again,
    once. A STATUS carries the highest record number filed here from this terminal (and the
    practice's caps, if set), and the flash damage its answer reports is noted."""
    if mtype == messages.STATUS and not body:
        body = syncer._db(status_request, syncer.store, syncer.serial, syncer.caps)
    try:
        reply = syncer.link.request(mtype, body)
    except SessionLost:
        syncer._authenticate()
        reply = syncer.link.request(mtype, body)
    if mtype == messages.STATUS and isinstance(reply, dict):  # (else the caller refuses it)
        status = sm.read_status(dict(reply))
        syncer._db(note, syncer.store, syncer.serial, syncer.summary, status)
    return reply


def status_request(store, serial, caps=None):
    """STATUS's body: the highest record number filed from terminal `serial` (its cursor),
    each professional's highest order number filed from it (R161-44 1°) and its highest
    access-log entry, so that a terminal whose flash was erased or formatted never hands
    them out again, and the practice's caps when its settings give them
    (host_agent/settings_caps.py)."""
    row = store.terminal_row(serial)
    orders = []
    for pro, high in store.order_highs(serial, sm.MAX_PROS):
        if isinstance(pro, str) and len(pro) == 11 and all("0" <= c <= "9" for c in pro):
            orders.append((int(pro), min(int(high), sm.MAX_HIGH)))
    if row is None:
        return sm.status_request(0, caps)
    return sm.status_request(row["cursor"], caps, sorted(orders), row["access_cursor"])


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
