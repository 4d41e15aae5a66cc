"""A littlefs on simulated NOR flash in RAM that a test can reboot, for portable tests of the
journal, the certificate store and the access log (both interpreters)."""

from hw._compat import mount_littlefs
from hw.flash import NorFlash, RamStore


class Disk:
    """`fs` is the mounted filesystem; reboot() mounts the same flash afresh, as after a
    power cycle (nothing kept in RAM)."""

    def __init__(self, blocks=64):
        self.blocks = blocks
        self.flash = NorFlash(RamStore(blocks * 4096), block_count=blocks)
        self.fs = mount_littlefs(self.flash)

    def reboot(self):
        self.flash = NorFlash(self.flash.store, block_count=self.blocks)
        self.fs = mount_littlefs(self.flash, format_if_blank=False)
        return self.fs

    def write_raw(self, path, data):
        """Replace a file's bytes (to damage it the way a test wants)."""
        f = self.fs.open(path, "wb")
        f.write(data)
        f.close()

    def read_raw(self, path):
        f = self.fs.open(path, "rb")
        data = f.read()
        f.close()
        return data
