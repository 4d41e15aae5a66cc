"""Portable core shared by the terminal firmware and the practice-PC agent.

Everything here runs unchanged on MicroPython and CPython and does no I/O: deterministic
CBOR, COBS, CRC-32, link frames and messages.
"""
