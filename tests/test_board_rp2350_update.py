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
from simhw.rom import Chip, Rebooted, Rp2, SimRom

from hw.boards import rp2350_update as ab
from hw.boot_record import BootRecords
from hw.update_slot import Slot
from protocol.update_manifest import CHUNK, read_manifest, read_signed

ROOT = Path(__file__).resolve().parent.parent
VECTORS = json.loads((ROOT / "protocol" / "vectors" / "update.json").read_text())
IMAGE = bytes.fromhex(VECTORS["image"])
SIGNED = bytes.fromhex(next(c["signed"] for c in VECTORS["cases"] if c["name"] == "ok"))
TABLE = ROOT / "hw" / "boards" / "TLA_T1" / "partition_table.json"


class Terminal:
    """The flash chip and the ROM, and what the board builds over them."""

    def __init__(self):
        self.chip = Chip()
        self.rom = SimRom(self.chip)
        rp2 = Rp2(self.chip)
        self.records = BootRecords(ab.region(rp2, self.rom, ab.RECORDS))
        self.slots = tuple(Slot(dev) for dev in ab.slot_devices(rp2, self.rom))

    def boot(self):
        """Stage 1 on the partition the ROM runs: the Boot, or None (it asked a reboot)."""
        try:
            return ab.stage1(self.records, self.slots, self.rom)
        except Rebooted:
            return None

    def take(self):
        """The update written into slot 0 and the switch (firmware/update_store.py's)."""
        slot = self.slots[0]
        slot.write_header(SIGNED)
        for at in range(0, len(IMAGE), CHUNK):
            slot.write(at, IMAGE[at : at + CHUNK])
        m = read_manifest(read_signed(SIGNED)[0])
        record = self.records.read()
        record["try"] = [0, m.counter, hashlib.sha256(SIGNED).digest(), 0, m.version]
        self.records.write(record)
        return m

    def confirm(self):
        """The self-test passed (firmware/update_boot.py): the record, then the ROM's buy."""
        record = self.records.read()
        t = record["try"]
        record.update(active=t[0], act=[t[1], t[2]], floor=t[1], **{"try": None})
        self.records.write(record)
        ab.buy(self.rom)


def test_the_image_lands_at_the_start_of_partition_b_and_is_bought_after_its_self_test():
    term = Terminal()
    booted = term.boot()
    assert (booted.slot, booted.state) == (1, None)  # the factory image, in partition A
    m = term.take()
    assert term.chip.read(ab.PARTITION_B, len(IMAGE)) == IMAGE  # the ROM finds it there
    # The switch restarts: the ROM boots A, stage 1 asks a flash update boot of B.
    term.rom.power_on()
    assert term.boot() is None
    assert term.rom.reboots[-1] == (0x104, ab.PARTITION_B)
    booted = term.boot()  # in B, on trial: its boot counted
    assert (booted.slot, booted.state, booted.manifest.version) == (0, "trial", m.version)
    assert term.records.read()["try"][3] == 1
    term.confirm()
    assert term.rom.bought == 1  # partition B
    term.rom.power_on()
    booted = term.boot()
    assert (booted.slot, booted.state) == (0, None) and len(term.rom.reboots) == 1


def test_a_trial_never_bought_is_given_up_after_two_boots():
    term = Terminal()
    term.take()
    for tries in (1, 2):
        term.rom.power_on()  # the ROM boots the bought A: stage 1 asks for B again
        assert term.boot() is None
        booted = term.boot()
        assert booted.state == "trial" and term.records.read()["try"][3] == tries
    term.rom.power_on()  # the trial never bought itself: A, and the record goes back
    booted = term.boot()
    assert (booted.slot, booted.state) == (1, "back")
    record = term.records.read()
    assert record["try"] is None and record["bad"] == hashlib.sha256(SIGNED).digest()
    assert term.rom.buys == 0 and len(term.rom.reboots) == 2


def test_a_partition_the_rom_refuses_to_boot_gives_the_trial_up_at_once():
    term = Terminal()
    term.take()
    term.rom.power_on()
    try:
        ab.stage1(term.records, term.slots, term.rom)
    except Rebooted:
        pass
    term.rom.flash_update_boot(ab.PARTITION_B, refuse=True)  # A runs, said a flash update
    booted = term.boot()
    assert (booted.slot, booted.state) == (1, "back")
    assert term.records.read()["last"][3] == "the boot ROM did not boot it"
    term.rom.power_on()
    assert term.boot().state == "back" and len(term.rom.reboots) == 1  # no loop


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
