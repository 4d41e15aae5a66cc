"""Crafted local files (outside review F3, docs/agent.md "Files"): an acknowledgement file or
a funds settings file built to break a parser (100,000 nested brackets, a 5,000-digit
number, a lone surrogate escape, a port past 64 bits, a CR/LF in an address) ends in one
plain line and exit 1, never exit 70 (internal error) or a traceback; /dev/zero given as an
acknowledgement file or an opposition list is refused after a bounded read, under a 1.5 GB
address-space limit (before the fix both read until out of memory)."""

import resource
import subprocess
import sys

import pytest

from host_agent import lots
from tests import lots_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
SURROGATE = (
    '{"format":"tla-ack/1","fund":"011750000","acks":[{"lot":"10006543218-000002",'
    '"result":"rejected","date":"2026-11-20","reason":"bad \\ud800 [/x]"}]}'
)
ACKS = {
    "deep": ("[" * 100_000, "nested too deeply"),
    "bigint": ('{"format": %s}' % ("9" * 5000), "4300 digits"),
    "surrogate": (SURROGATE, "not UTF-8 text"),
}
SMTP = '[smtp]\nhost = "127.0.0.1"\nport = %s\nfrom = "%s"\nstarttls = %s\n'
FUND = '[funds.011750000]\nemail = "%s"\n'
FUNDS = {
    "deep": ("a = " + "[" * 100_000, "nested too deeply"),
    "port past 64 bits": (SMTP % ("99999999999999999999", "a@b", "false"), "port must be"),
    "port 0": (SMTP % ("0", "a@b", "false"), "port must be"),
    "port text": (SMTP % ('"25"', "a@b", "false"), "port must be"),
    "from with CR/LF": (SMTP % ("25", "a@b\\r\\nBcc: evil@x", "false"), "from must be text"),
    "fund email with LF": (
        SMTP % ("25", "a@b", "false") + FUND % "x@y\\nBcc: evil@x",
        "email must be text",
    ),
    "starttls text": (SMTP % ("25", "a@b", '"yes"'), "starttls must be"),
}


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024,) * 2)


def _plain_error(db, *args):
    run = subprocess.run(
        [*AGENT, *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,  # /dev/zero read whole would stop here, not fill the PC
    )
    assert run.returncode == 1, (args, run.returncode, run.stderr)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    return run.stderr


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db = tmp_path_factory.mktemp("crafted") / "agent.db"
    store, _ = kit.store_with_day(db)
    lots.build(store, kit.NOW)
    store.close()
    return db


@pytest.mark.parametrize("case", sorted(ACKS))
def test_a_crafted_acknowledgement_file_is_a_plain_refusal(db, tmp_path, case):
    text, said = ACKS[case]
    path = tmp_path / "acks.json"
    path.write_text(text, encoding="utf-8")
    assert said in _plain_error(db, "acks", "import", str(path))


@pytest.mark.parametrize("case", sorted(FUNDS))
def test_a_crafted_funds_settings_file_is_a_plain_refusal(db, tmp_path, case):
    text, said = FUNDS[case]
    path = tmp_path / "funds.toml"
    path.write_text(text, encoding="utf-8")
    stderr = _plain_error(db, "lots", "send", "--via", "smtp", "--funds", str(path))
    assert said in stderr
    assert "evil" not in stderr or "must be text" in stderr


@pytest.mark.parametrize(
    "args",
    [("acks", "import", "/dev/zero"), ("opposition", "push", "/dev/zero")],
    ids=["acks import", "opposition push"],
)
def test_dev_zero_is_refused_after_a_bounded_read(db, args):
    assert "is larger than" in _plain_error(db, *args)
