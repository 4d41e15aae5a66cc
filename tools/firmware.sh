#!/bin/sh
# make firmware: build MicroPython with tla frozen, from the shared source tarball.
#   1. unpack ../shared/micropython/micropython-tla-src.tar.xz into build/firmware/ (once);
#   2. mpy-cross; 3. the 32-bit unix port with tla frozen (the stand-in for the device's heap);
#   4. picotool (pico-sdk 2 needs it for the UF2); 5. the TLA-T1 RP2350 image (hw/boards/TLA_T1).
# Outputs land in build/firmware/out/ (ignored by git): tla-t1.uf2, tla-t1.elf, micropython-tla32.
# TLA_SHARED overrides the folder holding micropython/ (default: ../shared beside the repo).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${TLA_SHARED:-$ROOT/../shared}
TARBALL=$SHARED/micropython/micropython-tla-src.tar.xz
WORK=$ROOT/build/firmware
MP=$WORK/micropython
OUT=$WORK/out
JOBS=${JOBS:-2}
START=$(date +%s)

say() { echo "tla firmware: $*"; }
step() { say "$1 ($(($(date +%s) - START)) s)"; }

[ -f "$TARBALL" ] || { say "MicroPython source not found at $TARBALL (set TLA_SHARED)"; exit 1; }
# The ARM toolchain, cmake and the 32-bit libraries: installed as root (saying so), as
# `make demo` installs its packages; otherwise the one line of what to apt-get install.
TLA_DEPS_FOR="make firmware" sh "$ROOT/tools/debian-deps.sh" gcc-arm-none-eabi \
  libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib cmake gcc-multilib || exit 1
mkdir -p "$WORK" "$OUT"
if [ ! -f "$WORK/.unpacked" ]; then
  step "unpacking $(basename "$TARBALL")"
  rm -rf "$MP" "$WORK/picotool"
  tar -xJf "$TARBALL" -C "$WORK"
  touch "$WORK/.unpacked"
fi

step "mpy-cross"
make -s -C "$MP/mpy-cross" -j"$JOBS" >"$WORK/mpy-cross.log" 2>&1 || { tail -30 "$WORK/mpy-cross.log"; exit 1; }

step "unix port, 32-bit, tla frozen"
# The C stack limit doubled (80 000 bytes): the portable tests' harness nests imports deeper
# than the device does; the device's own budget (44 KB, hw/boards/TLA_T1/mpconfigboard.cmake)
# is checked by tests/test_firmware_image.py against the stack the imports really use.
# deflate compression on, as on the device (hw/boards/TLA_T1/mpconfigboard.h): the RECORDS
# stream is deflated (docs/protocol.md "Compression").
make -s -C "$MP/ports/unix" -j"$JOBS" VARIANT=standard BUILD=build-tla32 \
  FROZEN_MANIFEST="$ROOT/hw/boards/unix_frozen/manifest.py" \
  CFLAGS_EXTRA="-m32 -DUNIX_STACK_MULTIPLIER=2 -DMICROPY_PY_DEFLATE_COMPRESS=1" LDFLAGS_EXTRA=-m32 MICROPY_PY_FFI=0 \
  >"$WORK/unix32.log" 2>&1 \
  || { tail -30 "$WORK/unix32.log"; exit 1; }
cp "$MP/ports/unix/build-tla32/micropython" "$OUT/micropython-tla32"

PICOTOOL_DIR=$WORK/picotool-install
if [ ! -x "$PICOTOOL_DIR/picotool/picotool" ]; then
  step "picotool"
  { cmake -S "$WORK/picotool" -B "$WORK/picotool/build" -DPICO_SDK_PATH="$MP/lib/pico-sdk" \
      -DCMAKE_INSTALL_PREFIX="$PICOTOOL_DIR" -DPICOTOOL_FLAT_INSTALL=1 &&
    make -C "$WORK/picotool/build" -j"$JOBS" install; } >"$WORK/picotool.log" 2>&1 \
    || { tail -30 "$WORK/picotool.log"; exit 1; }
fi
ln -sf "$PICOTOOL_DIR/picotool/picotool" "$OUT/picotool"

step "RP2350 image (board TLA_T1)"
# The rp2 port runs cmake only when its build folder has no Makefile: a change to the
# board's cmake or headers or to the C modules would be silently left out. Such a change
# starts the build folder afresh.
RP2_BUILD=$MP/ports/rp2/build-TLA_T1
RP2_CONFIG=$(cat "$ROOT"/hw/boards/TLA_T1/mpconfigboard.* "$ROOT"/hw/cmodules/micropython.cmake \
  "$ROOT"/hw/cmodules/*/micropython.cmake | sha256sum | cut -c1-16)
if [ "$(cat "$RP2_BUILD/.tla-config" 2>/dev/null)" != "$RP2_CONFIG" ]; then
  rm -rf "$RP2_BUILD"
fi
# Never CMAKE_ARGS= on this command line: it drops BOARD_DIR and the manifest. The C module
# tla_rom (hw/cmodules/) binds the boot ROM's calls of the A/B update.
PICOTOOL_FETCH_FROM_GIT_PATH="$PICOTOOL_DIR" make -C "$MP/ports/rp2" -j"$JOBS" \
  BOARD_DIR="$ROOT/hw/boards/TLA_T1" BUILD=build-TLA_T1 \
  USER_C_MODULES="$ROOT/hw/cmodules/micropython.cmake" >"$WORK/rp2.log" 2>&1 \
  || { tail -30 "$WORK/rp2.log"; exit 1; }
echo "$RP2_CONFIG" >"$RP2_BUILD/.tla-config"
cp "$MP/ports/rp2/build-TLA_T1/firmware.uf2" "$OUT/tla-t1.uf2"
cp "$MP/ports/rp2/build-TLA_T1/firmware.elf" "$OUT/tla-t1.elf"
cp "$MP/ports/rp2/build-TLA_T1/firmware.bin" "$OUT/tla-t1.bin"

step "done"
python3 "$ROOT/tools/firmware_report.py" "$OUT" "$(($(date +%s) - START))" | tee "$OUT/summary.txt"
