"""Every file the user hands the agent, read one way (host_agent/user_files.py, docs/agent.md
"Files the agent reads"): a return or acknowledgement (a path, an upload, a mail's
attachment all go through returns.load), the settings and the funds settings (TOML), an
opposition list. Saved by Notepad (a UTF-8 BOM, CRLF lines) it reads as the same file
without; a JSON object giving a key twice is refused naming the key and its line (Python's
json kept the last); a TOML key given twice is said in plain words; bytes that are not
UTF-8 (windows-1252) are refused naming the byte and its line, in English and in French.
The password file and the session secret: tests/test_web_security.py."""

import json

import pytest

from host_agent import lots, returns, sending, settings, sheets
from host_agent.errors import AgentError
from tests import lots_kit as kit
from tests import returns_kit as rk
from tests.test_settings import GOOD

BOM = b"\xef\xbb\xbf"


def notepad(text: str) -> bytes:
    """`text` as Notepad saves it: a BOM, then CRLF lines."""
    return BOM + text.replace("\n", "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def sent(tmp_path_factory):
    store = rk.sent_store(tmp_path_factory.mktemp("sent"))
    yield store
    store.close()


def _a_return(store) -> str:
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheet = rk.members(store, lot)[0]
    data = json.loads(rk.return_bytes(rk.PARIS, [rk.lot_entry(lot)], [rk.paid(lot, sheet)]))
    return json.dumps(data, indent=2, ensure_ascii=False)


def test_a_return_saved_by_notepad_is_imported_as_it_reads(tmp_path):
    store = rk.sent_store(tmp_path)
    text = _a_return(store)
    outcome = returns.apply(store, notepad(text), "retour.json", kit.NOW + 3600)
    assert outcome.changed and [a.already for a in outcome.lots] == [False]
    # The same answers without the BOM are the same return, already known.
    again = returns.apply(store, text.encode(), "retour.json", kit.NOW + 7200)
    assert not again.changed
    store.close()


def _refused(store, raw: bytes):
    before = rk.snapshot(store)
    with pytest.raises(returns.ReturnError) as refused:
        returns.apply(store, raw, "retour.json", kit.NOW + 3600)
    assert rk.snapshot(store) == before
    english, french = str(refused.value), refused.value.french
    assert "\n" not in english and "\n" not in french and "Traceback" not in english
    return english, french


def test_a_return_giving_a_key_twice_is_refused_naming_it_and_its_line(sent):
    text = _a_return(sent)
    # The sheet's answer says "paid" then, further down the same object, "rejected".
    twice = text.replace('"result": "paid",', '"result": "paid",\n      "result": "rejected",')
    assert twice != text
    line = twice.splitlines().index('  "sheets": [') + 2  # the sheet's "{", 1-based
    english, french = _refused(sent, twice.encode())
    assert 'the key "result" is given twice in one object that opens on line %d' % line in english
    assert 'la clé "result" est donnée deux fois' in french and "ligne %d" % line in french
    # A key of the file itself, and a key with a line feed in it: still one line.
    top = text.replace('"format":', '"fund": "011690000",\n  "format":', 1)
    assert (
        'the key "fund" is given twice in one object that opens on line 1'
        in (_refused(sent, top.encode())[0])
    )
    crafted = text.replace('"format":', '"a\\nb": 1, "a\\nb": 2, "format":', 1)
    assert 'the key "a\\nb" is given twice' in _refused(sent, crafted.encode())[0]


def test_a_return_saved_as_windows_1252_is_refused_in_plain_words(sent):
    text = _a_return(sent).replace('"date": "2026-11-25"', '"note": "reçu", "date": "2026-11-25"')
    english, french = _refused(sent, text.encode("windows-1252"))
    line = text.splitlines().index(next(x for x in text.splitlines() if "reçu" in x)) + 1
    assert "not UTF-8 text (byte 0xE7 on line %d): save it as UTF-8" % line in english
    assert "pas du texte UTF-8 (octet 0xE7 ligne %d) : enregistrez-le en UTF-8" % line in french
    assert "codec" not in english and "position" not in english  # Python's own words


def test_an_acknowledgement_saved_by_notepad_is_imported_by_the_cli(tmp_path):
    store = rk.sent_store(tmp_path)
    lot = rk.lots_of(store, rk.PARIS)[0]
    store.close()
    ack = {
        "format": "tla-ack/1",
        "fund": rk.PARIS,
        "acks": [{"lot": lots.name(lot), "result": "accepted", "date": "2026-11-20"}],
    }
    path = tmp_path / "acks.json"
    path.write_bytes(notepad(json.dumps(ack, indent=2)))
    done = kit.agent(tmp_path / "agent.db", "acks", "import", str(path))
    assert done.returncode == 0, done.stderr
    twice = json.dumps(ack, indent=2).replace('"result"', '"result": "rejected",\n "result"')
    path.write_bytes(twice.encode())
    done = kit.agent(tmp_path / "agent.db", "acks", "import", str(path))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert 'the key "result" is given twice in one object that opens on line 5' in done.stderr


def test_settings_saved_by_notepad_read_as_the_same_settings(tmp_path):
    plain, saved = tmp_path / "plain.toml", tmp_path / "notepad.toml"
    plain.write_text(GOOD)
    saved.write_bytes(notepad(GOOD))
    assert settings.read(saved).values == settings.read(plain).values
    assert settings.read(saved).funds == settings.read(plain).funds


@pytest.mark.parametrize(
    "change, line",
    [(("port = 587\n", "port = 587\nport = 25\n"), 21), (("[mailbox]", "[smtp]\n[mailbox]"), 24)],
    ids=["key", "table"],
)
def test_a_setting_given_twice_is_said_in_plain_words(tmp_path, change, line):
    path = tmp_path / "agent.toml"
    path.write_bytes(notepad(GOOD.replace(*change)))
    with pytest.raises(settings.SettingsError) as refused:
        settings.read(path)
    english, french = str(refused.value), refused.value.french
    assert "a key or a table is given twice (line %d," % line in english, english
    assert "une clé ou une table est donnée deux fois (ligne %d," % line in french, french
    assert "Cannot" not in english + french


def test_settings_in_windows_1252_are_refused_naming_the_line(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_bytes(GOOD.replace('Lilas"', 'Lilas é"').encode("windows-1252"))
    with pytest.raises(settings.SettingsError) as refused:
        settings.read(path)
    assert "not UTF-8 text (byte 0xE9 on line 10)" in str(refused.value)
    assert "octet 0xE9 ligne 10" in refused.value.french


FUNDS = '[smtp]\nhost = "127.0.0.1"\nfrom = "a@b.example"\n\n[funds.011750000]\nemail = "x@y"\n'


def test_funds_settings_saved_by_notepad_are_read_and_twice_is_refused(tmp_path):
    path = tmp_path / "funds.toml"
    path.write_bytes(notepad(FUNDS))
    assert sending.load_settings(path).funds == {"011750000": {"email": "x@y"}}
    path.write_bytes(notepad(FUNDS + 'email = "z@y"\n'))
    with pytest.raises(sending.SendError, match="a key or a table is given twice .at line 7"):
        sending.load_settings(path)


def test_an_opposition_list_saved_by_notepad_is_read(tmp_path):
    path = tmp_path / "opposition.txt"
    path.write_bytes(notepad("1234567890\n# comment\n0987654321\n"))
    assert sheets.read_serials(path) == sorted(
        sheets.read_serials(_plain(tmp_path, "1234567890\n0987654321\n"))
    )
    path.write_bytes("1234567890 # carte volée\n".encode("windows-1252"))
    with pytest.raises(AgentError, match=r"not UTF-8 text \(byte 0xE9 on line 1\)"):
        sheets.read_serials(path)


def _plain(tmp_path, text):
    path = tmp_path / "plain.txt"
    path.write_text(text)
    return path
