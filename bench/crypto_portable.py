"""Link security figures, portable: X25519, HKDF, HMAC, AES-CTR, a whole pairing and AUTH,
and seal/open throughput of full frame bodies (frame.MAX_BODY bytes). bench/__main__.py runs it under
CPython and micropython."""

import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
sys.path.insert(0, ROOT)
sys.path.insert(0, ROOT + "/tests/portable")  # the drivers of a whole pairing and AUTH

from _session_kit import authenticate, pair  # noqa: E402

from hw._compat import ticks_ms  # noqa: E402
from protocol import aes_ctr, auth, cbor, frame, hkdf, messages, session, x25519  # noqa: E402
from protocol.hmac_sha256 import hmac_sha256  # noqa: E402

LINE_BYTES_PER_S = 115200 // 10  # 8N1: 10 bits a byte


def per_op_ms(fn, min_ms=400):
    """Milliseconds per call of fn, repeated until at least min_ms have passed."""
    n = 0
    t0 = ticks_ms()
    while True:
        fn()
        n += 1
        elapsed = ticks_ms() - t0
        if elapsed >= min_ms:
            return elapsed / n


def show(name, ms, size=0):
    line = "%-34s %9.3f ms" % (name, ms)
    if size:
        line += "  %10.0f bytes/s" % (size * 1000.0 / ms)
    print(line)


def pair_both():
    agent, terminal = pair("PC-BENCH", "TLA-BENCH")
    return agent.pairing, terminal.pairing


def open_both(a_pairing, t_pairing):
    return authenticate(auth.AgentAuth(a_pairing), auth.TerminalAuth(t_pairing))


def main():
    k = bytes(range(32))
    show(
        "X25519 pure-Python ladder", per_op_ms(lambda: x25519.scalarmult_pure(k, x25519.BASE_POINT))
    )
    show("X25519 as used (platform's if any)", per_op_ms(lambda: x25519.public_key(k)))
    show("HKDF extract + expand 128 bytes", per_op_ms(lambda: hkdf.hkdf(k, k, b"info", 128)))
    block = bytes(session.MAX_PLAINTEXT)
    show(
        "HMAC-SHA256 of %d bytes" % len(block), per_op_ms(lambda: hmac_sha256(k, block)), len(block)
    )
    ctr = aes_ctr.AesCtr(k)
    show(
        "AES-256-CTR of %d bytes" % len(block),
        per_op_ms(lambda: ctr.xor(bytes(16), block)),
        len(block),
    )
    show("pairing, both sides", per_op_ms(pair_both))
    a_pairing, t_pairing = pair_both()
    show("AUTH, both sides", per_op_ms(lambda: open_both(a_pairing, t_pairing)))

    agent, terminal = open_both(a_pairing, t_pairing)
    state = {"seq": 0}

    def seal():
        state["seq"] = (state["seq"] + 1) & 0xFFFF
        return frame.encode_raw(
            messages.RECORDS,
            state["seq"],
            cbor.encode(agent.seal(messages.RECORDS, state["seq"], block)),
        )

    wire = seal()
    show("seal + frame, %d-byte body" % frame.MAX_BODY, per_op_ms(seal), len(block))
    # 200 sealed frames at a time (bounded memory), opened in order, until 400 ms passed
    opened = 0
    spent = 0
    while spent < 400:
        frames = [frame.Decoder().feed(seal())[0] for _ in range(200)]
        t0 = ticks_ms()
        for fr in frames:
            terminal.open(fr)
        spent += ticks_ms() - t0
        opened += len(frames)
    ms = spent / opened
    show("open (tag check + decrypt)", ms, len(block))
    clear = frame.encode(messages.RECORDS, 1, block)
    print(
        "sealed frame: %d plaintext bytes in %d wire bytes (%.1f %%; in clear %d, %.1f %%)"
        % (
            len(block),
            len(wire),
            100.0 * len(block) / len(wire),
            len(clear),
            100.0 * len(block) / len(clear),
        )
    )
    print(
        "at 115200 8N1 (%d bytes/s): %.0f plaintext bytes/s through sealed frames"
        % (LINE_BYTES_PER_S, LINE_BYTES_PER_S * len(block) / len(wire))
    )


main()
