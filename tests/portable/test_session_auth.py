"""Session opening (AUTH): mutual proof of the pairing key; an unpaired agent or terminal
never reaches an open session; replayed proofs, unpairing, retransmissions (both
interpreters)."""

from _kit import Rng, raises
from _session_kit import authenticate, decode_one, pair, seeded

from protocol import auth, messages, pairing
from protocol.security_errors import AuthFailed, NotPaired, SecurityError


def _paired(seed):
    agent, terminal = pair(agent_rng=seeded(Rng(seed)), terminal_rng=seeded(Rng(seed + 50)))
    return agent.pairing, terminal.pairing


def test_both_sides_open_and_talk_both_ways():
    a_pairing, t_pairing = _paired(1)
    rng = Rng(2)
    agent, terminal = authenticate(
        auth.AgentAuth(a_pairing, seeded(rng)), auth.TerminalAuth(t_pairing, seeded(rng))
    )
    fr = decode_one(agent.encode(messages.PULL, 1, {"cursor": 0, "credit": 4}))
    assert terminal.open_body(fr) == {"cursor": 0, "credit": 4}
    fr = decode_one(terminal.encode(messages.RECORDS, 1, {"r": [b"sheet"]}))
    assert agent.open_body(fr) == {"r": [b"sheet"]}
    print(repr(agent), repr(terminal))


def test_an_agent_without_the_key_gets_nothing():
    _, t_pairing = _paired(3)
    # The pairing id travels in the clear: an impostor knows it, not the key.
    impostor = pairing.Pairing(t_pairing.pairing_id, bytes(32), "TLA-EMU-0001")
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(4)))
    aa = auth.AgentAuth(impostor, seeded(Rng(5)))
    reply = ta.on_request(aa.request())
    assert sorted(reply) == ["nonce", "step"]  # a fresh nonce, nothing keyed
    e = raises(AuthFailed, ta.on_request, aa.on_reply(reply))
    assert e.code == messages.E_AUTH_FAILED
    assert ta.session is None and aa.session is None and ta.refused == 1
    # the right proof for that challenge is too late: one try per challenge
    raises(AuthFailed, ta.on_request, {"step": 2, "mac": bytes(32)})
    print(e)


def test_a_terminal_without_the_key_is_refused_by_the_agent():
    a_pairing, _ = _paired(6)
    fake = pairing.Pairing(a_pairing.pairing_id, bytes(range(32)), "PC-CABINET-01")
    aa = auth.AgentAuth(a_pairing, seeded(Rng(7)))
    ta = auth.TerminalAuth(fake, seeded(Rng(8)))
    request = aa.on_reply(ta.on_request(aa.request()))
    # the fake terminal cannot check the proof; suppose it forwards garbage as its own
    e = raises(AuthFailed, aa.on_reply, {"step": 2, "mac": bytes(32)})
    assert aa.session is None and aa.state == "failed" and aa.request() is None
    raises(AuthFailed, ta.on_request, request)  # and it cannot use the agent's proof either
    print(e)


def test_not_paired_and_paired_with_another_agent():
    a_pairing, t_pairing = _paired(9)
    other, _ = _paired(10)
    e = raises(NotPaired, auth.TerminalAuth(None).on_request, auth.AgentAuth(a_pairing).request())
    assert e.code == messages.E_NOT_PAIRED
    print(e)
    e = raises(NotPaired, auth.TerminalAuth(t_pairing).on_request, auth.AgentAuth(other).request())
    print(e)


def test_a_replayed_proof_of_an_old_session_is_refused():
    a_pairing, t_pairing = _paired(11)
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(12)))
    aa = auth.AgentAuth(a_pairing, seeded(Rng(13)))
    step1 = aa.request()
    step2 = aa.on_reply(ta.on_request(step1))
    aa.on_reply(ta.on_request(step2))
    first = ta.session
    # an eavesdropper replays the whole recorded AUTH later
    ta.on_request(step1)  # a new challenge, another nonce
    raises(AuthFailed, ta.on_request, step2)
    assert ta.session is first and not first.closed  # the open session is not disturbed


def test_a_new_session_replaces_the_old_one_only_when_open():
    a_pairing, t_pairing = _paired(14)
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(15)))
    old_agent, old = authenticate(auth.AgentAuth(a_pairing, seeded(Rng(16))), ta)
    aa = auth.AgentAuth(a_pairing, seeded(Rng(17)))
    request = aa.on_reply(ta.on_request(aa.request()))
    assert ta.session is old and not old.closed
    aa.on_reply(ta.on_request(request))
    assert ta.session is not old and old.closed
    assert ta.session.open_body(decode_one(aa.session.encode(messages.STATUS, 3, {}))) == {}


def test_a_lost_step_two_reply_is_answered_again():
    a_pairing, t_pairing = _paired(18)
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(19)))
    aa = auth.AgentAuth(a_pairing, seeded(Rng(20)))
    step2 = aa.on_reply(ta.on_request(aa.request()))
    reply = ta.on_request(step2)
    session = ta.session
    assert ta.on_request(step2) == reply and ta.session is session
    assert aa.on_reply(reply) is None
    raises(AuthFailed, aa.on_reply, reply)  # out of order once open


def test_unpair_forgets_the_key_and_ends_the_session():
    a_pairing, t_pairing = _paired(21)
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(22)))
    _, session = authenticate(auth.AgentAuth(a_pairing, seeded(Rng(23))), ta)
    ta.unpair()
    assert session.closed and ta.session is None and ta.pairing is None
    assert t_pairing.forgotten
    e = raises(NotPaired, ta.on_request, auth.AgentAuth(a_pairing).request())
    print(e, repr(ta))
    # pairing again brings the terminal back
    a2, t2 = _paired(24)
    ta.set_pairing(t2)
    assert authenticate(auth.AgentAuth(a2), ta)[1] is ta.session


def test_no_key_material_in_reprs_or_messages():
    a_pairing, t_pairing = _paired(25)
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(26)))
    aa = auth.AgentAuth(a_pairing, seeded(Rng(27)))
    texts = [repr(aa), repr(ta)]
    step2 = aa.on_reply(ta.on_request(aa.request()))
    texts.append(repr(ta._pending) + repr(aa._secrets) + repr(aa) + repr(ta))
    for bad in ({"step": 2, "mac": bytes(32)}, {"step": 2, "mac": step2["mac"][:5]}):
        try:
            ta.on_request(bad)
        except SecurityError as e:
            texts.append(str(e) + repr(e))
    key = t_pairing.key
    for text in texts:
        assert key.hex() not in text and repr(key)[2:-1] not in text, text
