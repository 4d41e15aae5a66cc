"""Reading the fields of a received PAIR or AUTH body without trusting it: each getter
checks presence, type and size, and raises MalformedMessage with a plain message.
"""

from protocol.security_errors import MalformedMessage


def need_map(body) -> dict:
    """`body` itself, once known to be a map."""
    if not isinstance(body, dict):
        raise MalformedMessage("message body must be a map")
    return body


def get_int(body, key, low, high) -> int:
    """Integer field `key`, within low..high (a boolean is not an integer here)."""
    value = need_map(body).get(key)
    # type() is not isinstance(): CBOR true is a bool, which CPython counts as an int
    if type(value) is not int or value < low or value > high:
        raise MalformedMessage("field %r must be an integer from %d to %d" % (key, low, high))
    return value


def get_bytes(body, key, size) -> bytes:
    """Byte-string field `key` of exactly `size` bytes."""
    value = need_map(body).get(key)
    if not isinstance(value, bytes) or len(value) != size:
        raise MalformedMessage("field %r must be %d bytes" % (key, size))
    return value


def get_text(body, key, max_len) -> str:
    """Text field `key` of 1 to `max_len` characters."""
    value = need_map(body).get(key)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise MalformedMessage("field %r must be text of 1 to %d characters" % (key, max_len))
    return value
