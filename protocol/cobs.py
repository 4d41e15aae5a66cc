"""Consistent Overhead Byte Stuffing: frames on the serial line contain no 0x00 byte, so 0x00
delimits them and a receiver can always find the start of the next frame after garbage.
"""


class CobsError(ValueError):
    """The bytes between two delimiters are not a valid COBS encoding."""


def encode(data) -> bytes:
    """COBS-encode `data` (no delimiter added). Overhead: one byte per 254 bytes, plus one."""
    out = bytearray(b"\x00")
    code_pos = 0
    code = 1
    n = len(data)
    i = 0
    while i < n:
        b = data[i]
        i += 1
        if b == 0:
            out[code_pos] = code
            code_pos = len(out)
            out.append(0)
            code = 1
        else:
            out.append(b)
            code += 1
            if code == 0xFF:
                out[code_pos] = code
                if i < n:
                    code_pos = len(out)
                    out.append(0)
                    code = 1
                else:
                    code_pos = -1
    if code_pos >= 0:
        out[code_pos] = code
    return bytes(out)


def decode(data) -> bytes:
    """Decode one COBS block sequence (without its delimiter). Raises CobsError."""
    out = bytearray()
    n = len(data)
    i = 0
    while i < n:
        code = data[i]
        if code == 0:
            raise CobsError("zero byte inside a COBS frame at offset %d" % i)
        i += 1
        end = i + code - 1
        if end > n:
            raise CobsError("COBS block at offset %d runs past the end of the frame" % (i - 1))
        chunk = data[i:end]
        if 0 in chunk:
            raise CobsError("zero byte inside a COBS block at offset %d" % i)
        out.extend(chunk)
        i = end
        if code != 0xFF and i < n:
            out.append(0)
    return bytes(out)
