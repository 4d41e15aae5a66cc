"""docs/cards.md matches the code: its tables of files, BER-TLV tags, status words, errors
and fixtures are read from the page and compared with firmware/cards/profile.py, errors.py
and emulator/cards/fixtures.py, the one place the firmware and the virtual cards share."""

import re
from pathlib import Path

from emulator.cards import fixtures
from firmware.cards import errors, profile

DOC = (Path(__file__).resolve().parent.parent / "docs" / "cards.md").read_text()


def table(heading):
    """Rows (lists of cells) of the first table after the `## heading` line."""
    section = DOC.split("\n## " + heading + "\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


def test_tag_table_is_the_profiles():
    doc = [(int(t, 16), n, f, int(lo), int(hi), w) for t, n, f, lo, hi, w in table("BER-TLV tags")]
    assert doc == list(profile.TAGS)


def test_file_table_is_the_profiles():
    doc = []
    for card, fid, kind, read, write, most, size, what in table("Files"):
        most = 0 if most == "-" else int(most)
        size = 0 if size == "-" else int(size)
        doc.append((card, int(fid, 16), kind, read, write, most, size, what))
    assert doc == list(profile.FILES)


def test_status_word_table_is_the_profiles_and_names_each_error():
    rows = table("Status words")
    assert [(int(sw, 16), meaning) for sw, meaning, _ in rows] == list(profile.STATUS_WORDS)
    for sw, _, error in rows:
        value = int(sw, 16)
        if error == "-":
            assert value in (profile.SW_OK, profile.SW_EOF) or value & 0xFF == 0
            continue
        assert type(errors.error_for(value)).__name__ in error, sw


def test_every_card_error_is_documented():
    documented = {row[0] for row in table("Errors of the card layer")}
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.CardLayerError)
    }
    assert documented == defined


def test_fixture_table_lists_every_fixture():
    doc = [(name, kind) for name, kind, _ in table("Virtual cards, test PKI, fixtures")]
    assert doc == [(name, kind) for name, kind, _ in fixtures.names()]
    pins = {}
    for name, _, what in table("Virtual cards, test PKI, fixtures"):
        m = re.search(r"PIN (\d{4})", what)
        if m:
            pins[name] = m.group(1)
    assert pins and all(pin == fixtures.pin(name) for name, pin in pins.items())


def test_aids_and_command_bytes_in_the_text_are_the_profiles():
    assert profile.VITALE_AID.hex().upper() in DOC
    assert profile.CPS_AID.hex().upper() in DOC
    assert bytes.fromhex("D25000000243505320544C41")[5:] == b"CPS TLA"
    commands = {row[0]: row[1] for row in table("Commands (ISO 7816-4, short APDUs)")}
    assert commands["VERIFY (CPS)"] == "`00 %02X 00 %02X`" % (profile.INS_VERIFY, profile.PIN_REF)
    assert commands["MSE SET"] == "`00 %02X %02X %02X`" % (
        (profile.INS_MSE,) + profile.MSE_SET_SIGN
    )
    assert "`80 01 %02X`" % profile.ALG_ECDSA_P256 in DOC
    assert profile.AUTH_PREFIX.decode() in DOC
