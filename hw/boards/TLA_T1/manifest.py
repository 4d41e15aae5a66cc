# Frozen modules of the TLA-T1 terminal image (RP2350): the rp2 port's own set, then tla.
include("$(PORT_DIR)/boards/manifest.py")
include("../../../protocol")
include("../../../firmware")
include("../../../hw", board="rp2350")
