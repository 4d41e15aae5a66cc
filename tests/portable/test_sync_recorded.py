"""Forward secrecy on a whole sync (both interpreters): an eavesdropper records every byte of
AUTH and a RECORDS stream between the terminal's App and an agent, then steals the pairing
key; with everything he holds no RECORDS frame opens, and no sheet's bytes show in clear.

What it shows: the session keys of a recorded sync need the ephemeral X25519 secret of
that AUTH, which neither side keeps (docs/protocol.md "Session opening").
"""

from _kit import raises
from _session_kit import agent_receiver
from _sync_agent import Agent, FlashBoard, boot

from protocol import frame, keyschedule, messages, x25519
from protocol.record_stream import SHEET
from protocol.security_errors import BadMac

PRO = "60001234567"


def _tap(port, wire):
    """Record what crosses the LoopPort `port`: (direction, bytes) into `wire`."""
    feed, take = port.feed, port.take

    def fed(data):
        wire.append(("pc", bytes(data)))
        feed(data)

    def taken():
        out = take()
        wire.append(("terminal", out))
        return out

    port.feed = fed
    port.take = taken


def _frames(wire, direction):
    decoder = frame.Decoder()
    out = []
    for who, data in wire:
        if who == direction:
            out += [e for e in decoder.feed(data) if isinstance(e, frame.Frame)]
    return out


def test_a_recorded_sync_and_the_pairing_key_open_nothing():
    app = boot(FlashBoard(seed=41))
    agent = Agent(app, seed=42)
    agent.pair()
    j = app.storage.journal
    payloads = [bytes([0x41 + i]) * 16 + b"patient care sheet %d" % i for i in range(4)]
    for payload in payloads:
        j.append_sheet(payload, j.reserve_order(PRO), PRO, 20261118, False)
    wire = []
    _tap(app.board.port, wire)
    assert agent.authenticate() is None
    entries, _ = agent.pull()
    assert len([e for e in entries if e[0] == SHEET]) == len(payloads)  # the agent read them
    # the thief: the recording and, later, the pairing key
    key, pid = app.gate.pairing.key, app.gate.pairing.pairing_id
    asked = [f.body for f in _frames(wire, "pc") if f.mtype == messages.AUTH]
    answered = [f.body for f in _frames(wire, "terminal") if f.mtype == messages.AUTH]
    a1, t1 = asked[0], answered[0]
    th = keyschedule.auth_transcript(pid, a1["nonce"], t1["nonce"], a1["epk"], t1["epk"])
    records = [f for f in _frames(wire, "terminal") if f.mtype == messages.RECORDS]
    assert records
    old_th = keyschedule.transcript("tla auth v1", pid, a1["nonce"], t1["nonce"])
    guesses = [
        (old_th, b""),  # the schedule before forward secrecy: it opened these frames
        (th, b""),
        (th, bytes(32)),
        (th, x25519.scalarmult(key, a1["epk"])),
        (th, x25519.scalarmult(key, t1["epk"])),
    ]
    for salt, dh in guesses:
        receiver = agent_receiver(keyschedule.SessionSecrets(key, salt, dh))
        for fr in records:
            raises(BadMac, receiver.open, fr)
    everything = b"".join(data for _, data in wire)
    for payload in payloads:
        assert everything.find(payload[:16]) < 0  # nothing of a sheet in clear
    print("recorded frames:", len(records), "opened: 0")
