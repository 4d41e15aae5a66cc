"""Write protocol/vectors/session.json: one whole pairing and session transcript with fixed
keys and nonces, so another implementation of docs/protocol.md can check itself.

Run: .venv/bin/python tools/session_vectors.py  (tests check the file against the code and
against an independent computation with `cryptography`, tests/test_session_independent.py).
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from protocol import auth, cbor, frame, keyschedule, messages, pairing, x25519  # noqa: E402

AGENT_ID = "PC-CABINET-01"
TERMINAL_ID = "TLA-EMU-0001"


def fixed(label, n):
    """Deterministic stand-in for random bytes: SHA-256 of a label, cut to n bytes."""
    return hashlib.sha256(label.encode()).digest()[:n]


INPUTS = {
    "agent_private": fixed("tla vector agent private", 32),
    "agent_pair_nonce": fixed("tla vector agent pair nonce", 16),
    "terminal_private": fixed("tla vector terminal private", 32),
    "terminal_pair_nonce": fixed("tla vector terminal pair nonce", 16),
    "agent_auth_nonce": fixed("tla vector agent auth nonce", 16),
    "terminal_auth_nonce": fixed("tla vector terminal auth nonce", 16),
    "agent_auth_ephemeral": fixed("tla vector agent auth ephemeral", 32),
    "terminal_auth_ephemeral": fixed("tla vector terminal auth ephemeral", 32),
}


def scripted(*values):
    """An rng(n) that hands out the given byte strings in order."""
    queue = iter(values)
    return lambda n: next(queue)


def record(requester, answer, on_answer=None):
    """Run an exchange to its end; return every body, in order, as CBOR hex."""
    bodies = []
    request = requester.request()
    while request is not None:
        reply = answer(request)
        bodies.append({"from": "agent", "body_cbor": cbor.encode(request).hex()})
        bodies.append({"from": "terminal", "body_cbor": cbor.encode(reply).hex()})
        if on_answer is not None:
            on_answer(reply)
        request = requester.on_reply(reply)
    return bodies


FRAMES = [
    ("agent", messages.PULL, 10, {"cursor": 0, "credit": 4}),
    ("terminal", messages.RECORDS, 10, {"r": [bytes(range(100))], "more": False}),
    ("agent", messages.ACK, 11, {"upto": 1}),
    ("terminal", messages.ACK, 11, {}),
]


def build():
    i = INPUTS
    agent = pairing.AgentPairing(AGENT_ID, scripted(i["agent_private"], i["agent_pair_nonce"]))
    terminal = pairing.TerminalPairing(
        TERMINAL_ID, scripted(i["terminal_private"], i["terminal_pair_nonce"])
    )

    def confirm_on_wait(reply):
        if reply.get("wait"):
            terminal.confirm()  # the user compares the codes and presses OK

    exchange = record(agent, terminal.on_request, confirm_on_wait)
    assert agent.code == terminal.code
    assert agent.pairing is not None and terminal.pairing is not None
    pair_th = keyschedule.pair_transcript(
        AGENT_ID,
        TERMINAL_ID,
        x25519.public_key(i["agent_private"]),
        x25519.public_key(i["terminal_private"]),
        i["agent_pair_nonce"],
        i["terminal_pair_nonce"],
    )
    shared = x25519.scalarmult(i["agent_private"], x25519.public_key(i["terminal_private"]))
    secrets = keyschedule.PairSecrets(shared, pair_th)
    pairing_part = {
        "agent_id": AGENT_ID,
        "terminal_id": TERMINAL_ID,
        "agent_private": i["agent_private"].hex(),
        "agent_public": x25519.public_key(i["agent_private"]).hex(),
        "agent_nonce": i["agent_pair_nonce"].hex(),
        "terminal_private": i["terminal_private"].hex(),
        "terminal_public": x25519.public_key(i["terminal_private"]).hex(),
        "terminal_nonce": i["terminal_pair_nonce"].hex(),
        "commit": keyschedule.pair_commitment(
            x25519.public_key(i["agent_private"]), i["agent_pair_nonce"]
        ).hex(),
        "shared_secret": shared.hex(),
        "transcript": pair_th.hex(),
        "code": agent.code,
        "pairing_id": secrets.pairing_id.hex(),
        "pairing_key": secrets.pairing_key.hex(),
        "confirm_agent": secrets.confirm_agent.hex(),
        "confirm_terminal": secrets.confirm_terminal.hex(),
        "messages": exchange,
    }

    agent_auth = auth.AgentAuth(
        agent.pairing, scripted(i["agent_auth_nonce"], i["agent_auth_ephemeral"])
    )
    terminal_auth = auth.TerminalAuth(
        terminal.pairing, scripted(i["terminal_auth_nonce"], i["terminal_auth_ephemeral"])
    )
    exchange = record(agent_auth, terminal_auth.on_request)
    agent_epk = x25519.public_key(i["agent_auth_ephemeral"])
    terminal_epk = x25519.public_key(i["terminal_auth_ephemeral"])
    dh = x25519.scalarmult(i["agent_auth_ephemeral"], terminal_epk)
    auth_th = keyschedule.auth_transcript(
        secrets.pairing_id, i["agent_auth_nonce"], i["terminal_auth_nonce"], agent_epk, terminal_epk
    )
    keys = keyschedule.SessionSecrets(secrets.pairing_key, auth_th, dh)
    assert agent_auth.session is not None and terminal_auth.session is not None
    sides = {"agent": agent_auth.session, "terminal": terminal_auth.session}
    frames = []
    for who, mtype, seq, body in FRAMES:
        sender = sides[who]
        counter = sender.sent
        wire = sender.encode(mtype, seq, body)
        (fr,) = frame.Decoder().feed(wire)
        frames.append(
            {
                "from": who,
                "type": mtype,
                "seq": seq,
                "counter": counter,
                "plaintext_cbor": cbor.encode(body).hex(),
                "sealed": fr.body.hex(),
                "wire": wire.hex(),
            }
        )
    session_part = {
        "agent_nonce": i["agent_auth_nonce"].hex(),
        "terminal_nonce": i["terminal_auth_nonce"].hex(),
        "agent_ephemeral_private": i["agent_auth_ephemeral"].hex(),
        "agent_ephemeral_public": agent_epk.hex(),
        "terminal_ephemeral_private": i["terminal_auth_ephemeral"].hex(),
        "terminal_ephemeral_public": terminal_epk.hex(),
        "ephemeral_shared_secret": dh.hex(),
        "transcript": auth_th.hex(),
        "proof_agent": keys.proof_agent.hex(),
        "proof_terminal": keys.proof_terminal.hex(),
        "enc_agent_to_terminal": keys.enc_agent_to_terminal.hex(),
        "mac_agent_to_terminal": keys.mac_agent_to_terminal.hex(),
        "enc_terminal_to_agent": keys.enc_terminal_to_agent.hex(),
        "mac_terminal_to_agent": keys.mac_terminal_to_agent.hex(),
        "messages": exchange,
        "frames": frames,
    }
    return {
        "source": "tla's own (docs/protocol.md, Pairing and Session): fixed keys and nonces, "
        "each the first bytes of SHA-256 of a label; hex unless said; PAIR is type 2, AUTH 3",
        "pairing": pairing_part,
        "session": session_part,
    }


def main():
    path = ROOT / "protocol" / "vectors" / "session.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(build(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
