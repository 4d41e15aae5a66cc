"""Protocol and parameters selection (ISO/IEC 7816-3:2006, clause 9).

The reader sends PPSS = FF, PPS0 (b5 set: PPS1 follows; b4-b1: the protocol T), PPS1 (the
Fi and Di indices of TA1) and PCK (XOR of all = 0). The card accepts by echoing; a PPS0
answer without b5 means F and D stay at the defaults (Fd, Dd) (9.3). Anything else, or no
answer within the initial waiting time, is a failed exchange: the reader resets the card
and stays at the default parameters.
"""

PPSS = 0xFF


class PpsError(Exception):
    """The card answered the PPS request with something ISO 7816-3 does not allow."""


def request(protocol, ta1=None) -> bytes:
    """The PPS request for `protocol`, with PPS1 = ta1 when given (new F and D)."""
    pps0 = protocol & 0x0F
    body = [PPSS, pps0 | (0x10 if ta1 is not None else 0)]
    if ta1 is not None:
        body.append(ta1)
    pck = 0
    for b in body:
        pck ^= b
    body.append(pck)
    return bytes(body)


def response_length(first) -> int:
    """Length of a PPS response whose first two characters are `first` (PPSS, PPS0)."""
    pps0 = first[1]
    return 3 + bool(pps0 & 0x10) + bool(pps0 & 0x20) + bool(pps0 & 0x40)


def check_response(sent, got):
    """The TA1 value (F and D indices) now in force after the answer `got` to `sent`, or
    0x11 (Fd, Dd) when the card kept the defaults. Raises PpsError on a refusal."""
    got = bytes(got)
    if len(got) < 3 or got[0] != PPSS:
        raise PpsError("no PPSS")
    x = 0
    for b in got:
        x ^= b
    if x:
        raise PpsError("wrong PCK")
    if len(got) != response_length(got):
        raise PpsError("length does not match PPS0")
    if (got[1] & 0x0F) != (sent[1] & 0x0F):
        raise PpsError("the card chose another protocol")
    if got[1] & 0x10:
        # 9.3: PPS1 echoed means the new F and D; it must be the one asked for.
        if not sent[1] & 0x10 or got[2] != sent[2]:
            raise PpsError("PPS1 differs from the request")
        return got[2]
    return 0x11
