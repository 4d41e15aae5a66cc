"""The release keys a terminal takes an update from: the public halves, built into the
firmware, and how many of them must sign (m of n; docs/board.md "Updates", "Signing a
release"). A key is SEC 1's uncompressed P-256 point, 65 bytes; its id is the first 8
bytes of its SHA-256 (protocol/update_manifest.key_id).

RELEASE_KEYS are tla's own, made offline by their holders (docs/board.md "Signing a
release": tools/release.py keygen). None has been made yet: a board that uses them (the
RP2350) refuses every update until they are put here.

TEST_KEYS are for the emulator and the tests only. Their private halves are published in
this repository (emulator/release_test_keys.py): anyone can sign with them, so no board
that leaves the bench may accept them. Only the boards named in TEST_BOARDS do.
"""

from binascii import unhexlify

RELEASE_THRESHOLD = 2
RELEASE_KEYS = ()  # (name, key): none made yet

TEST_THRESHOLD = 2
TEST_KEYS = (
    (
        "TEST release key 1",
        unhexlify(
            "0466ebb96f151c5bdfec78ae41d390f71bfd188b648a5a6c332f54116237f81804"
            "0ac07080027740e93f72896fddb6d83d1439dd9adaaedb80a15b5ef7fe5918b1"
        ),
    ),
    (
        "TEST release key 2",
        unhexlify(
            "04504b7d7224593a87414ec6e0ab9abca0ccff18b4022935cc57913154ba1013ab"
            "7fe9055a6e669cb24667d15f61aaa80f4267fba4ea7831c1f5869f36a942b5b9"
        ),
    ),
    (
        "TEST release key 3",
        unhexlify(
            "048eba37cb980bcebc63fd7723bcbf0796c8a9073c2ea6307c49c001e8cd88619a"
            "b5d34aabcfbc0c88ad031361b801e5f2dfc14db51f2ab22bd5a7d0df6dbce2f1"
        ),
    ),
)
# The emulator's boards: the unix board on a PC, the simulated ones of the tests and benches.
TEST_BOARDS = ("unix", "sim", "powercut", "fake")


def for_board(name):
    """([(key id, key)], threshold) that a board of this name takes updates signed by."""
    from protocol.update_manifest import key_id

    if name in TEST_BOARDS:
        keys, threshold = TEST_KEYS, TEST_THRESHOLD
    else:
        keys, threshold = RELEASE_KEYS, RELEASE_THRESHOLD
    return [(key_id(key), key) for _, key in keys], threshold
