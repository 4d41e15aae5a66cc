"""`tla-emu play --flash IMAGE` leaves a terminal's flash holding the scenario's sheets: a
later terminal started on that image (as `tla-emu run --flash IMAGE` starts it) pairs with
the agent over its pty and hands over exactly those sheets, signatures checked."""

import hashlib

import pytest
from typer.testing import CliRunner

from emulator import cli
from emulator.bench import Bench
from emulator.scenario import DAY, SCENARIOS, play_file
from host_agent.client import LinkClient
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.sync_parts import load_root
from host_agent.transport import open_port
from tests import sync_kit as kit

SERIAL = "TLA-EMU-0042"


def sync_image(tmp_path, image, interpreter="cpython"):
    """Start a terminal on `image` (Bench: what `tla-emu run --flash` starts), pair and sync
    it; returns the bundles the agent filed and quarantined."""
    bench = Bench(interpreter, SERIAL, image)
    store = Store(tmp_path / "agent.db")
    try:
        bench.boot(30)
        kit.pair_over_port(bench.terminal, store, bench.port)
        link = LinkClient(open_port(bench.port))
        try:
            Syncer(store, load_root(kit.write_root(tmp_path)), link).run()
        finally:
            link.port.close()
        return kit.host_records(store, SERIAL)
    finally:
        bench.stop()
        store.close()


def test_play_flash_prepares_the_days_sheets_for_a_later_run(tmp_path):
    image = tmp_path / "day.img"
    result = CliRunner().invoke(
        cli.app, ["play", str(DAY), "--flash", str(image), "--serial", SERIAL]
    )
    assert result.exit_code == 0, result.output
    assert "ok   day (cpython): 12 sheet(s) saved" in result.output
    assert "flash image %s: 12 more sheet(s) of terminal %s" % (image, SERIAL) in result.output
    filed, quarantined = sync_image(tmp_path, image)
    assert len(filed) == 12 and not quarantined


@pytest.mark.parametrize("interpreter", ["micropython"])
def test_the_same_sheets_after_a_micropython_play(tmp_path, interpreter):
    image = tmp_path / "two.img"
    saved, _ = play_file(SCENARIOS / "gp-single.json", interpreter, flash=image, serial=SERIAL)
    assert len(saved) == 1
    filed, quarantined = sync_image(tmp_path, image, "cpython")  # the image is the same file
    assert not quarantined
    assert [hashlib.sha256(b).hexdigest() for b in filed.values()] == [saved[0]["sha256"]]


def test_flash_with_both_interpreters_is_refused_and_the_image_untouched(tmp_path):
    image = tmp_path / "kept.img"
    image.write_bytes(b"not mine to change")
    result = CliRunner().invoke(cli.app, ["play", "--flash", str(image), "-i", "both"])
    assert result.exit_code == 2
    assert "--flash prepares one terminal" in result.output
    assert image.read_bytes() == b"not mine to change"
