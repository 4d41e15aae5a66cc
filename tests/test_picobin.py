"""An RP2350 update image carries the boot ROM's try-before-you-buy flag (tools/picobin.py,
`tools/release.py trial`), the factory image does not, and `manifest --board rp2350`
refuses an update image without it: the ROM would boot it for good at once, never on trial,
and a version that fails its self-test could not be given up."""

import shutil
import struct
import subprocess
import sys

import pytest

from tools import picobin, release

TOOL = [sys.executable, str(release.ROOT / "tools" / "release.py")]
BUILT = release.ROOT / "build" / "firmware" / "out"


def rp2350_image(flags=0x1021, body=2000):
    """A small image shaped as the pico-sdk's crt0 makes one: its IMAGE_DEF block (an
    IMAGE_TYPE item, ARM secure executable for the RP2350, then the last item and the link)
    at 0x138, as in tla-t1.bin."""
    block = struct.pack("<IBBH", picobin.BLOCK_MARKER_START, picobin.ITEM_1BS_IMAGE_TYPE, 1, flags)
    block += struct.pack("<BBHiI", picobin.ITEM_LAST, 1, 0, 0, picobin.BLOCK_MARKER_END)
    return b"\x00" * 0x138 + block + bytes(range(256)) * (body // 256)


def _run(*args):
    return subprocess.run(TOOL + [str(a) for a in args], capture_output=True, text=True, timeout=60)


def test_the_trial_flag_is_set_and_nothing_else_changes():
    factory = rp2350_image()
    assert not picobin.flagged_for_trial(factory)
    update = picobin.for_trial(factory)
    assert picobin.flagged_for_trial(update)
    changed = [i for i in range(len(factory)) if factory[i] != update[i]]
    assert changed == [0x138 + 7]  # the flags word's high byte
    assert picobin.for_trial(update) == update


@pytest.mark.parametrize(
    "image, words",
    [
        (b"\x00" * 8192, "no IMAGE_DEF block"),
        (b"\x00" * 4096 + rp2350_image(), "no IMAGE_DEF block"),  # past the ROM's 4 KB
        (rp2350_image(flags=0x1022), "not an executable"),
        (rp2350_image()[:0x13C] + b"\xff\x01\x00\x00" + b"\x00" * 64, "no IMAGE_TYPE item"),
    ],
)
def test_what_is_not_an_rp2350_executable_is_refused(image, words):
    with pytest.raises(picobin.PicobinError, match=words):
        picobin.for_trial(image)


def test_the_manifest_of_an_rp2350_update_wants_the_flag(tmp_path):
    factory = tmp_path / "tla-t1.bin"
    factory.write_bytes(rp2350_image())
    args = ["--board", "rp2350", "--version", "0.2.0", "--counter", "2"]
    done = _run("manifest", factory, *args, "-o", tmp_path / "m")
    assert done.returncode == 1 and "try-before-you-buy flag" in done.stderr, done.stderr
    assert not (tmp_path / "m").exists()
    done = _run("trial", factory, "-o", tmp_path / "update.bin")
    assert done.returncode == 0, done.stderr
    assert picobin.flagged_for_trial((tmp_path / "update.bin").read_bytes())
    done = _run("manifest", tmp_path / "update.bin", *args, "-o", tmp_path / "m")
    assert done.returncode == 0, done.stderr
    done = _run("trial", tmp_path / "m", "-o", tmp_path / "again.bin")  # not an image
    assert done.returncode == 1 and "no IMAGE_DEF block" in done.stderr


def test_picotool_reads_the_built_image_as_not_bought_once_flagged(tmp_path):
    """On tla's own image (make firmware): the factory image has no flag, the update image
    is one picotool calls 'tbyb: not bought'."""
    picotool = BUILT / "picotool"
    if not (BUILT / "tla-t1.bin").exists() or not picotool.exists():
        pytest.skip("no firmware image: run `make firmware` (needs ../shared/micropython)")
    factory = (BUILT / "tla-t1.bin").read_bytes()
    assert not picobin.flagged_for_trial(factory)
    update = tmp_path / "update.bin"
    update.write_bytes(picobin.for_trial(factory))
    info = subprocess.run(
        [str(picotool), "info", "-a", str(update)], capture_output=True, text=True, timeout=60
    )
    assert "tbyb:                not bought" in info.stdout, info.stdout
    assert shutil.which(str(picotool))
