"""AES counter mode (NIST SP 800-38A 6.5) built on the bare AES block cipher, which is all
MicroPython's `cryptolib` offers; vectors SP 800-38A F.5.5/F.5.6.

The whole 16-byte counter block is incremented as one big-endian integer (SP 800-38A B.1).
"""

from protocol._compat import aes_ecb_encryptor

BLOCK = 16
_MASK128 = (1 << 128) - 1


class AesCtr:
    """AES-CTR under one key (16 or 32 bytes); `xor` both encrypts and decrypts."""

    def __init__(self, key):
        if len(key) not in (16, 32):
            raise ValueError("AES keys are 16 or 32 bytes")
        self._encrypt = aes_ecb_encryptor(key)

    def keystream(self, counter_block, length) -> bytes:
        """`length` bytes of keystream starting at the 16-byte `counter_block`."""
        if len(counter_block) != BLOCK:
            raise ValueError("the counter block is 16 bytes")
        n = (length + BLOCK - 1) // BLOCK
        if not n:
            return b""
        blocks = bytearray(n * BLOCK)
        low = (counter_block[14] << 8) | counter_block[15]
        if low + n <= 0x10000:
            # The usual case: only the last two bytes count up. Small integers only, so a
            # 1 KiB body makes no garbage big integers on the device's heap.
            prefix = counter_block[:14]
            for i in range(n):
                j = i * BLOCK
                blocks[j : j + 14] = prefix
                v = low + i
                blocks[j + 14] = v >> 8
                blocks[j + 15] = v & 0xFF
        else:
            c = int.from_bytes(counter_block, "big")
            for i in range(n):
                blocks[i * BLOCK : (i + 1) * BLOCK] = ((c + i) & _MASK128).to_bytes(BLOCK, "big")
        stream = self._encrypt(blocks)
        return stream if len(stream) == length else stream[:length]

    def xor(self, counter_block, data) -> bytes:
        """`data` XOR the keystream from `counter_block`: ciphertext of a plaintext and the
        plaintext of a ciphertext alike."""
        n = len(data)
        if not n:
            return b""
        ks = self.keystream(counter_block, n)
        # one big-integer XOR: far faster than a byte loop under MicroPython
        x = int.from_bytes(data, "big") ^ int.from_bytes(ks, "big")
        return x.to_bytes(n, "big")

    def __repr__(self):
        return "AesCtr(<key hidden>)"
