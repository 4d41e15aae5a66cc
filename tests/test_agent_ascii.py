"""The practice PC reads numbers with the digits 0-9 only (protocol/ascii.py), as the
terminal does: CPython's isdigit() takes Arabic-Indic, fullwidth and superscript digits,
int() reads most of them (and "1_0", " 12", "+12"), `\\d` in a regular expression matches
them and `$` takes a final newline. Each reader of a typed or received number refuses them
in its own words, never with a traceback (docs/care-sheet.md "Digits are ASCII")."""

import pytest
import typer
from starlette.requests import Request

from host_agent import lotfile, lots, round_plan, settings, settings_file, system
from host_agent.cli import terminal as cli_terminal
from host_agent.web import app as web_app
from tests.test_round_agent import _prescription

ARABIC = (
    "\u0661\u0667\u0660\u0660\u0664\u0667\u0665\u0661\u0661\u0662\u0662\u0663\u0663\u0668\u0664"
)
FULLWIDTH = "".join(chr(0xFF10 + int(c)) for c in "10009876543")


def test_a_prescription_with_digits_of_another_script_is_refused_as_typed():
    # CPython's isdigit() found ARABIC a NIR: the round was then refused by the terminal.
    for changes, words in (
        ({"insured": ARABIC}, "15 digits"),
        ({"insured": "170047511223384\n"}, "15 digits"),  # `$` took the newline
        ({"professional": "1000654321\u0668"}, "11 digits"),
        ({"prescriber": FULLWIDTH}, "9 or 11 digits"),
        ({"ref": "11\u00b2"}, "1 to 20 digits"),  # superscript two: isdigit() but no int()
        ({"dependant": "2018030\u0665/2"}, "BIRTHDATE/BIRTHRANK"),
        ({"dependant": "20180305/2\n"}, "BIRTHDATE/BIRTHRANK"),
        ({"name": "MARTIN\u00a0PAUL"}, "1 to 24 ASCII"),  # a no-break space
        ({"acts": "AMI \u0662"}, "is not CODE"),
        ({"acts": "AMI\u20032"}, "is not CODE"),  # an em space
    ):
        with pytest.raises(ValueError, match=words):
            _prescription(**changes)
    # upper() of "am\u0131" (dotless i) is "AMI" on CPython: an act code nobody typed.
    with pytest.raises(ValueError, match="is not CODE"):
        round_plan.parse_acts("am\u0131 2")
    with pytest.raises(ValueError, match="ASCII"):
        _prescription(name="Stra\u00dfe")  # not "STRASSE", which upper() would make of it


def _request(length):
    headers = [(b"content-length", length)]
    scope = {"type": "http", "method": "POST", "path": "/lots", "headers": headers}
    return Request(scope)


def test_the_web_app_reads_content_length_with_ascii_digits_only():
    # "\u00b2".isdigit() is True and int("\u00b2") raises: a 500 instead of a refusal.
    refused = web_app._body_refusal
    assert refused(_request("\u00b2".encode("latin-1")))[0] == 411
    assert refused(_request(b"1_0"))[0] == 411 and refused(_request(b" 10"))[0] == 411
    assert refused(_request(b"9" * 5000))[0] == 411  # int() of 5,000 digits raises too
    assert refused(_request(b"99999999"))[0] == 413
    assert refused(_request(b"10")) is None


def test_settings_numbers_and_ids_are_ascii_digits():
    port = settings_file.Question("smtp", "port", "SMTP port", "port SMTP")
    assert settings_file.typed(port, "587") == 587
    assert settings_file.typed(port, "\u00b2") == "\u00b2"  # then refused by parse, not a crash
    for text in (
        '[practice]\nsituation = "\u0667\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0660"\n',
        '[practice]\nsituation = "75123456\u00a0"\n',
        '[terminal]\nusb_vid = "\u0662e8a"\n',
        '[terminal]\nusb_vid = "2e_8"\n',
        '[terminal]\nusb_vid = "0x"\n',
    ):
        with pytest.raises(settings.SettingsError):
            settings.parse(text, "/tmp/settings.toml")
    ok = settings.parse('[terminal]\nusb_vid = "0x2E8A"\n', "/tmp/settings.toml")
    assert ok.get("terminal", "usb_vid") == 0x2E8A


def test_lot_names_fund_codes_ports_and_usb_ids_are_ascii_digits():
    for ref in ("10001234565-\u0661", "10001234565-\uff11", "10001234565-1_0", "\u00b2"):
        with pytest.raises(lots.LotError, match="not a lot name"):
            lots.find(None, ref)  # refused before the store is asked
    assert lotfile.is_fund_code("011751234") and not lotfile.is_fund_code("01175123\u0664")
    win = system.select("nt")
    assert not win.port_present("COM\u0663", ports=["COM3"])
    assert win.port_present("com3", ports=["COM3"])
    with pytest.raises(typer.Exit):
        cli_terminal._ids("\u0662e8a", "000a")
    assert cli_terminal._ids("2e8a", "000A") == (0x2E8A, 0x000A)


def test_a_scenario_file_types_the_keypad_digits_only():
    from emulator.scenario_play import ScenarioError, split_keys

    assert split_keys("4827 OK") == ["4", "8", "2", "7", "OK"]
    for word in ("\u0664\u0668", "\uff14", "4\u00b2"):  # the keypad has no such key
        with pytest.raises(ScenarioError, match="no such key"):
            split_keys(word)
