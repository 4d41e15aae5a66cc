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
