"""Helpers for the portable pairing and session tests: scripted randomness, a whole
pairing, an opened session pair, and re-framing of altered raw frames."""

from protocol import auth, cobs, frame, pairing, session
from protocol.crc import crc32_bytes


def scripted(*values):
    """An rng(n) handing out `values` in order (each must be n bytes long)."""
    queue = list(values)

    def rng(n):
        value = queue.pop(0)
        assert len(value) == n, (len(value), n)
        return value

    return rng


def seeded(rng):
    """An rng(n) drawing from a _kit.Rng: the same bytes on both interpreters."""
    return rng.bytes


def pair(agent_id="PC-CABINET-01", terminal_id="TLA-EMU-0001", agent_rng=None, terminal_rng=None):
    """Run a whole pairing, the user confirming at once; returns (AgentPairing, TerminalPairing)."""
    agent = pairing.AgentPairing(agent_id, agent_rng)
    terminal = pairing.TerminalPairing(terminal_id, terminal_rng)
    request = agent.request()
    while request is not None:
        reply = terminal.on_request(request)
        if terminal.state == "comparing":
            assert agent.code == terminal.code
            terminal.confirm()
        request = agent.on_reply(reply)
    return agent, terminal


def authenticate(agent_auth, terminal_auth):
    """Run AUTH to the end; returns (agent session, terminal session)."""
    request = agent_auth.request()
    while request is not None:
        request = agent_auth.on_reply(terminal_auth.on_request(request))
    return agent_auth.session, terminal_auth.session


def sessions(agent_rng=None, terminal_rng=None):
    """A fresh pairing and an open session on both sides: (agent Session, terminal Session)."""
    agent, terminal = pair(agent_rng=agent_rng, terminal_rng=terminal_rng)
    return authenticate(
        auth.AgentAuth(agent.pairing, agent_rng), auth.TerminalAuth(terminal.pairing, terminal_rng)
    )


def decode_one(wire):
    """The single event the frame decoder makes of `wire`."""
    events = frame.Decoder().feed(wire)
    assert len(events) == 1, events
    return events[0]


def raw_of(wire):
    """The raw frame (header, body, CRC) inside wire bytes."""
    return cobs.decode(wire[1:-1])


def wire_of(raw_without_crc):
    """Wire bytes of a raw frame with a correct CRC: what an attacker who alters a frame
    sends, so that only the session can notice."""
    raw = bytes(raw_without_crc) + crc32_bytes(raw_without_crc)
    return b"\x00" + cobs.encode(raw) + b"\x00"


def agent_receiver(secrets):
    """The agent's receiving half of a session under keyschedule.SessionSecrets `secrets`:
    what an eavesdropper who derived them would open the terminal's frames with."""
    return session.Session(
        "agent",
        secrets.enc_agent_to_terminal,
        secrets.mac_agent_to_terminal,
        secrets.enc_terminal_to_agent,
        secrets.mac_terminal_to_agent,
    )
