"""Firmware identity reported in HELLO and on the idle screen, and the release counter a
signed update must exceed (docs/board.md "Updates"; a release build writes both into the
image it signs, emulator/releases.py)."""

FIRMWARE_VERSION = "0.1.0"
RELEASE_COUNTER = 1
