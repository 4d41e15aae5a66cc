"""Flash damage over the real serial path: the firmware under micropython (unix board,
`firmware.main`) boots on an image whose blocks 0-1 were overwritten, and `tla-agent`
talks to it through a pty with pyserial.

What it shows: micropython's littlefs (VfsLfs2) does not format the image either; the
terminal shows "Memoire endommagee"; after `tla-agent pair` (the pairing was in the lost
root directory) `tla-agent sync` files every sheet the salvage finds and prints one line
on the flash damage; the image file is byte for byte what it was before the boot.
"""

import hashlib
import random
import subprocess

from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from tests import sync_kit as kit
from tests.test_sync_pty import AGENT, _pair_with_the_cli, _wait


class _Term:
    def __init__(self, t, port):
        self.t = t
        self.port = port


def test_a_damaged_image_over_the_pty_under_micropython(tmp_path):
    image = tmp_path / "flash.img"
    saved = kit.flash_image(image, 12)
    rng = random.Random(5)
    with open(image, "r+b") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(2 * 4096)))
    fs_bytes = 512 * 4096  # littlefs' blocks (a raw key block may follow: pairing writes it)
    before = hashlib.sha256(image.read_bytes()[:fs_bytes]).hexdigest()
    bridge = PtyBridge().start()
    t = make_terminal(
        "micropython", bridge.terminal_path, serial_number=kit.SERIAL, flash_path=str(image)
    )
    t.start()
    db = tmp_path / "agent.db"
    root = kit.write_root(tmp_path)
    try:
        t.wait_event("READY", 30)
        t.set_time(kit.NOW)
        _wait(lambda: t.screen[0] == "Memoire endommagee", what="the damage screen")
        code, out, err = _pair_with_the_cli(_Term(t, bridge.host_path), db)
        assert code == 0, err
        t.press("OK")
        sync = subprocess.run(
            AGENT + ["sync", "--port", bridge.host_path, "--db", str(db), "--root", str(root)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(sync.stdout)
        assert sync.returncode == 0, sync.stderr
        assert "flash cannot be mounted (read-only salvage)" in sync.stdout
        filed, quarantined = kit.store_records(db)
        assert filed == saved and not quarantined
    finally:
        t.stop()
        bridge.close()
    assert hashlib.sha256(image.read_bytes()[:fs_bytes]).hexdigest() == before
