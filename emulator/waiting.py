"""Polling for something the emulator, the bench and the tests cannot be told about."""

import time


def until(predicate, timeout, interval=0.02) -> bool:
    """Call `predicate` every `interval` seconds until it is true (True) or `timeout`
    seconds have passed (False); it is called at least once."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True
