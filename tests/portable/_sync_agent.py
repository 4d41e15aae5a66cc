"""Portable helpers of the sync tests (both interpreters): a board with flash and a loop
port, and a small agent that drives the terminal's App frame by frame with the protocol's
own pieces (pairing, AUTH, sealed requests, the RECORDS stream)."""

from _fakes import FakeClock, FakeDisplay, FakeKeypad, LoopPort
from _kit import Rng

from firmware.main import build
from hw import hal
from hw._compat import mount_littlefs
from hw.flash import NorFlash, RamStore
from protocol import auth, frame, messages, pairing
from protocol.pull import Puller


class FlashBoard(hal.Board):
    """A terminal with a simulated NOR flash in RAM, a loop port, fake clock and keys.
    `reboot()` gives a new board on the same flash (a power cycle)."""

    name = "flash"

    def __init__(self, serial="TLA-TEST-0001", store=None, blocks=96, seed=1, reserved=1):
        # `reserved` blocks more than littlefs sees: the key block of the pairing first
        self.store = store if store is not None else RamStore((blocks + reserved) * 4096)
        self.blocks = blocks
        flash = NorFlash(self.store, block_count=blocks, reserved=reserved)
        super().__init__(serial, {}, flash, LoopPort(), FakeClock(), FakeDisplay(), FakeKeypad())
        self.events = []
        self.rng = Rng(seed)

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank)

    def random_bytes(self, n):
        return self.rng.bytes(n)

    def emit(self, kind, payload):
        self.events.append((kind, payload))

    def reboot(self, seed=2):
        board = FlashBoard(self.serial_number, self.store, self.blocks, seed)
        board.clock = self.clock
        return board


def boot(board, seed_list=()):
    return build(board, opposition_seed=seed_list)


class Agent:
    """The PC's side, frame by frame: `ask()` sends a request and steps the terminal until
    the answer (or nothing) came back."""

    def __init__(self, app, seed=7):
        self.app = app
        self.rng = Rng(seed)
        self.decoder = frame.Decoder()
        self.session = None
        self.seq = 100
        self.pairing = None

    def next_seq(self):
        self.seq += 1
        return self.seq

    def wire(self, mtype, body, seq=None):
        seq = self.next_seq() if seq is None else seq
        if self.session is not None and mtype not in (messages.HELLO, messages.PAIR, messages.AUTH):
            return self.session.encode(mtype, seq, body)
        return frame.encode(mtype, seq, body)

    def exchange(self, data, steps=8):
        """Feed bytes to the terminal, step it; the frames it sent back (sealed ones
        opened: (type, seq, body) tuples; clear ones as frame.Frame)."""
        port = self.app.board.port
        port.feed(data)
        for _ in range(steps):
            self.app.step()
        out = []
        for event in self.decoder.feed(port.take()):
            if isinstance(event, frame.Frame) and isinstance(event.body, bytes) and self.session:
                out.append((event.mtype, event.seq, self.session.open_body(event)))
            elif isinstance(event, frame.Frame):
                out.append((event.mtype, event.seq, event.body))
        return out

    def ask(self, mtype, body, steps=8):
        replies = self.exchange(self.wire(mtype, body), steps)
        assert len(replies) == 1, replies
        return replies[0]

    def pair(self, confirm=True):
        """Open the pairing screen (MENU, 1), pair, press OK; returns the code shown."""
        keys = self.app.board.keypad.keys
        keys.extend(["MENU", "1"])
        self.app.step()
        self.app.step()
        attempt = pairing.AgentPairing("PC-TEST", self.rng.bytes)
        request = attempt.request()
        code = None
        while request is not None:
            mtype, _, reply = self.ask(messages.PAIR, request)
            if mtype == messages.ERROR:
                return reply
            request = attempt.on_reply(reply)
            if attempt.state == "confirming" and code is None:
                code = attempt.code
                assert self.app.pairing.attempt.code == code
                keys.append("OK" if confirm else "CANCEL")
        self.pairing = attempt.pairing
        keys.append("OK")  # close the "paired" screen
        self.app.step()
        return code

    def authenticate(self):
        gate = auth.AgentAuth(self.pairing, self.rng.bytes)
        request = gate.request()
        while request is not None:
            mtype, _, reply = self.ask(messages.AUTH, request)
            if mtype == messages.ERROR:
                return reply
            request = gate.on_reply(reply)
        self.session = gate.session
        return None

    def pull(self, after=0, window=4, max_frames=1000, inflater=None, wbits=0):
        """Read a whole RECORDS stream, granting credit as frames come; checks that the
        terminal never sends beyond the credit. Returns (entries, Puller). `inflater`,
        `wbits`: a deflated stream (Puller's arguments)."""
        puller = Puller(after, window, inflater, wbits)
        seq = self.next_seq()
        entries = []
        replies = self.exchange(self.wire(messages.PULL, puller.restart(seq), seq))
        while replies and puller.frames < max_frames:
            for mtype, rseq, body in replies:
                assert mtype == messages.RECORDS, (mtype, body)
                entries += puller.on_records(rseq, body)
                assert puller.received <= puller.upto, "the terminal sent beyond its credit"
            if puller.ended:
                break
            grant = puller.grant()
            replies = self.exchange(self.wire(messages.PULL, grant, seq)) if grant else []
        return entries, puller
