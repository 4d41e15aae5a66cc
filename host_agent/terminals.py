"""What the agent does with a terminal, for the CLI and the web app alike: greet it, pair
with it (host_agent/pair.py), forget a pairing, one whole sync (host_agent/sync.py), and the
watch loop (host_agent/watch.py). Each returns what it did or raises an AgentError; none
prints.
"""

from dataclasses import dataclass
from typing import Any

from host_agent import answers, pair, transport, watch
from host_agent.client import LinkClient, LinkError
from host_agent.errors import EXIT_LINK, EXIT_VERSION, AgentError
from host_agent.store import Store
from host_agent.sync import Syncer, version_mismatch
from host_agent.sync_parts import Progress, Summary
from protocol import messages


@dataclass
class Hello:
    """Who answered HELLO; `mismatch`: why this agent cannot talk to it (or None)."""

    serial: str
    model: str
    firmware: str
    protocol: Any
    board: str
    mismatch: AgentError | None


def hello(port: str, timeout: float = 3.0) -> Hello:
    """Greet the terminal on `port` (in clear: no pairing needed)."""
    link = LinkClient(transport.open_port(port))
    try:
        reply = answers.hello(link.request(messages.HELLO, {}, timeout=timeout))
    finally:
        link.port.close()
    mismatch = version_mismatch(reply)
    return Hello(
        reply["serial"],
        reply["model"],
        reply["fw"],
        reply["proto"],
        reply["board"],
        AgentError(mismatch, EXIT_VERSION) if mismatch else None,
    )


def pair_with(
    port: str, store: Store, confirm, wait_s: int = pair.WAIT_S, waiting=None
) -> tuple[str, str]:
    """Pair with the terminal on `port`; `confirm(code, serial) -> bool` asks the user;
    `waiting(seconds_left)` counts down the wait for OK on the terminal.
    Returns (the terminal's serial, this agent's name)."""
    link = LinkClient(transport.open_port(port))
    try:
        return pair.pair(link, store, confirm, wait_s=wait_s, waiting=waiting)
    finally:
        link.port.close()


def unpair(store: Store, serial: str) -> None:
    """Revoke the pairing in force with terminal `serial`."""
    if not store.forget_pairing(serial):
        raise AgentError(
            "terminal %s is not paired with this PC" % serial,
            french="Le terminal %s n'est pas appairé avec ce PC." % serial,
        )


def find_port(port, ids) -> str:
    """The terminal's port: `port` when given, else the one USB serial port with `ids`
    (vid, pid), as `watch` finds it. AgentError (exit 5) when none or several are there."""
    if port:
        return port
    found = transport.find_terminals(*ids)
    usb = "%04x:%04x" % tuple(ids)
    if not found:
        raise AgentError(
            "no terminal on USB %s: plug it in (and switch it on), or give --port" % usb,
            EXIT_LINK,
            "Aucun terminal branché en USB (%s) : branchez-le et allumez-le." % usb,
        )
    if len(found) > 1:
        raise AgentError(
            "several terminals on USB %s (%s): say which with --port" % (usb, ", ".join(found)),
            EXIT_LINK,
            "Plusieurs terminaux sont branchés (%s) : n'en gardez qu'un." % ", ".join(found),
        )
    return found[0]


def sync_once(
    port: str, store: Store, root, progress: Progress | None = None, caps=None
) -> Summary:
    """One whole sync of the terminal on `port` (host_agent/sync.py); `caps`: the
    practice's caps to send (Settings.caps()), or None."""
    link = LinkClient(transport.open_port(port))
    try:
        return Syncer(store, root, link, progress=progress, caps=caps).run()
    except LinkError as e:
        raise LinkError(
            "%s; the terminal keeps every sheet not acknowledged: sync again" % e
        ) from e
    finally:
        link.port.close()


def watch_terminals(store: Store, root, port, ids, report, every=0.0, count=0, caps=None) -> None:
    """Wait for a terminal (on `port`, else on USB with `ids`: (vid, pid)) and sync it each
    time it appears, until `count` syncs (0: never stops). `report(event, port, detail)`
    hears "found", "synced" (detail: the Summary), "failed" (the error) and "gone"."""
    if port:
        find = watch.url_finder(port)
    else:
        find = watch.usb_finder(lambda: transport.find_terminals(*ids))
    done = {"syncs": 0}

    def sync(found):
        try:
            return sync_once(found, store, root, caps=caps)
        finally:
            done["syncs"] += 1

    watch.watch(find, sync, report, lambda: bool(count) and done["syncs"] >= count, every)
