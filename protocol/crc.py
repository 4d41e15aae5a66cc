"""CRC-32 (IEEE 802.3, as in zlib and binascii) used to seal link frames and journal records."""

import binascii


def crc32(data, value: int = 0) -> int:
    """CRC-32 of `data`, optionally continuing from `value`; always an unsigned 32-bit int."""
    return binascii.crc32(data, value) & 0xFFFFFFFF


def crc32_bytes(data) -> bytes:
    """The CRC-32 of `data` as 4 big-endian bytes, the form frames and records carry."""
    return crc32(data).to_bytes(4, "big")
