# pyright: reportUndefinedVariable=false, reportAttributeAccessIssue=false
# (a build script: CPython runs it inside MicroPython's manifestfile.py, not the device)
# Frozen-module manifest of the hw package (MicroPython's tools/manifestfile.py runs it,
# micropython-lib style). `include("hw", board="rp2350")` freezes the RP2350 board and its
# drivers, `board="unix"` the unix board; pcsc.py (pyscard) and _littlefs_cpython.py (the
# littlefs-python binding), CPython only, are never frozen.
# The manifest runs with this folder as its working directory.
import os

options.defaults(board="rp2350")
_SKIP = {"manifest.py", "pcsc.py", "_boot.py", "_littlefs_cpython.py"}
# The other board's files stay out of the image (the device's flash is rp2.Flash, not the
# file-backed NOR of hw/flash.py).
if options.board == "rp2350":
    _SKIP.update(("unix.py", "unix_vpcd.py", "flash.py"))
else:
    _SKIP.update(("rp2350.py", "tla_t1_pins.py"))
package(
    "hw",
    files=sorted(
        os.path.relpath(os.path.join(d, f))
        for d, _, names in os.walk(".")
        for f in names
        if f.endswith(".py") and f not in _SKIP
    ),
    base_path="..",
)
