"""Helpers for portable tests, which run under CPython (pytest) and MicroPython (runner.py).

Only what both interpreters have: no pytest, no hypothesis. Randomised tests use `Rng`, a
seeded xorshift generator, so both interpreters draw the same values and print the same
output, which the harness compares.
"""

import json
import sys


def _dirname(path):
    i = path.rfind("/")
    return path[:i] if i > 0 else "."


ROOT = _dirname(_dirname(_dirname(__file__)))
if ROOT not in sys.path:
    sys.path.append(ROOT)


def load_vectors(name):
    """The JSON test vectors protocol/vectors/<name>.json (shared with the CPython tests)."""
    with open(ROOT + "/protocol/vectors/" + name + ".json") as f:
        return json.load(f)


def from_json(v):
    """Vector values: JSON, plus {"bytes": hex} for bytes and {"map": [[k, v]...]} for maps."""
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if isinstance(v, dict):
        if "bytes" in v:
            return bytes.fromhex(v["bytes"])
        if "map" in v:
            return {from_json(k): from_json(x) for k, x in v["map"]}
        raise ValueError("bad vector value %r" % v)
    return v


def raises(exc_type, fn, *args):
    """Call fn(*args); return the exception it raised, fail when it raised nothing."""
    try:
        fn(*args)
    except exc_type as e:
        return e
    raise AssertionError("%s was not raised by %s%r" % (exc_type.__name__, fn.__name__, args))


class Rng:
    """xorshift32: the same stream of numbers on every interpreter."""

    def __init__(self, seed):
        self.state = (seed * 2654435761 + 1) & 0xFFFFFFFF or 1

    def next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def below(self, n):
        return self.next() % n

    def bytes(self, n):
        return bytes(self.next() & 0xFF for _ in range(n))
