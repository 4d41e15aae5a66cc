"""Pairing attacks over the real pty (the emulated terminal under CPython and micropython,
pyserial on the PC side): a scripted man in the middle sends 1,000 PAIR step 1s into one
opening of the pairing screen; a second step 1 while the code is on screen; and key
hygiene on the real image file: 0600, and no byte of the pairing key after unpairing.

What they show: one step 1 is answered per opening (the rest get ERROR 9, the screen says
"Appairage abandonne"), no code and no key come out of it, the firmware keeps serving
HELLO; after MENU, unpair, OK the key the agent holds is nowhere in the image file.
"""

import os
import stat

import pytest
import serial

from emulator.simboard import open_private_image
from emulator.waiting import until
from host_agent.store import Store
from protocol import frame, keyschedule, messages, pairing, x25519
from tests import sync_kit as kit
from tests.test_sync_pty import Terminal

ATTACKS = 1000
BATCH = 10


class Pty(Terminal):
    """The emulated terminal behind a pty (tests/test_sync_pty.py), its flash empty."""

    def __init__(self, tmp, interpreter):
        super().__init__(tmp, interpreter, 0)

    def open_screen(self):
        self.t.press("MENU")
        self.t.press("1")
        self.wait_screen("Appairage d'un PC")

    def wait_screen(self, first_line):
        if not until(lambda: self.t.screen[0] == first_line, 30):
            raise AssertionError("screen %r, not %r" % (self.t.screen, first_line))


@pytest.fixture(params=["cpython", "micropython"])
def term(request, tmp_path):
    t = Pty(tmp_path, request.param)
    yield t
    t.close()


def _replies(ser, decoder, want, timeout=30.0):
    got = []

    def more():
        got.extend(decoder.feed(ser.read(4096)))
        return len(got) >= want

    assert until(more, timeout), "%d of %d replies" % (len(got), want)
    return got


def _hello(ser, decoder, seq):
    ser.write(frame.encode(messages.HELLO, seq, {}))
    (reply,) = _replies(ser, decoder, 1)
    return reply.mtype == messages.HELLO and reply.body["serial"] == kit.SERIAL


def test_a_thousand_step_ones_over_the_pty_get_one_answer(term):
    term.open_screen()
    assert _mode(term.image) == 0o600  # the emulator made it private
    ser = serial.serial_for_url(term.port, timeout=0.02)
    decoder = frame.Decoder()
    public = x25519.public_key(os.urandom(32))
    answers, errors = [], []
    try:
        for first in range(0, ATTACKS, BATCH):
            wire = b""
            for seq in range(first, first + BATCH):
                commit = keyschedule.pair_commitment(public, os.urandom(16))
                body = {"step": 1, "id": "PC-CABINET-01", "pub": public, "commit": commit}
                wire += frame.encode(messages.PAIR, seq + 1, body)
            ser.write(wire)
            for reply in _replies(ser, decoder, BATCH):
                (answers if reply.mtype == messages.PAIR else errors).append(reply.body)
        assert len(answers) == 1 and "nonce" in answers[0]
        assert len(errors) == ATTACKS - 1
        assert {e["code"] for e in errors} == {messages.E_PAIRING_FAILED}
        term.wait_screen("Appairage abandonne")
        assert term.t.screen[2] == ""  # no code was ever computable: none to show
        assert not [s for _, s in term.t.recent if s[0].startswith("Code")]
        assert _hello(ser, decoder, 5000) and term.t.alive()
    finally:
        ser.close()


def test_a_second_step_one_while_the_code_shows_over_the_pty(term):
    term.open_screen()
    ser = serial.serial_for_url(term.port, timeout=0.02)
    decoder = frame.Decoder()
    agent = pairing.AgentPairing("PC-TEST")
    try:
        request, seq = agent.request(), 1
        while agent.state != "confirming":
            ser.write(frame.encode(messages.PAIR, seq, request))
            (reply,) = _replies(ser, decoder, 1)
            request, seq = agent.on_reply(reply.body), seq + 1
        code = "%s %s" % (agent.code[:3], agent.code[3:])
        term.wait_screen("Code: " + code)
        ser.write(frame.encode(messages.PAIR, seq, pairing.AgentPairing("PC-M").request()))
        (reply,) = _replies(ser, decoder, 1)
        assert reply.mtype == messages.ERROR and reply.body["code"] == messages.E_PAIRING_FAILED
        term.wait_screen("Appairage abandonne")
        assert term.t.screen[2] == "Code %s annule" % code
        assert _hello(ser, decoder, 99) and term.t.alive()
    finally:
        ser.close()


def _image(term):
    """The image file's bytes as the OS has them (the in-process terminal's file is
    buffered: pushed first; micropython's is not buffered)."""
    board = getattr(term.t, "board", None)
    if board is not None:
        board.flash.flush()
    return term.image.read_bytes()


KEY_AT = 512 * 4096  # the key block's offset in the image: littlefs' blocks come first


def test_after_unpair_the_image_file_holds_no_byte_of_the_key(term, tmp_path):
    store = Store(tmp_path / "agent.db")
    try:
        serial_number = kit.pair_over_port(term.t, store, term.port)
        key = store.pairing(serial_number).key
    finally:
        store.close()
    image = _image(term)
    assert image.count(key) == 1  # the search finds it before unpairing: the key block
    # The key block is the first reserved block, right after littlefs' 512 (the boot record
    # and the update slots follow it, emulator/simboard.py): never in littlefs' blocks.
    assert image[:KEY_AT].count(key) == 0 and image[KEY_AT : KEY_AT + 4096].count(key) == 1
    for key_name in ("MENU", "2"):
        term.t.press(key_name)
    term.wait_screen("Desappairer le PC")
    term.t.press("OK")
    term.wait_screen("PC desappaire")
    image = _image(term)
    assert image.count(key) == 0 and image.count(key[:8]) == 0
    assert image[KEY_AT : KEY_AT + 4096] == b"\xff" * 4096 and _mode(term.image) == 0o600


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_flash_images_are_created_0600(tmp_path):
    from hw.boards.unix import open_image

    new = tmp_path / "new.img"
    open_private_image(new).close()
    assert _mode(new) == 0o600
    loose = tmp_path / "loose.img"
    loose.write_bytes(b"")
    os.chmod(loose, 0o644)
    open_private_image(loose).close()  # an image the emulator writes to is made private
    assert _mode(loose) == 0o600
    board_made = tmp_path / "board.img"
    open_image(str(board_made)).close()  # the unix board under CPython
    assert _mode(board_made) == 0o600
