"""The RP2350's updates (hw/boards/rp2350_update.py; docs/board.md "Updates", "RP2350") on a
simulated flash chip and boot ROM (tests/simhw/rom.py, the ROM's try before you buy as the
pico-sdk describes it): an image taken into slot 0 lands at the start of partition B, where
the ROM looks for it; stage 1 asks the ROM for a "flash update" boot of the version on trial,
counts its boots, and the explicit buy after the self-test makes the ROM boot it from then
on; a trial never bought is given up after its two boots, one the ROM refuses at once; the
partition table committed for picotool says the layout the board uses. The real ROM calls
cannot run here (no RP2350): docs/board.md says what is and is not shown."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from simhw import rp2sim
from simhw.rom import Chip, Rebooted, SimRom, board

from firmware import update_boot, version
from firmware.update_store import UpdateTaker
from hw.boards import rp2350
from hw.boards import rp2350_update as ab
from protocol.update_manifest import CHUNK

ROOT = Path(__file__).resolve().parent.parent
VECTORS = json.loads((ROOT / "protocol" / "vectors" / "update.json").read_text())
IMAGE = bytes.fromhex(VECTORS["image"])
SIGNED = bytes.fromhex(next(c["signed"] for c in VECTORS["cases"] if c["name"] == "ok"))
TABLE = ROOT / "hw" / "boards" / "TLA_T1" / "partition_table.json"
RP2 = rp2sim.make()
needs_rp2 = pytest.mark.skipif(
    RP2 is None, reason="no MicroPython source for rp2.py (../shared/micropython, TLA_SHARED)"
)


class Storage:
    """An App's storage with no journal mounted: the update holds no sheet to find."""

    journal = None
    salvage = False


class App:
    """What firmware/update_store.py and update_boot.py use of firmware.app.App."""

    def __init__(self, board):
        self.board = board
        self.storage = Storage()
        self.notice = None


class Terminal:
    """The flash chip and the ROM; at each boot, the board rp2350.run() makes over them, its
    stage 1 (rp2350.boot) and the firmware's own update steps."""

    def __init__(self):
        self.chip = Chip()
        self.rom = SimRom(self.chip)
        self.board = None

    @property
    def records(self):
        return self.board.boot_records()

    def boot(self):
        """A power-up's stage 1 on the partition the ROM runs: the Boot, or None (it asked a
        reboot)."""
        self.board = board(self.chip, self.rom, RP2)
        # The vectors are signed by the TEST keys for board "fake": tla's release keys for
        # the RP2350 are not made yet (firmware/release_keys.py)
        self.board.name = VECTORS["board"]
        try:
            return rp2350.boot(self.board)
        except Rebooted:
            return None

    def take(self):
        """The update taken by the firmware (firmware/update_store.UpdateTaker) as a sync
        hands it, then its switch: the ROM restarts."""
        taker = UpdateTaker(App(self.board))
        taker.piece(SIGNED, 0, len(SIGNED))
        m = taker.manifest
        for i in range(m.chunks):
            taker.chunk(i, IMAGE[i * CHUNK : (i + 1) * CHUNK])
        assert taker.ready
        with pytest.raises(Rebooted):
            taker.switch()
        return m

    def settle(self, m):
        """The new version's first steps (firmware/update_boot.settle) as its image says it
        is `m`'s version: True when it restarted (its trial given up)."""
        running = version.FIRMWARE_VERSION, version.RELEASE_COUNTER
        version.FIRMWARE_VERSION, version.RELEASE_COUNTER = m.version, m.counter
        try:
            update_boot.settle(App(self.board))
        except Rebooted:
            return True
        finally:
            version.FIRMWARE_VERSION, version.RELEASE_COUNTER = running
        return False

    def on_trial_with_buys_failing(self, fails):
        """Factory-booted, the update taken and switched to, booted on trial; the ROM's next
        `fails` buys fail. The manifest."""
        self.boot()
        m = self.take()
        self.boot_on_trial()
        self.rom.buy_fails = fails
        return m

    def boot_on_trial(self):
        """From the ROM's power-up into the bought partition: stage 1 asks a flash update boot
        of the version on trial, which boots."""
        assert self.boot() is None
        return self.boot()


@needs_rp2
def test_the_image_lands_at_the_start_of_partition_b_and_is_bought_after_its_self_test():
    term = Terminal()
    booted = term.boot()
    assert (booted.slot, booted.state) == (1, None)  # the factory image, in partition A
    m = term.take()
    assert term.chip.read(ab.PARTITION_B, len(IMAGE)) == IMAGE  # the ROM finds it there
    # The switch restarted: the ROM boots A, stage 1 asks a flash update boot of B.
    assert term.rom.reboots == [(ab.REBOOT2_FLAG_NO_RETURN_ON_SUCCESS, 0)]
    booted = term.boot_on_trial()
    assert term.rom.reboots[-1] == (0x104, ab.PARTITION_B)
    assert (booted.slot, booted.state, booted.manifest.version) == (0, "trial", m.version)
    assert term.records.read()["try"][3] == 1 and term.rom.trial
    assert not term.settle(m)
    record = term.records.read()
    assert (record["active"], record["floor"], record["try"]) == (0, m.counter, None)
    assert term.rom.bought == 1 and not term.rom.trial  # partition B
    term.rom.watchdog()  # no watchdog restart: bought
    term.rom.power_on()
    booted = term.boot()
    assert (booted.slot, booted.state) == (0, None) and len(term.rom.reboots) == 2


@needs_rp2
def test_a_buy_that_fails_once_is_tried_again_and_the_version_kept():
    term = Terminal()
    m = term.on_trial_with_buys_failing(1)
    assert not term.settle(m)
    assert term.rom.failed_buys == 1 and term.rom.bought == 1 and not term.rom.trial
    assert term.records.read()["active"] == 0
    term.rom.power_on()
    assert (term.boot().slot, len(term.rom.reboots)) == (0, 2)  # B, bought: no reboot


@needs_rp2
def test_a_buy_the_rom_never_takes_gives_the_trial_up_and_the_version_before_runs_bought():
    term = Terminal()
    m = term.on_trial_with_buys_failing(1000)
    assert term.settle(m)  # the trial given up: the firmware restarted
    assert term.rom.failed_buys == ab.BUY_TRIES
    record = term.records.read()
    assert record["try"] is None and record["active"] == -1 and record["floor"] == 0
    assert record["last"][2:4] == [
        "back",
        "the boot ROM did not take the image (rom_explicit_buy: -4)",
    ]
    assert record["bad"] == hashlib.sha256(SIGNED).digest()  # never taken again
    # The ROM runs A, bought: no watchdog restart, no flash update boot asked again.
    assert (term.rom.partition, term.rom.trial) == (0, False)
    booted = term.boot()
    assert (booted.slot, booted.state) == (1, "back") and len(term.rom.reboots) == 3
    term.rom.watchdog()
    assert term.boot().state == "back" and len(term.rom.reboots) == 3


@needs_rp2
def test_an_active_version_the_rom_still_runs_on_trial_is_bought_at_its_next_boot():
    """A record that confirms B while the ROM never bought it (a buy failed under an older
    firmware, or the record went back after a buy): stage 1 buys, or tries again at every
    boot, the watchdog bringing it back."""
    term = Terminal()
    term.boot()
    m = term.take()
    term.boot_on_trial()
    record = term.records.read()
    t = record["try"]
    record.update(active=0, act=[t[1], t[2]], floor=t[1], **{"try": None})
    term.records.write(record)
    term.rom.power_on()  # never bought: the ROM runs A
    term.rom.buy_fails = ab.BUY_TRIES  # this boot's buys all fail
    booted = term.boot_on_trial()
    assert (booted.slot, booted.state) == (0, None) and term.rom.trial
    with pytest.raises(Rebooted):
        term.rom.watchdog()  # back to A, which asks B again: its buy taken this time
    booted = term.boot_on_trial()
    assert (booted.slot, booted.state, booted.manifest.version) == (0, None, m.version)
    assert term.rom.bought == 1 and not term.rom.trial
    assert term.rom.failed_buys == ab.BUY_TRIES and term.rom.buys == 1


@needs_rp2
def test_a_trial_never_bought_is_given_up_after_two_boots():
    term = Terminal()
    term.boot()
    term.take()
    for tries in (1, 2):
        booted = term.boot_on_trial()  # the ROM boots the bought A: stage 1 asks for B again
        assert booted.state == "trial" and term.records.read()["try"][3] == tries
        with pytest.raises(Rebooted):
            term.rom.watchdog()  # never bought: the ROM's watchdog restarts it into A
    booted = term.boot()  # the trial never bought itself: A, and the record goes back
    assert (booted.slot, booted.state) == (1, "back")
    record = term.records.read()
    assert record["try"] is None and record["bad"] == hashlib.sha256(SIGNED).digest()
    assert term.rom.buys == 0 and len(term.rom.reboots) == 3


@needs_rp2
def test_a_partition_the_rom_refuses_to_boot_gives_the_trial_up_at_once():
    term = Terminal()
    term.boot()
    term.take()
    assert term.boot() is None
    term.rom.flash_update_boot(ab.PARTITION_B, refuse=True)  # A runs, said a flash update
    booted = term.boot()
    assert (booted.slot, booted.state) == (1, "back")
    assert term.records.read()["last"][3] == "the boot ROM did not boot it"
    term.rom.power_on()
    assert term.boot().state == "back" and len(term.rom.reboots) == 2  # no loop


def test_slot_0_is_partition_b_and_the_data_regions_do_not_overlap():
    regions = [
        (0, ab.PARTITION_A),  # the partition table
        (ab.PARTITION_A, ab.PARTITION_BYTES),
        (ab.PARTITION_B, ab.PARTITION_BYTES),
        ab.ROOT_FS,
        ab.JOURNAL,
        ab.HEADERS,
        ab.RECORDS,
        ab.KEY_BLOCK,
    ]
    at = 0
    for start, size in regions:
        assert start == at and size > 0 and start % ab.BLOCK == 0, (start, size)
        at = start + size
    assert at == ab.FLASH_END
    assert ab.PARTITION_B + ab.PARTITION_BYTES == ab.DATA == ab.ROOT_FS[0]


def test_the_committed_partition_table_is_the_layout():
    table = json.loads(TABLE.read_text())
    a, b = table["partitions"]
    assert (a["name"], a["id"], a["start"], a["size"]) == ("A", 0, "8K", "1020K")
    assert (b["name"], b["id"], b["start"], b["size"], b["link"]) == (
        "B",
        1,
        "1028K",
        "1020K",
        ["a", 0],
    )
    assert ab.PARTITION_A == 8 * 1024 and ab.PARTITION_BYTES == 1020 * 1024
    assert "absolute" in table["unpartitioned"]["families"]  # the data region


def _picotool():
    found = shutil.which("picotool") or ROOT / "build" / "firmware" / "out" / "picotool"
    return str(found) if Path(found).exists() else None


@pytest.mark.skipif(_picotool() is None, reason="no picotool (make firmware builds it)")
def test_picotool_makes_the_partition_table_from_it(tmp_path):
    out = tmp_path / "pt.uf2"
    done = subprocess.run(
        [_picotool(), "partition", "create", str(TABLE), str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and out.stat().st_size > 0, done.stdout + done.stderr
