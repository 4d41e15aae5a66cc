# pyright: reportUndefinedVariable=false, reportAttributeAccessIssue=false
# (a build script: CPython runs it inside MicroPython's manifestfile.py, not the device)
# Frozen modules of the TLA-T1 terminal image (RP2350): rp2's own rp2.py and asyncio, tla's
# _boot.py in place of the port's (it mounts "/" on a small partition and starts the
# firmware), then tla's packages.
freeze("$(PORT_DIR)/modules", "rp2.py")
module("_boot.py")
include("$(MPY_DIR)/extmod/asyncio")
include("../../../protocol")
include("../../../firmware")
include("../../../hw", board="rp2350")
