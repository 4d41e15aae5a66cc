"""The unix board's image (emulator/unix_image.py; docs/board.md "The unix board"): the same
tree makes the same bytes, and they unpack to that tree's code (0700 folders, 0600 files);
a zip that is not an image is refused with BadImage before anything is written: a name
outside the three packages, a name twice (it would write over a file), a file there
already, a deflate bomb; and an image file of the board holds the largest image a manifest
names (hw/boards/unix.IMAGE_BLOCKS derived from protocol/update_manifest.MAX_IMAGE)."""

import io
import os
import stat
import warnings
import zipfile

import pytest

from emulator import interpreters, unix_image
from emulator.unix_image import BadImage, unpack
from hw.boards import unix
from hw.flash import NorFlash
from hw.update_slot import Slot
from protocol.update_manifest import MAX_IMAGE

MAIN = b"print('tla')\n"


def _zip(files):
    """A zip of (name, bytes), in that order, repeats kept."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a name twice, and writes it
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files:
                z.writestr(name, data)
    return out.getvalue()


def _refused(tmp_path, image, words):
    folder = tmp_path / "code"
    folder.mkdir(parents=True)
    with pytest.raises(BadImage) as e:
        unpack(image, folder)
    assert words in str(e.value), str(e.value)
    return folder


def test_the_same_tree_makes_the_same_image_and_it_unpacks_to_that_code(tmp_path):
    root = interpreters.code_root()
    image = unix_image.build(root, "0.2.0", 2)
    assert unix_image.build(root, "0.2.0", 2) == image
    unpack(image, tmp_path)
    files = unix_image.sources(root)
    files["firmware/version.py"] = unix_image.version_source("0.2.0", 2)
    for name, data in files.items():
        path = tmp_path / name
        assert path.read_bytes() == data, name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert b"RELEASE_COUNTER = 2" in (tmp_path / "firmware" / "version.py").read_bytes()


def test_a_name_twice_is_refused_before_anything_is_written(tmp_path):
    image = _zip([("firmware/main.py", MAIN), ("hw/a.py", b"1"), ("hw/a.py", b"2")])
    folder = _refused(tmp_path, image, "it holds 'hw/a.py' twice")
    assert list(folder.iterdir()) == []


def test_names_outside_the_three_packages_are_refused(tmp_path):
    for i, name in enumerate(
        ["../evil.py", "/etc/evil.py", "firmware/../../evil.py", "emulator/x.py", "hw/a.txt"]
    ):
        image = _zip([("firmware/main.py", MAIN), (name, b"x")])
        folder = _refused(tmp_path / str(i), image, "it holds")
        assert list(folder.iterdir()) == []
    assert not (tmp_path / "evil.py").exists()
    _refused(tmp_path / "nomain", _zip([("hw/a.py", b"1")]), "no firmware/main.py")
    _refused(tmp_path / "junk", b"PK\x03\x04 not a zip", "not a unix-board image")


def test_a_file_already_in_the_folder_is_refused_not_overwritten(tmp_path):
    folder = tmp_path / "code"
    (folder / "firmware").mkdir(parents=True)
    (folder / "firmware" / "main.py").write_bytes(b"kept")
    with pytest.raises(BadImage, match="is there already"):
        unpack(_zip([("firmware/main.py", MAIN)]), folder)
    assert (folder / "firmware" / "main.py").read_bytes() == b"kept"


def test_a_deflate_bomb_is_refused_before_it_is_inflated(tmp_path):
    bomb = b"\0" * (unix_image.MAX_UNPACKED + 1)
    image = _zip([("firmware/main.py", MAIN), ("hw/bomb.py", bomb)])
    assert len(image) < 64 * 1024
    folder = _refused(tmp_path, image, "it unpacks to more than")
    assert list(folder.iterdir()) == []


def test_an_image_file_holds_the_largest_image_a_manifest_names_and_this_tree_fits(tmp_path):
    with open(tmp_path / "slot", "w+b") as f:
        slot = Slot(NorFlash(f, unix.IMAGE_BLOCK, unix.IMAGE_BLOCKS))
        assert MAX_IMAGE <= slot.capacity < MAX_IMAGE + unix.IMAGE_BLOCK
    assert len(unix_image.build(interpreters.code_root(), "9.9.9", 99)) <= MAX_IMAGE
