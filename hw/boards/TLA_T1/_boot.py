# Frozen boot of the TLA-T1 image (hw/boards/TLA_T1/manifest.py): first the power latch
# held (PWR_HOLD high: the ON button may be released), then the REPL's "/" on 256 KB of
# the storage flash (the rest is the journal's, hw/boards/rp2350.py), then the
# firmware, unless MENU is held at power-up (the REPL stays on USB; docs/board.md).
import rp2
import vfs

from hw.boards import rp2350

rp2350.hold_power()

# Formatted only when it holds nothing (hw/format_rule.py); damaged, it is left unmounted.
fs = rp2350.mount_repl_root(rp2350.repl_root_device(rp2))
if fs is not None:
    vfs.mount(fs, "/")
else:
    print("tla: / holds data littlefs cannot mount: left as it is, not mounted")
del fs
if not rp2350.menu_held():
    rp2350.run()
