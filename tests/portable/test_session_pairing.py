"""Pairing: codes agree, a substituted key (man in the middle) changes them and fails the
confirmation, the commitment, refusals, retransmissions, order, hostile fields, and no key
in any repr or message (both interpreters)."""

from _kit import Rng, raises
from _session_kit import pair, seeded

from protocol import cbor, messages, pairing, x25519
from protocol.security_errors import (
    MalformedMessage,
    NotPaired,
    PairingAbandoned,
    PairingError,
    PairingMismatch,
    SecurityError,
)


def _sides(seed):
    rng = Rng(seed)
    return (
        pairing.AgentPairing("PC-CABINET-01", seeded(rng)),
        pairing.TerminalPairing("TLA-EMU-0001", seeded(rng)),
    )


def test_codes_agree_and_both_keep_the_same_pairing():
    for seed in range(1, 6):
        agent, terminal = pair(agent_rng=seeded(Rng(seed)), terminal_rng=seeded(Rng(seed + 100)))
        assert agent.state == terminal.state == "paired"
        assert len(agent.code) == 6 and agent.code.isdigit()
        assert agent.code == terminal.code
        assert agent.pairing.pairing_id == terminal.pairing.pairing_id
        assert agent.pairing.key == terminal.pairing.key
        assert agent.pairing.peer == "TLA-EMU-0001" and terminal.pairing.peer == "PC-CABINET-01"
        print(agent.code, agent.pairing.pairing_id.hex())


def _man_in_the_middle(seed):
    """M stands between agent A and terminal T: it answers A as a terminal and talks to T as
    an agent, with its own keys on each side. Returns (A, M as terminal, M as agent, T)."""
    rng = Rng(seed)
    a = pairing.AgentPairing("PC-CABINET-01", seeded(rng))
    m_term = pairing.TerminalPairing("TLA-EMU-0001", seeded(rng))  # M claims T's identity
    m_agent = pairing.AgentPairing("PC-CABINET-01", seeded(rng))  # ... and A's
    t = pairing.TerminalPairing("TLA-EMU-0001", seeded(rng))
    a.on_reply(m_term.on_request(a.request()))
    m_agent.on_reply(t.on_request(m_agent.request()))
    a.on_reply(m_term.on_request(a.request()))
    m_agent.on_reply(t.on_request(m_agent.request()))
    return a, m_term, m_agent, t


def test_a_man_in_the_middle_shows_different_codes():
    for seed in range(1, 21):
        a, m_term, m_agent, t = _man_in_the_middle(seed)
        assert a.code == m_term.code and m_agent.code == t.code
        # what the user compares: the agent's printout and the terminal's screen
        assert a.code != t.code, seed
        if seed <= 3:
            print("agent shows", a.code, "terminal shows", t.code)


def test_the_user_refuses_different_codes_and_the_terminal_keeps_nothing():
    a, m_term, m_agent, t = _man_in_the_middle(5)
    t.refuse()
    e = raises(PairingMismatch, t.on_request, m_agent.request())
    assert e.code == messages.E_PAIRING_FAILED
    assert t.pairing is None and t.state == "refused"
    raises(PairingMismatch, t.on_request, m_agent.request())  # and again
    print(e)


def test_a_substituted_terminal_key_changes_the_code_and_fails_the_confirmation():
    agent, terminal = _sides(11)
    reply = terminal.on_request(agent.request())
    forged = dict(reply)
    forged["pub"] = x25519.public_key(bytes(range(32)))  # attacker's key, no matching secret
    agent.on_reply(forged)
    terminal.on_request(agent.request())
    assert agent.code != terminal.code
    request = agent.on_reply(terminal.on_request({"step": 2, "nonce": agent.request()["nonce"]}))
    terminal.confirm()  # even if the user did not look
    e = raises(PairingMismatch, terminal.on_request, request)
    assert terminal.pairing is None and terminal.state == "failed"
    print(e)


def test_a_substituted_agent_key_breaks_the_commitment():
    agent, terminal = _sides(12)
    first = dict(agent.request())
    first["pub"] = x25519.public_key(bytes(range(1, 33)))
    agent.on_reply(terminal.on_request(first))
    e = raises(PairingMismatch, terminal.on_request, agent.request())
    assert terminal.code is None and terminal.state == "failed"
    print(e)


def test_the_agent_takes_one_terminal_nonce_only():
    # A second step-1 answer after the agent revealed its nonce would let a man in the
    # middle pick his nonce knowing the agent's, and search for matching codes.
    agent, terminal = _sides(13)
    reply = terminal.on_request(agent.request())
    agent.on_reply(reply)
    other = dict(reply)
    other["nonce"] = bytes(16)
    raises(PairingError, agent.on_reply, other)
    assert agent.state == "failed" and agent.request() is None


def test_wait_until_the_user_confirms():
    agent, terminal = _sides(14)
    request = agent.request()
    for _ in range(2):
        request = agent.on_reply(terminal.on_request(request))
    assert terminal.state == "comparing" and terminal.code == agent.code
    for _ in range(3):
        reply = terminal.on_request(request)
        assert reply == {"step": 3, "wait": True}
        request = agent.on_reply(reply)
        assert agent.waiting and request["step"] == 3
    terminal.confirm()
    assert agent.on_reply(terminal.on_request(request)) is None
    assert agent.state == terminal.state == "paired"


def test_retransmitted_requests_get_the_same_answers():
    agent, terminal = _sides(15)
    r1 = agent.request()
    a1 = terminal.on_request(r1)
    assert terminal.on_request(r1) == a1  # the reply was lost: same keys, same nonce
    r2 = agent.on_reply(a1)
    assert terminal.on_request(r2) == {"step": 2}
    code = terminal.code
    assert terminal.on_request(r2) == {"step": 2} and terminal.code == code
    r3 = agent.on_reply({"step": 2})
    terminal.confirm()
    a3 = terminal.on_request(r3)
    assert terminal.on_request(r3) == a3 and terminal.state == "paired"
    assert agent.on_reply(a3) is None


def test_a_second_step_one_abandons_the_attempt():
    # One terminal nonce per opening of the pairing screen: a second, different step 1
    # ends the attempt instead of starting over (a new nonce would be a new try at
    # matching the agent's code, docs/protocol.md "Pairing").
    rng = Rng(16)
    terminal = pairing.TerminalPairing("TLA-EMU-0001", seeded(rng))
    first = pairing.AgentPairing("PC-A", seeded(rng))
    step1 = first.request()
    reply = terminal.on_request(step1)
    assert terminal.answered and terminal.on_request(step1) == reply  # a retransmission
    second = pairing.AgentPairing("PC-A", seeded(rng))
    e = raises(PairingAbandoned, terminal.on_request, second.request())
    assert e.code == messages.E_PAIRING_FAILED
    assert terminal.state == "abandoned" and terminal.code is None
    # nothing more is answered in this attempt: not the first step 1 again, not step 2
    raises(PairingError, terminal.on_request, step1)
    raises(PairingError, terminal.on_request, first.on_reply(reply))
    assert terminal.pairing is None and terminal.state == "abandoned"
    print(e)


def test_a_second_step_one_while_the_code_shows_abandons_and_keeps_the_code():
    rng = Rng(31)
    terminal = pairing.TerminalPairing("TLA-EMU-0001", seeded(rng))
    agent = pairing.AgentPairing("PC-A", seeded(rng))
    step3 = agent.on_reply(
        terminal.on_request(agent.on_reply(terminal.on_request(agent.request())))
    )
    assert terminal.state == "comparing" and terminal.code == agent.code
    intruder = pairing.AgentPairing("PC-M", seeded(rng))
    raises(PairingAbandoned, terminal.on_request, intruder.request())
    assert terminal.state == "abandoned" and terminal.code == agent.code  # still shown
    raises(PairingError, terminal.confirm)  # the OK key no longer confirms anything
    raises(PairingError, terminal.on_request, step3)
    assert terminal.pairing is None
    # a malformed step 1 after the answer abandons too
    t2 = pairing.TerminalPairing("TLA-EMU-0001", seeded(rng))
    t2.on_request(pairing.AgentPairing("PC-A", seeded(rng)).request())
    raises(MalformedMessage, t2.on_request, {"step": 1, "id": 7})
    assert t2.state == "abandoned"


def test_the_peer_is_the_id_of_the_authenticated_transcript():
    # What each side files the pairing under: the other's step-1 id, covered by the code.
    agent, terminal = pair("PC-CABINET-07", "TLA-SERIAL-42", seeded(Rng(32)), seeded(Rng(33)))
    assert agent.pairing.peer == agent.terminal_id == "TLA-SERIAL-42"
    assert terminal.pairing.peer == terminal.agent_id == "PC-CABINET-07"


def test_steps_out_of_order_are_refused():
    agent, terminal = _sides(17)
    raises(PairingError, terminal.on_request, {"step": 2, "nonce": bytes(16)})
    raises(PairingError, terminal.on_request, {"step": 3, "mac": bytes(32)})
    raises(PairingError, terminal.confirm)
    raises(PairingError, agent.on_reply, {"step": 2})
    agent2, terminal2 = _sides(18)
    agent2.on_reply(terminal2.on_request(agent2.request()))
    raises(PairingError, terminal2.on_request, {"step": 3, "mac": bytes(32)})
    done_agent, done_terminal = pair(agent_rng=seeded(Rng(19)), terminal_rng=seeded(Rng(20)))
    newcomer = pairing.AgentPairing("PC-B", seeded(Rng(30)))
    raises(PairingError, done_terminal.on_request, newcomer.request())
    assert done_agent.request() is None


def test_low_order_public_keys_are_refused():
    for u in (bytes(32), b"\x01" + bytes(31)):
        agent, terminal = _sides(21)
        first = dict(agent.request())
        first["pub"] = u
        raises(PairingError, terminal.on_request, first)
        reply = terminal.on_request(agent.request())
        reply = dict(reply)
        reply["pub"] = u
        e = raises(PairingError, agent.on_reply, reply)
        print(e)


def test_hostile_fields_are_plain_malformed_errors():
    agent, terminal = _sides(22)
    good = agent.request()
    bad_bodies = [
        None,
        [],
        {},
        {"step": True},
        {"step": 0},
        {"step": 4},
        {"step": "1"},
        {"step": 1},
        {"step": 1, "id": "", "pub": good["pub"], "commit": good["commit"]},
        {"step": 1, "id": "x" * 65, "pub": good["pub"], "commit": good["commit"]},
        {"step": 1, "id": 7, "pub": good["pub"], "commit": good["commit"]},
        {"step": 1, "id": "PC", "pub": good["pub"][:31], "commit": good["commit"]},
        {"step": 1, "id": "PC", "pub": good["pub"], "commit": "commit"},
    ]
    for body in bad_bodies:
        e = raises(MalformedMessage, terminal.on_request, body)
        assert e.code == messages.E_BAD_BODY
    assert terminal.state == "idle"
    raises(MalformedMessage, agent.on_reply, {"step": 1, "id": "T", "pub": bytes(32)})
    print(raises(MalformedMessage, terminal.on_request, {"step": 1, "id": 7}))


def test_pairing_record_round_trip_and_forget():
    agent, _ = pair(agent_rng=seeded(Rng(23)), terminal_rng=seeded(Rng(24)))
    record = agent.pairing.to_store()
    again = pairing.Pairing.from_store(cbor.decode(cbor.encode(record)))
    assert (again.pairing_id, again.key, again.peer) == (
        agent.pairing.pairing_id,
        agent.pairing.key,
        agent.pairing.peer,
    )
    raises(MalformedMessage, pairing.Pairing.from_store, {"v": 2})
    raises(MalformedMessage, pairing.Pairing.from_store, {"v": 1, "pid": bytes(8)})
    again.forget()
    assert again.forgotten and "forgotten" in repr(again)
    raises(NotPaired, lambda: again.key)
    raises(ValueError, pairing.Pairing, bytes(7), bytes(32), "x")


def test_no_key_material_in_reprs_or_messages():
    rng = Rng(25)
    agent = pairing.AgentPairing("PC-CABINET-01", seeded(rng))
    terminal = pairing.TerminalPairing("TLA-EMU-0001", seeded(rng))
    texts = []
    request = agent.request()
    while request is not None:
        reply = terminal.on_request(request)
        texts.append(repr(agent) + repr(terminal) + str(agent) + str(terminal))
        if terminal.state == "comparing":
            terminal.confirm()
        request = agent.on_reply(reply)
    p = agent.pairing
    texts.append(repr(p) + str(p) + repr(terminal.pairing) + repr(terminal._secrets))
    # the failures, with the real key around
    forged = {"step": 3, "mac": bytes(32)}
    other = pairing.TerminalPairing("T", seeded(Rng(26)))
    for fn, arg in ((terminal.on_request, forged), (other.on_request, forged)):
        try:
            fn(arg)
        except SecurityError as e:
            texts.append(str(e) + repr(e))
    secrets = (p.key, agent.pairing.key)
    for text in texts:
        for secret in secrets:
            assert secret.hex() not in text and repr(secret)[2:-1] not in text, text
    print(repr(p).replace(p.pairing_id.hex(), "<id>"))
