"""Sealed frames: round trips, replayed, reordered and dropped-then-replayed frames refused,
any single flipped bit refused, header fields bound, directions and sessions kept apart,
hostile bodies, overhead (both interpreters)."""

from _kit import Rng, raises
from _session_kit import decode_one, raw_of, seeded, sessions, wire_of

from protocol import cbor, frame, messages, session
from protocol.security_errors import (
    BadMac,
    MalformedMessage,
    ReplayError,
    SecurityError,
    SessionError,
)


def _pair_of_sessions(seed):
    rng = Rng(seed)
    return sessions(agent_rng=seeded(rng), terminal_rng=seeded(rng))


def test_round_trips_of_every_size_both_ways():
    agent, terminal = _pair_of_sessions(1)
    rng = Rng(2)
    for n in (0, 1, 15, 16, 17, 100, 255, 256, 1000, session.MAX_PLAINTEXT):
        data = rng.bytes(n)
        for sender, receiver in ((agent, terminal), (terminal, agent)):
            wire = frame.encode_raw(
                messages.RECORDS, n, cbor.encode(sender.seal(messages.RECORDS, n, data))
            )
            fr = decode_one(wire)
            assert receiver.open(fr) == data
    assert agent.sent == terminal.received == 10 and terminal.sent == agent.received == 10
    print("max plaintext", session.MAX_PLAINTEXT)


def test_the_largest_plaintext_fits_a_frame_and_one_more_byte_does_not():
    agent, _ = _pair_of_sessions(3)
    sealed = agent.seal(messages.RECORDS, 1, bytes(session.MAX_PLAINTEXT))
    assert len(cbor.encode(sealed)) == frame.MAX_BODY
    raises(frame.FrameTooLarge, agent.seal, messages.RECORDS, 1, bytes(session.MAX_PLAINTEXT + 1))
    wire = agent.encode(messages.RECORDS, 2, bytes(session.MAX_PLAINTEXT - 3))
    plain_wire = frame.encode(messages.RECORDS, 2, bytes(session.MAX_PLAINTEXT - 3))
    print("sealed frame %d bytes on the wire, %d in clear" % (len(wire), len(plain_wire)))


def test_a_replayed_frame_is_refused_and_the_next_one_served():
    agent, terminal = _pair_of_sessions(4)
    fr = decode_one(agent.encode(messages.PULL, 1, {"cursor": 0}))
    assert terminal.open_body(fr) == {"cursor": 0}
    e = raises(ReplayError, terminal.open_body, fr)
    assert e.code == messages.E_SESSION
    raises(ReplayError, terminal.open_body, fr)
    assert terminal.open_body(decode_one(agent.encode(messages.PULL, 2, {"cursor": 1}))) == {
        "cursor": 1
    }
    assert terminal.rejected == 2 and terminal.received == 2
    print(e)


def test_a_reordered_frame_is_refused():
    agent, terminal = _pair_of_sessions(5)
    first = decode_one(agent.encode(messages.ACK, 1, {"upto": 1}))
    second = decode_one(agent.encode(messages.ACK, 2, {"upto": 2}))
    assert terminal.open_body(second) == {"upto": 2}
    raises(ReplayError, terminal.open_body, first)


def test_a_dropped_frame_replayed_later_is_refused_but_a_gap_is_not_an_error():
    agent, terminal = _pair_of_sessions(6)
    dropped = decode_one(agent.encode(messages.ACK, 1, {"upto": 1}))
    resent = decode_one(agent.encode(messages.ACK, 1, {"upto": 1}))  # sealed anew: counter 1
    assert terminal.open_body(resent) == {"upto": 1}  # counter 0 never arrived: fine
    raises(ReplayError, terminal.open_body, dropped)
    raises(ReplayError, terminal.open_body, resent)


def _classify(wire, receiver):
    events = frame.Decoder().feed(wire)
    frames = [e for e in events if isinstance(e, frame.Frame)]
    if not frames:
        return "frame layer"
    try:
        receiver.open(frames[0])
    except BadMac:
        return "bad mac"
    except ReplayError:
        return "replay"
    except SessionError:
        return "not sealed"
    return "ACCEPTED"


def test_every_single_bit_flip_is_refused():
    agent, terminal = _pair_of_sessions(7)
    wire = agent.encode(messages.RECORDS, 0x1234, {"r": [b"sheet bytes"]})
    raw = raw_of(wire)[:-4]  # header and sealed body, without the CRC
    outcomes = {}
    for i in range(len(raw)):
        for bit in range(8):
            bad = bytearray(raw)
            bad[i] ^= 1 << bit
            # an attacker fixes the CRC, so only the session can tell
            kind = _classify(wire_of(bad), terminal)
            outcomes[kind] = outcomes.get(kind, 0) + 1
            # a flip on the line, CRC not fixed
            flipped = bytearray(wire)
            flipped[1 + i % (len(wire) - 2)] ^= 1 << bit
            assert _classify(bytes(flipped), terminal) == "frame layer"
    assert "ACCEPTED" not in outcomes, outcomes
    assert terminal.open_body(decode_one(wire)) == {"r": [b"sheet bytes"]}
    print(sorted(outcomes.items()), "of", len(raw) * 8)


def test_header_fields_are_bound_to_the_frame():
    agent, terminal = _pair_of_sessions(8)
    sealed = agent.seal_body(messages.ACK, 7, {"upto": 9})
    for mtype, seq in ((messages.OPPOSITION, 7), (messages.ACK, 8), (messages.ACK, 7 + 256)):
        swapped = decode_one(frame.encode_raw(mtype, seq, cbor.encode(sealed)))
        raises(BadMac, terminal.open_body, swapped)
    assert terminal.open_body(decode_one(frame.encode_raw(messages.ACK, 7, cbor.encode(sealed))))


def test_directions_and_sessions_are_kept_apart():
    agent, terminal = _pair_of_sessions(9)
    other_agent, other_terminal = _pair_of_sessions(10)
    fr = decode_one(agent.encode(messages.STATUS, 1, {}))
    raises(BadMac, agent.open, fr)  # reflected back to its sender
    raises(BadMac, other_terminal.open, fr)  # another session
    assert terminal.open_body(fr) == {}


def test_hostile_bodies_are_refused_and_change_nothing():
    agent, terminal = _pair_of_sessions(11)
    rng = Rng(12)
    for body in (
        {"x": 1},
        [],
        5,
        None,
        b"",
        bytes(session.OVERHEAD - 1),
        rng.bytes(session.OVERHEAD),
        rng.bytes(300),
    ):
        fr = decode_one(frame.encode(messages.PULL, 1, body))
        e = raises(SecurityError, terminal.open, fr)
        assert isinstance(e, SessionError)
    assert terminal.received == 0 and terminal.rejected == 8
    # a huge counter with a wrong tag does not move the window
    forged = b"\xff\xff\xff\xff" + rng.bytes(20)
    raises(BadMac, terminal.open, decode_one(frame.encode(messages.PULL, 1, forged)))
    assert terminal.open_body(decode_one(agent.encode(messages.PULL, 1, {"ok": True}))) == {
        "ok": True
    }


def test_sealed_bytes_that_are_not_cbor():
    agent, terminal = _pair_of_sessions(13)
    sealed = agent.seal(messages.STATUS, 1, b"\xff\x00")
    fr = decode_one(frame.encode_raw(messages.STATUS, 1, cbor.encode(sealed)))
    raises(MalformedMessage, terminal.open_body, fr)


def test_closed_and_used_up_sessions_refuse():
    agent, terminal = _pair_of_sessions(14)
    fr = decode_one(agent.encode(messages.STATUS, 1, {}))
    agent.sent = session.MAX_COUNTER
    agent.seal(messages.STATUS, 2, b"")
    e = raises(SessionError, agent.seal, messages.STATUS, 3, b"")
    print(e)
    terminal.close()
    terminal.close()
    raises(SessionError, terminal.open, fr)
    raises(SessionError, terminal.seal, messages.STATUS, 1, b"")
    print(repr(terminal))


def test_no_key_material_in_reprs_or_messages():
    rng = Rng(15)
    keys = [rng.bytes(32) for _ in range(4)]
    agent = session.Session("agent", keys[0], keys[1], keys[2], keys[3])
    terminal = session.Session("terminal", keys[2], keys[3], keys[0], keys[1])
    texts = [
        repr(agent),
        str(agent),
        repr(terminal),
        repr(agent._send.mac),
        repr(agent._send.cipher),
    ]
    fr = decode_one(agent.encode(messages.STATUS, 1, {}))
    terminal.open(fr)
    for bad in (fr, decode_one(frame.encode(messages.STATUS, 1, bytes(40)))):
        try:
            terminal.open(bad)
        except SecurityError as e:
            texts.append(str(e) + repr(e))
    for text in texts:
        for key in keys:
            assert key.hex() not in text and repr(key)[2:-1] not in text, text
    print(texts[0])
