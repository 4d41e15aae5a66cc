"""Firmware identity reported in HELLO and on the idle screen."""

FIRMWARE_VERSION = "0.1.0"
