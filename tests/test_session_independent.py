"""protocol/vectors/session.json recomputed from its inputs by an independent implementation
of docs/protocol.md (cbor2, `cryptography`, Python's `hmac`), sharing no code with protocol/
beyond the frame envelope."""

import hashlib
import hmac
import json
import zlib
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

V = json.loads(
    (Path(__file__).resolve().parent.parent / "protocol" / "vectors" / "session.json").read_text(
        encoding="utf-8"
    )
)
H = bytes.fromhex


def th(*items):
    return hashlib.sha256(cbor2.dumps(list(items), canonical=True)).digest()


def extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand(prk, info, n):
    return HKDFExpand(hashes.SHA256(), n, info).derive(prk)


def test_pairing_by_the_documented_key_schedule():
    p = V["pairing"]
    a_priv = X25519PrivateKey.from_private_bytes(H(p["agent_private"]))
    t_priv = X25519PrivateKey.from_private_bytes(H(p["terminal_private"]))
    a_pub = a_priv.public_key().public_bytes_raw()
    t_pub = t_priv.public_key().public_bytes_raw()
    assert (a_pub.hex(), t_pub.hex()) == (p["agent_public"], p["terminal_public"])
    shared = a_priv.exchange(X25519PublicKey.from_public_bytes(t_pub))
    assert shared == t_priv.exchange(X25519PublicKey.from_public_bytes(a_pub))
    assert shared.hex() == p["shared_secret"]
    na, nt = H(p["agent_nonce"]), H(p["terminal_nonce"])
    commit = th("tla pair commit v1", a_pub, na)
    assert commit.hex() == p["commit"]
    transcript = th("tla pair v1", p["agent_id"], p["terminal_id"], a_pub, t_pub, na, nt)
    assert transcript.hex() == p["transcript"]
    assert "%06d" % (int.from_bytes(transcript[:8], "big") % 10**6) == p["code"]
    prk = extract(transcript, shared)
    assert expand(prk, b"tla pairing id v1", 8).hex() == p["pairing_id"]
    assert expand(prk, b"tla pairing key v1", 32).hex() == p["pairing_key"]
    confirm_a = expand(prk, b"tla pair confirm agent v1", 32)
    confirm_t = expand(prk, b"tla pair confirm terminal v1", 32)
    assert (confirm_a.hex(), confirm_t.hex()) == (p["confirm_agent"], p["confirm_terminal"])
    bodies = [cbor2.loads(H(m["body_cbor"])) for m in p["messages"]]
    assert bodies[0] == {"step": 1, "id": p["agent_id"], "pub": a_pub, "commit": commit}
    assert bodies[1] == {"step": 1, "id": p["terminal_id"], "pub": t_pub, "nonce": nt}
    assert bodies[2] == {"step": 2, "nonce": na} and bodies[3] == {"step": 2}
    assert bodies[4] == bodies[6] == {"step": 3, "mac": confirm_a}
    assert bodies[5] == {"step": 3, "wait": True}
    assert bodies[7] == {"step": 3, "mac": confirm_t}
    for m, body in zip(p["messages"], bodies, strict=True):
        assert cbor2.dumps(body, canonical=True).hex() == m["body_cbor"]


def test_session_by_the_documented_key_schedule_and_frame_format():
    p, s = V["pairing"], V["session"]
    key, pid = H(p["pairing_key"]), H(p["pairing_id"])
    na, nt = H(s["agent_nonce"]), H(s["terminal_nonce"])
    a_eph = X25519PrivateKey.from_private_bytes(H(s["agent_ephemeral_private"]))
    t_eph = X25519PrivateKey.from_private_bytes(H(s["terminal_ephemeral_private"]))
    a_epk = a_eph.public_key().public_bytes_raw()
    t_epk = t_eph.public_key().public_bytes_raw()
    assert (a_epk.hex(), t_epk.hex()) == (
        s["agent_ephemeral_public"],
        s["terminal_ephemeral_public"],
    )
    dh = a_eph.exchange(X25519PublicKey.from_public_bytes(t_epk))
    assert dh == t_eph.exchange(X25519PublicKey.from_public_bytes(a_epk))
    assert dh.hex() == s["ephemeral_shared_secret"]
    transcript = th("tla auth v2", pid, na, nt, a_epk, t_epk)
    assert transcript.hex() == s["transcript"]
    prk = extract(transcript, key + dh)
    proof_a = expand(prk, b"tla auth proof agent v1", 32)
    proof_t = expand(prk, b"tla auth proof terminal v1", 32)
    assert (proof_a.hex(), proof_t.hex()) == (s["proof_agent"], s["proof_terminal"])
    keys = expand(prk, b"tla session keys v1", 128)
    names = [
        "enc_agent_to_terminal",
        "mac_agent_to_terminal",
        "enc_terminal_to_agent",
        "mac_terminal_to_agent",
    ]
    for i, name in enumerate(names):
        assert keys[32 * i : 32 * i + 32].hex() == s[name]
    bodies = [cbor2.loads(H(m["body_cbor"])) for m in s["messages"]]
    assert bodies == [
        {"step": 1, "pid": pid, "nonce": na, "epk": a_epk},
        {"step": 1, "nonce": nt, "epk": t_epk},
        {"step": 2, "mac": proof_a},
        {"step": 2, "mac": proof_t},
    ]
    direction = {
        "agent": (keys[0:32], keys[32:64]),
        "terminal": (keys[64:96], keys[96:128]),
    }
    for f in s["frames"]:
        enc, mac = direction[f["from"]]
        counter = f["counter"].to_bytes(4, "big")
        ct = (
            Cipher(algorithms.AES(enc), modes.CTR(counter + bytes(12)))
            .encryptor()
            .update(H(f["plaintext_cbor"]))
        )
        header = bytes([1, f["type"]]) + f["seq"].to_bytes(2, "big")
        tag = hmac.new(mac, header + counter + ct, hashlib.sha256).digest()[:16]
        sealed = counter + ct + tag
        assert sealed.hex() == f["sealed"]
        raw = header + cbor2.dumps(sealed)
        raw += zlib.crc32(raw).to_bytes(4, "big")
        wire = bytes.fromhex(f["wire"])
        assert wire[0] == wire[-1] == 0 and _cobs_decode(wire[1:-1]) == raw


def _cobs_decode(data):
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        out += data[i + 1 : i + code]
        i += code
        if code < 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def test_forward_secrecy_the_pairing_key_alone_opens_no_recorded_frame():
    # What a later thief of the pairing key holds: the key and the recorded AUTH bodies and
    # frames. The derivations open to him (the old v1 schedule, v2 without the ephemeral
    # secret) give keys under which no frame's tag verifies; the documented one with the
    # ephemeral secret (which neither side keeps) does, so this check can fail.
    p, s = V["pairing"], V["session"]
    key, pid = H(p["pairing_key"]), H(p["pairing_id"])
    bodies = [cbor2.loads(H(m["body_cbor"])) for m in s["messages"]]
    na, nt, a_epk, t_epk = (
        bodies[0]["nonce"],
        bodies[1]["nonce"],
        bodies[0]["epk"],
        bodies[1]["epk"],
    )
    v2 = th("tla auth v2", pid, na, nt, a_epk, t_epk)
    candidates = {
        "v1 schedule": extract(th("tla auth v1", pid, na, nt), key),
        "v2, no dh": extract(v2, key),
        "v2, dh zero": extract(v2, key + bytes(32)),
        "v2, documented": extract(v2, key + H(s["ephemeral_shared_secret"])),
    }
    opened = []
    for name, prk in candidates.items():
        keys = expand(prk, b"tla session keys v1", 128)
        mac = {"agent": keys[32:64], "terminal": keys[96:128]}
        ok = True
        for f in s["frames"]:
            sealed = H(f["sealed"])
            header = bytes([1, f["type"]]) + f["seq"].to_bytes(2, "big")
            tag = hmac.new(mac[f["from"]], header + sealed[:-16], hashlib.sha256).digest()[:16]
            ok = ok and hmac.compare_digest(tag, sealed[-16:])
        if ok:
            opened.append(name)
    assert opened == ["v2, documented"]
