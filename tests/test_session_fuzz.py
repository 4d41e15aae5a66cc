"""Hostile input on the session-opening path (hypothesis): random bodies and mutated valid
ones into pairing and AUTH on both sides, random frames into open sessions. Only typed
SecurityErrors come out, and no session opens without the pairing key."""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import auth, frame, messages, pairing
from protocol.security_errors import AuthFailed, SecurityError, SessionError

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64 - 1),
    st.binary(max_size=40),
    st.text(max_size=70),
)
KEYS = st.sampled_from(["step", "id", "pub", "commit", "nonce", "mac", "pid", "wait", "x"])
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=12,
)
BODIES = st.one_of(VALUES, st.dictionaries(KEYS, VALUES, max_size=6))


sys.path.insert(0, str(Path(__file__).resolve().parent / "portable"))
from _session_kit import authenticate, pair  # noqa: E402

_agent, _terminal = pair()
A_PAIRING, T_PAIRING = _agent.pairing, _terminal.pairing


def feed(fn, body):
    """Call fn(body): it may answer or refuse with a SecurityError, nothing else."""
    try:
        return fn(body)
    except SecurityError as e:
        assert isinstance(e.code, int) and str(e)
        return None


def mutate(body, data):
    """A valid body with one field replaced, removed or added (drawn by hypothesis)."""
    body = dict(body)
    key = data.draw(st.sampled_from(sorted(body) + ["x"]))
    action = data.draw(st.sampled_from(["replace", "remove", "flip"]))
    if action == "remove":
        body.pop(key, None)
    elif action == "flip" and isinstance(body.get(key), bytes) and body[key]:
        b = bytearray(body[key])
        b[data.draw(st.integers(0, len(b) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        body[key] = bytes(b)
    else:
        body[key] = data.draw(VALUES)
    return body


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_pairing_survives_mutated_messages_on_both_sides(data):
    agent = pairing.AgentPairing("PC-CABINET-01")
    terminal = pairing.TerminalPairing("TLA-EMU-0001")
    victim = data.draw(st.integers(0, 5))  # which message of the exchange is altered
    request = agent.request()
    for i in range(6):
        if request is None:
            break
        if i == victim and i % 2 == 0:
            request = mutate(request, data)
        reply = feed(terminal.on_request, request)
        if reply is None:
            break
        if terminal.state == "comparing":
            terminal.confirm()
        if i == victim and i % 2 == 1:
            reply = mutate(reply, data)
        request = feed(agent.on_reply, reply)
    if agent.pairing is not None and terminal.pairing is not None:
        assert agent.pairing.key == terminal.pairing.key
        assert agent.code == terminal.code


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_terminal_auth_never_opens_for_a_mutated_proof(data):
    ta = auth.TerminalAuth(T_PAIRING)
    aa = auth.AgentAuth(A_PAIRING)
    step2 = aa.on_reply(ta.on_request(aa.request()))
    forged = mutate(step2, data)
    if (
        type(forged.get("step")) is int
        and forged["step"] == 2
        and forged.get("mac") == step2["mac"]
    ):
        return  # still the real proof (an extra field is ignored)
    try:
        ta.on_request(forged)
    except AuthFailed:
        # a wrong proof spends the challenge: the right one is refused now too
        assert ta.session is None
        feed(ta.on_request, step2)
    except SecurityError:
        pass  # malformed: not a proof attempt, the challenge stays
    assert ta.session is None


SIDES = {
    "terminal pairing": (lambda: pairing.TerminalPairing("TLA-EMU-0001"), "on_request", "pairing"),
    "agent pairing": (lambda: pairing.AgentPairing("PC-CABINET-01"), "on_reply", "pairing"),
    "terminal auth": (lambda: auth.TerminalAuth(T_PAIRING), "on_request", "session"),
    "agent auth": (lambda: auth.AgentAuth(A_PAIRING), "on_reply", "session"),
}


@pytest.mark.parametrize("side", sorted(SIDES))
@settings(max_examples=200, deadline=None)
@given(bodies=st.lists(BODIES, max_size=6))
def test_random_bodies_never_pair_nor_open_a_session(side, bodies):
    make, method, result = SIDES[side]
    target = make()
    for body in bodies:
        feed(getattr(target, method), body)
    assert getattr(target, result) is None


def open_sessions():
    return authenticate(auth.AgentAuth(A_PAIRING), auth.TerminalAuth(T_PAIRING))


@settings(max_examples=500, deadline=None)
@given(
    mtype=st.integers(0, 255),
    seq=st.integers(0, 0xFFFF),
    body=st.one_of(VALUES, st.binary(max_size=1100)),
)
def test_random_frames_are_never_opened(mtype, seq, body):
    _, terminal = open_sessions()
    fr = frame.Frame(mtype, seq, body)
    try:
        terminal.open(fr)
    except SessionError:
        pass
    else:
        raise AssertionError("a random frame was accepted")
    assert terminal.received == 0 and terminal.rejected == 1


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=600), data=st.data())
def test_random_bytes_on_the_line_open_nothing_and_the_good_frame_still_does(garbage, data):
    agent, terminal = open_sessions()
    body = {"r": [os.urandom(20)]}
    good = agent.encode(messages.RECORDS, 1, body)
    # an altered copy of the real frame goes first: one byte set to any value
    altered = bytearray(good)
    altered[data.draw(st.integers(1, len(good) - 2))] = data.draw(st.integers(1, 255))
    opened = []
    for event in frame.Decoder().feed(garbage + bytes(altered) + garbage + good):
        if isinstance(event, frame.Frame):
            try:
                opened.append(terminal.open_body(event))
            except SecurityError:
                pass
    # exactly one copy opens: the good frame, or the "altered" one when it is unchanged
    assert opened == [body]
