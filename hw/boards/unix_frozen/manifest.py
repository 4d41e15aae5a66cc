# pyright: reportUndefinedVariable=false, reportAttributeAccessIssue=false
# (a build script: CPython runs it inside MicroPython's manifestfile.py, not the device)
# Frozen modules of the unix build that stands in for the device (`make firmware`, 32-bit):
# the unix port's standard set, then tla with the unix board, and the emulator's portable
# harness (the power-cut child, the visit day, the character-level cards), so `make bench`
# measures the day's heap with nothing of tla loaded into RAM as bytecode.
include("$(PORT_DIR)/variants/standard/manifest.py")
include("../../../protocol")
include("../../../firmware")
include("../../../hw", board="unix")
package(
    "emulator",
    files=(
        "__init__.py",
        "powercut_child.py",
        "visitday.py",
        "visitday_round.py",
        "scenario_play.py",
        "workday.py",
        "contacts/__init__.py",
        "contacts/card.py",
        "contacts/line.py",
        "contacts/t0_card.py",
        "contacts/t1_card.py",
    ),
    base_path="../../..",
)
