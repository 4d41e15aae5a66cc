# Frozen modules of the unix build that stands in for the device (`make firmware`, 32-bit):
# the unix port's standard set, then tla with the unix board.
include("$(PORT_DIR)/variants/standard/manifest.py")
include("../../../protocol")
include("../../../firmware")
include("../../../hw", board="unix")
