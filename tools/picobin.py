"""The RP2350 boot ROM's IMAGE_DEF block in an image (pico-sdk 2.2.0,
src/common/boot_picobin_headers/include/boot/picobin.h; the RP2350 datasheet, "Blocks"): an
update image must carry the try-before-you-buy flag (TBYB) in its IMAGE_TYPE item, so that
the ROM boots it once, on trial, after a "flash update" reboot, and for good only once the
new version has bought itself (hw/boards/rp2350_update.py). The factory image must not carry
it: a normal boot would never run it. tla's build makes the factory image
(build/firmware/out/tla-t1.bin); `tools/release.py trial` makes the update image from it."""

import struct

BLOCK_MARKER_START = 0xFFFFDED3
BLOCK_MARKER_END = 0xAB123579
ITEM_1BS_IMAGE_TYPE = 0x42
ITEM_LAST = 0xFF
IMAGE_TYPE_EXE_TBYB_BITS = 0x8000
IMAGE_TYPE_IMAGE_TYPE_MASK = 0x000F
IMAGE_TYPE_EXE = 0x0001
SEARCH = 4096  # the ROM looks for the first block in the image's first 4 KB


class PicobinError(ValueError):
    pass


def _image_type_at(image):
    """The offset of the first IMAGE_DEF block's IMAGE_TYPE value (a 16-bit flags word)."""
    start = struct.pack("<I", BLOCK_MARKER_START)
    at = image.find(start, 0, SEARCH)
    if at < 0 or at % 4:
        raise PicobinError("no IMAGE_DEF block in the image's first 4 KB: not an RP2350 image")
    item = at + 4
    while item + 4 <= len(image):
        kind = image[item]
        if kind == ITEM_LAST:
            break
        size_words = (
            image[item + 1] if kind & 0x80 else struct.unpack_from("<H", image, item + 1)[0]
        )
        if size_words == 0:
            break
        if kind == ITEM_1BS_IMAGE_TYPE:
            flags = struct.unpack_from("<H", image, item + 2)[0]
            if flags & IMAGE_TYPE_IMAGE_TYPE_MASK != IMAGE_TYPE_EXE:
                raise PicobinError("the image's first block is not an executable's IMAGE_DEF")
            return item + 2
        item += 4 * size_words
    raise PicobinError("the image's first block has no IMAGE_TYPE item")


def flagged_for_trial(image):
    """True when the image's IMAGE_DEF asks the ROM for a try before you buy."""
    at = _image_type_at(image)
    return bool(struct.unpack_from("<H", image, at)[0] & IMAGE_TYPE_EXE_TBYB_BITS)


def for_trial(image):
    """The image with the TBYB flag set in its IMAGE_DEF (nothing else changed)."""
    out = bytearray(image)
    at = _image_type_at(out)
    flags = struct.unpack_from("<H", out, at)[0]
    struct.pack_into("<H", out, at, flags | IMAGE_TYPE_EXE_TBYB_BITS)
    return bytes(out)
