"""Session opening (AUTH): mutual proof of the pairing key; an unpaired agent or terminal
never reaches an open session; replayed proofs, unpairing, retransmissions, a restarted
handshake, and forward secrecy: a recorded session plus the pairing key does not decrypt
(both interpreters)."""

from _kit import Rng, raises
from _session_kit import agent_receiver, authenticate, decode_one, pair, seeded

from protocol import auth, keyschedule, messages, pairing, x25519
from protocol.security_errors import AuthFailed, BadMac, NotPaired, SecurityError


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
    assert sorted(reply) == ["epk", "nonce", "step"]  # fresh nonce and key, nothing keyed
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


def _recording(rng):
    """An rng(n) drawing from `rng` that keeps every draw (the test's view of the secrets)."""
    drawn = []

    def draw(n):
        value = rng.bytes(n)
        drawn.append(value)
        return value

    return draw, drawn


def test_a_recorded_session_and_the_pairing_key_do_not_decrypt():
    # Forward secrecy: an eavesdropper records AUTH and a sealed RECORDS frame, and later
    # gets the pairing key (a flash dump, a stolen PC). Every key he can derive from what he
    # holds fails to open the frame; only the ephemeral secret, gone from both sides, opens it.
    a_pairing, t_pairing = _paired(28)
    t_rng, t_drawn = _recording(Rng(29))
    aa = auth.AgentAuth(a_pairing, seeded(Rng(30)))
    ta = auth.TerminalAuth(t_pairing, t_rng)
    step1 = aa.request()
    reply1 = ta.on_request(step1)
    aa.on_reply(ta.on_request(aa.on_reply(reply1)))
    wire = ta.session.encode(messages.RECORDS, 5, {"r": [b"care sheet of a patient"]})
    assert aa._ephemeral is None and ta._pending is None  # nothing ephemeral is kept
    key, pid = t_pairing.key, t_pairing.pairing_id
    th = keyschedule.auth_transcript(
        pid, step1["nonce"], reply1["nonce"], step1["epk"], reply1["epk"]
    )
    old_th = keyschedule.transcript("tla auth v1", pid, step1["nonce"], reply1["nonce"])
    guesses = [
        (th, b""),
        (th, bytes(32)),
        (th, x25519.scalarmult(key, step1["epk"])),
        (th, x25519.scalarmult(key, reply1["epk"])),
        (old_th, b""),  # the schedule before forward secrecy: this used to decrypt
    ]
    for salt, dh in guesses:
        recv = agent_receiver(keyschedule.SessionSecrets(key, salt, dh))
        raises(BadMac, recv.open, decode_one(wire))
    # with the terminal's ephemeral private key (drawn after its nonce) it opens
    dh = x25519.scalarmult(t_drawn[1], step1["epk"])
    recv = agent_receiver(keyschedule.SessionSecrets(key, th, dh))
    assert recv.open_body(decode_one(wire)) == {"r": [b"care sheet of a patient"]}
    print("guesses refused:", len(guesses))


def test_a_restarted_handshake_opens_a_fresh_session():
    a_pairing, t_pairing = _paired(31)
    ta = auth.TerminalAuth(t_pairing, seeded(Rng(32)))
    old_agent, old = authenticate(auth.AgentAuth(a_pairing, seeded(Rng(33))), ta)
    first = auth.AgentAuth(a_pairing, seeded(Rng(34)))
    lost = ta.on_request(first.request())  # this reply is lost on the way
    assert ta.on_request(first.request()) == lost  # a retransmission: the same challenge
    # the agent gives up and restarts: a new nonce, a new ephemeral key, a new challenge
    again = auth.AgentAuth(a_pairing, seeded(Rng(35)))
    again_step1 = again.request()
    reply = ta.on_request(again_step1)
    assert reply["epk"] != lost["epk"] and reply["nonce"] != lost["nonce"]
    assert ta.session is old and not old.closed  # untouched until the new one opens
    agent_session, _ = authenticate(again, ta)
    assert ta.session is not old and old.closed
    fr = decode_one(agent_session.encode(messages.STATUS, 9, {}))
    assert ta.session.open_body(fr) == {}
    # the first attempt's proof, computed for the lost challenge, opens nothing
    raises(AuthFailed, ta.on_request, first.on_reply(lost))
    # the same step 1 replayed after the session opened gets a new challenge (a new
    # ephemeral key), and the open session stays
    opened = ta.session
    assert ta.on_request(again_step1)["epk"] != reply["epk"]
    assert ta.session is opened and not opened.closed


def test_low_order_ephemeral_keys_are_refused():
    a_pairing, t_pairing = _paired(36)
    for u in (bytes(32), b"\x01" + bytes(31)):
        ta = auth.TerminalAuth(t_pairing, seeded(Rng(37)))
        aa = auth.AgentAuth(a_pairing, seeded(Rng(38)))
        step1 = dict(aa.request())
        step1["epk"] = u
        raises(AuthFailed, ta.on_request, step1)
        reply = dict(ta.on_request(aa.request()))
        reply["epk"] = u
        e = raises(AuthFailed, aa.on_reply, reply)
        assert ta.session is None and aa.session is None
    print(e)
