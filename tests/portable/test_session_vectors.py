"""The whole pairing and session transcript of protocol/vectors/session.json, replayed with
the same fixed keys and nonces: every message, derived value and sealed frame (both
interpreters)."""

from _kit import load_vectors
from _session_kit import decode_one, scripted

from protocol import auth, cbor, keyschedule, messages, pairing, x25519

V = load_vectors("session")
H = bytes.fromhex


def _pairing_sides():
    p = V["pairing"]
    agent = pairing.AgentPairing(
        p["agent_id"], scripted(H(p["agent_private"]), H(p["agent_nonce"]))
    )
    terminal = pairing.TerminalPairing(
        p["terminal_id"], scripted(H(p["terminal_private"]), H(p["terminal_nonce"]))
    )
    return agent, terminal


def _replay(requester, answer, msgs, on_answer=None):
    """Run an exchange, checking each body against the vector's, in order."""
    request = requester.request()
    i = 0
    while request is not None:
        assert cbor.encode(request).hex() == msgs[i]["body_cbor"], i
        reply = answer(request)
        assert cbor.encode(reply).hex() == msgs[i + 1]["body_cbor"], i + 1
        if on_answer is not None:
            on_answer(reply)
        request = requester.on_reply(reply)
        i += 2
    assert i == len(msgs)


def _replay_pairing():
    agent, terminal = _pairing_sides()

    def confirm_on_wait(reply):
        if reply.get("wait"):
            terminal.confirm()

    _replay(agent, terminal.on_request, V["pairing"]["messages"], confirm_on_wait)
    return agent, terminal


def test_pairing_messages_and_code():
    agent, terminal = _replay_pairing()
    p = V["pairing"]
    assert agent.code == terminal.code == p["code"]
    print("code", agent.code)


def test_pairing_derived_values():
    p = V["pairing"]
    assert x25519.public_key(H(p["agent_private"])).hex() == p["agent_public"]
    assert x25519.public_key(H(p["terminal_private"])).hex() == p["terminal_public"]
    shared = x25519.scalarmult(H(p["agent_private"]), H(p["terminal_public"]))
    assert shared.hex() == p["shared_secret"]
    commit = keyschedule.pair_commitment(H(p["agent_public"]), H(p["agent_nonce"]))
    assert commit.hex() == p["commit"]
    th = keyschedule.pair_transcript(
        p["agent_id"],
        p["terminal_id"],
        H(p["agent_public"]),
        H(p["terminal_public"]),
        H(p["agent_nonce"]),
        H(p["terminal_nonce"]),
    )
    assert th.hex() == p["transcript"]
    assert keyschedule.pair_code(th) == p["code"]
    s = keyschedule.PairSecrets(shared, th)
    assert s.pairing_id.hex() == p["pairing_id"]
    assert s.pairing_key.hex() == p["pairing_key"]
    assert s.confirm_agent.hex() == p["confirm_agent"]
    assert s.confirm_terminal.hex() == p["confirm_terminal"]
    agent, terminal = _replay_pairing()
    for side in (agent, terminal):
        assert side.pairing.pairing_id.hex() == p["pairing_id"]
        assert side.pairing.key.hex() == p["pairing_key"]
    assert agent.pairing.peer == p["terminal_id"] and terminal.pairing.peer == p["agent_id"]


def _replay_auth():
    agent, terminal = _replay_pairing()
    s = V["session"]
    a = auth.AgentAuth(
        agent.pairing, scripted(H(s["agent_nonce"]), H(s["agent_ephemeral_private"]))
    )
    t = auth.TerminalAuth(
        terminal.pairing, scripted(H(s["terminal_nonce"]), H(s["terminal_ephemeral_private"]))
    )
    _replay(a, t.on_request, s["messages"])
    return a.session, t.session


def test_session_key_schedule():
    s = V["session"]
    key = H(V["pairing"]["pairing_key"])
    a_epk = x25519.public_key(H(s["agent_ephemeral_private"]))
    t_epk = x25519.public_key(H(s["terminal_ephemeral_private"]))
    assert (a_epk.hex(), t_epk.hex()) == (
        s["agent_ephemeral_public"],
        s["terminal_ephemeral_public"],
    )
    dh = x25519.scalarmult(H(s["terminal_ephemeral_private"]), a_epk)
    assert dh.hex() == s["ephemeral_shared_secret"]
    th = keyschedule.auth_transcript(
        H(V["pairing"]["pairing_id"]), H(s["agent_nonce"]), H(s["terminal_nonce"]), a_epk, t_epk
    )
    assert th.hex() == s["transcript"]
    k = keyschedule.SessionSecrets(key, th, dh)
    for name in (
        "proof_agent",
        "proof_terminal",
        "enc_agent_to_terminal",
        "mac_agent_to_terminal",
        "enc_terminal_to_agent",
        "mac_terminal_to_agent",
    ):
        assert getattr(k, name).hex() == s[name], name


def test_sealed_frames_byte_for_byte_and_opened():
    agent, terminal = _replay_auth()
    sides = {"agent": (agent, terminal), "terminal": (terminal, agent)}
    for f in V["session"]["frames"]:
        sender, receiver = sides[f["from"]]
        assert sender.sent == f["counter"]
        body = cbor.decode(H(f["plaintext_cbor"]))
        wire = sender.encode(f["type"], f["seq"], body)
        assert wire.hex() == f["wire"], f["type"]
        fr = decode_one(wire)
        assert fr.body.hex() == f["sealed"]
        assert receiver.open(fr).hex() == f["plaintext_cbor"]
        print(messages.name(f["type"]), f["seq"], len(wire))
