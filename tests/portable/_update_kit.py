"""Portable helpers of the update tests (both interpreters): a terminal whose flash holds
the boot record and two small image slots beside littlefs (one NOR image, one write
counter), the signed manifests of protocol/vectors/update.json (made by
tools/update_vectors.py with the TEST keys), and an agent's side that sends them.

A power cycle runs the bootloader's choice (hw/bootloader.py) as a board's boot does; the
"new version" of a trial is this same code with firmware/version.py's two values set to the
manifest's, as the image it stands for would say them."""

from _kit import load_vectors
from _sync_agent import Agent, FlashBoard, boot

from firmware import version
from hw import bootloader
from hw.boot_record import BootRecords
from hw.update_slot import ReservedView, Slot
from protocol import messages
from protocol import update_messages as um
from protocol.update_manifest import CHUNK


VECTORS = load_vectors("update")
IMAGE = bytes.fromhex(VECTORS["image"])
NEWER = bytes.fromhex(VECTORS["newer image"])
NAMES = [c["name"] for c in VECTORS["cases"]]  # the vectors' order (a MicroPython dict has none)
SIGNED = dict((c["name"], bytes.fromhex(c["signed"])) for c in VECTORS["cases"])
EXPECT = dict((c["name"], c["expect"]) for c in VECTORS["cases"])
PRO = "60001234567"
DAY = 20261118
SLOT_BLOCKS = 12  # 3 header blocks and 36 KiB of image
RUNNING = (version.FIRMWARE_VERSION, version.RELEASE_COUNTER)


class UpdateBoard(FlashBoard):
    """A test board (a TEST board name: it takes what the TEST keys sign) whose NOR flash
    reserves, after littlefs' blocks, the key block, the boot record's two blocks and two
    image slots."""

    name = "fake"

    def __init__(self, store=None, blocks=96, seed=1):
        super().__init__("TLA-TEST-0001", store, blocks, seed, 3 + 2 * SLOT_BLOCKS)
        self._slots = (
            Slot(ReservedView(self.flash, 3, SLOT_BLOCKS)),
            Slot(ReservedView(self.flash, 3 + SLOT_BLOCKS, SLOT_BLOCKS)),
        )

    def boot_records(self):
        return BootRecords(ReservedView(self.flash, 1, 2))

    def update_slots(self):
        return self._slots

    def power_cycle(self, seed=2):
        """The board off and on: the bootloader chooses (and counts a trial's boot)."""
        board = UpdateBoard(self.store, self.blocks, seed)
        board.clock = self.clock
        board.booted = bootloader.choose(board.boot_records(), board.update_slots())
        board.boot_state = board.booted.state
        return board


def start(board):
    """The App the bootloader's choice runs on `board`: for a slot, the version its
    manifest names (firmware/version.py as that image says it); for the factory, this one."""
    booted = getattr(board, "booted", None)
    if booted is not None and booted.manifest is not None:
        version.FIRMWARE_VERSION = booted.manifest.version
        version.RELEASE_COUNTER = booted.manifest.counter
    else:
        version.FIRMWARE_VERSION, version.RELEASE_COUNTER = RUNNING
    return boot(board)


def reset_version():
    version.FIRMWARE_VERSION, version.RELEASE_COUNTER = RUNNING


def paired(sheets=3):
    """A paired terminal with `sheets` sheets saved, and its agent with a session."""
    reset_version()
    app = boot(UpdateBoard())
    j = app.storage.journal
    for i in range(sheets):
        j.append_sheet(b"sheet %d" % i, j.reserve_order(PRO), PRO, DAY, False)
    agent = Agent(app)
    agent.pair()
    assert agent.authenticate() is None
    return app, agent


def again(app, before):
    """The agent `before`, its pairing kept in the key block, opening a session with the
    App that the terminal became after a power cycle."""
    agent = Agent(app, seed=11)
    agent.pairing = before.pairing
    assert agent.authenticate() is None
    return agent


def ask(agent, body):
    mtype, _, reply = agent.ask(messages.UPDATE, body)
    return mtype, reply


def send_manifest(agent, signed):
    """Every piece of the signed manifest; the last answer (type, body)."""
    for body in um.manifest_pieces(signed):
        mtype, reply = ask(agent, body)
        if mtype != messages.UPDATE:
            return mtype, reply
    return mtype, reply


def send_chunks(agent, image, first=0, last=None):
    """Chunks first .. last - 1 of `image`; the last answer (type, body)."""
    count = (len(image) + CHUNK - 1) // CHUNK
    mtype, reply = None, None
    for i in range(first, count if last is None else last):
        mtype, reply = ask(agent, um.chunk(i, image[i * CHUNK : (i + 1) * CHUNK]))
        if mtype != messages.UPDATE:
            return mtype, reply
    return mtype, reply


def state(agent):
    mtype, reply = ask(agent, um.query())
    assert mtype == messages.UPDATE, reply
    return um.read_state(reply)


def idle_past_sync(app, steps=3):
    """Let the sync's "running" time pass, then step the App (where it may switch)."""
    app.board.clock.sleep_ms(6000)
    for _ in range(steps):
        app.step()


def sheets_of(app):
    return [(r.rec_no, r.order_no, r.payload) for r in app.storage.journal.records_after(0)]


def check_screen(lines):
    assert len(lines) == 4, lines
    for line in lines:
        assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), lines
