"""`tla-agent watch`: wait for a terminal, sync it when it appears, wait for it to go, and
again: unplugging (even mid-sync) and plugging it back are the normal course of a day.

A terminal is found by USB vendor and product id (serial.tools.list_ports) or is a given
port URL; a device path counts as present while it exists, any other URL always does (then
`every` seconds separate two syncs).
"""

import time

from host_agent.system import current as system


def url_finder(url):
    """find() for a given port URL: the URL while it is there (host_agent/system.py: a
    device path while it exists, a COM port while pyserial lists it), else None."""

    def find():
        return url if system.port_present(url) else None

    return find


def usb_finder(find_terminals):
    """find() for the first USB terminal `find_terminals()` lists, or None."""

    def find():
        found = find_terminals()
        return found[0] if found else None

    return find


def watch(find, sync, report, stop, every=0.0, poll=0.5, sleep=time.sleep, clock=time.monotonic):
    """Loop until `stop()`: when `find()` gives a port, `sync(port)`; then wait until it is
    gone (or `every` seconds, when not 0) before syncing again. `sync` raises to say it
    failed; `report(event, port, detail)` hears "found", "synced", "failed" and "gone"."""
    while not stop():
        port = find()
        if port is None:
            sleep(poll)
            continue
        report("found", port, None)
        try:
            detail = sync(port)
        except Exception as e:  # noqa: BLE001 - one failed sync must not end the watch
            report("failed", port, e)
        else:
            report("synced", port, detail)
        since = clock()
        while not stop() and find() == port:
            if every and clock() - since >= every:
                break
            sleep(poll)
        else:
            if not stop():
                report("gone", port, None)
