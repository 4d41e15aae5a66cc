"""The card-reading scenario through the emulated terminal, firmware under CPython (cards in
SimSlots) and under the real `micropython` (cards served by card servers to the unix
board's vpcd slots), with the same virtual cards and the same terminal API:
the read, blocked PINs, PINs kept out of every output, bad cards, and a card pulled during
every exchange of the scenario."""

import time

import pytest

from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.simboard import SimClock
from emulator.terminal import make_terminal

NOW = 1795000000  # 2026-11-18 12:06 in Paris
GP_PIN = fixtures.pin("gp")
LIVENESS_S = 60.0  # waits for what must come: generous, only a hung terminal reaches it
WRONG_PIN = "7391"


class Run:
    """A started terminal plus everything it printed, showed and traced."""

    def __init__(self, interpreter, flash_path):
        self.interpreter = interpreter
        self.flash_path = flash_path
        self.bridge = PtyBridge().start()
        self.screens = []
        self.seen = []  # every event the test took from the terminal
        self.lines = []
        self.trace = []
        self.app_log = None  # the in-process access log, read before the image closes
        kwargs = {
            "on_show": self.screens.append,
            "opposition": fixtures.OPPOSED_SERIALS,
            "trace": self.trace.append,
            "on_line": self.lines.append,
            "clock": SimClock(start_epoch=NOW),
            "flash_path": str(flash_path),
        }
        self.t = make_terminal(interpreter, self.bridge.terminal_path, **kwargs)
        self.t.start()
        self.t.wait_event("READY", 30)
        self.t.set_time(NOW)

    def next_event(self, timeout=LIVENESS_S):
        event = self.t.wait_event("EVENT", timeout)
        self.seen.append(event)
        return event

    def everything(self):
        """All the terminal said and kept: screens, events, its other output, card traces,
        the access log (in process), the flash image."""
        while not self.t.events.empty():
            self.seen.append(self.t.events.get())
        outputs = [repr(s) for s in self.screens] + [repr(e) for e in self.seen]
        outputs += self.lines + self.trace
        if self.interpreter == "micropython":
            outputs += self.t.stderr_lines
        else:
            if self.app_log is None:
                self.app_log = [repr(e.as_list()) for e in self.t.app.access_log.entries()]
            assert self.app_log, "the access log recorded the card reads"
            outputs += self.app_log
            outputs += [repr(lines) for lines in self.t.board.display.history]
        return "\n".join(outputs), self.flash_path.read_bytes()

    def until(self, key, timeout=LIVENESS_S):
        """The next event carrying `key` (others before it are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_event(max(0.1, deadline - time.monotonic()))
            if key in event:
                return event

    def screen_is(self, first_line, timeout=LIVENESS_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.t.screen and self.t.screen[0] == first_line:
                return True
            time.sleep(0.005)
        return False

    def take_out(self, *slots):
        """Remove cards and wait until the terminal noticed (a hand is never quicker)."""
        for slot in slots:
            self.t.remove(slot)
        deadline = time.monotonic() + LIVENESS_S
        while time.monotonic() < deadline:
            self.t.press("OK")
            time.sleep(0.02)
            if "Inserer" in " ".join(self.t.screen):
                time.sleep(0.02)
                while not self.t.events.empty():  # what it said about the removal
                    self.t.events.get()
                return
        raise AssertionError("the terminal did not notice: %s" % self.t.screen)

    def type_pin(self, pin):
        for key in pin:
            self.t.press(key)
        self.t.press("OK")

    def stop(self):
        if self.interpreter == "cpython" and self.app_log is None and self.t.app is not None:
            # The in-process terminal closes its flash image when it stops: read its access
            # log while the filesystem is still mounted, once the firmware's loop has ended
            # (read while it ran, a file it was replacing could vanish under the walk).
            self.t.halt()
            self.app_log = [repr(e.as_list()) for e in self.t.app.access_log.entries()]
        code = self.t.stop()
        self.bridge.close()
        return code


@pytest.fixture(params=["cpython", "micropython"])
def run(request, tmp_path):
    r = Run(request.param, tmp_path / "flash.img")
    yield r
    assert r.stop() in (0, None)


def test_reading_scenario(run):
    run.t.insert("cps", fixtures.make("gp"))
    cps = run.until("read")["read"]
    assert cps["holder"] == "10001234565" and cps["tries_left"] == 3
    assert run.screen_is("BERNARD CLAIRE")
    run.type_pin(GP_PIN)
    assert run.until("pin") == {"pin": {"ok": True}}
    run.t.insert("vitale", fixtures.make("family"))
    read = run.until("read")["read"]
    assert read["serial"] == "1000000022" and read["ranks"] == [1, 2, 3, 4]
    assert read["exemptions"] == 2 and read["signature_key"] is True
    assert run.screen_is("DUPONT MARIE")
    # Two beneficiaries a screen under the holder, "Choisir le patient" below them.
    deadline = time.monotonic() + LIVENESS_S
    while "4 LEA     05/03/2018" not in run.t.screen and time.monotonic() < deadline:
        run.t.press("DOWN")
        seen = run.t.screen
        while run.t.screen == seen and time.monotonic() < deadline:
            time.sleep(0.01)
    assert run.t.screen[1:3] == ["3 LEO     05/03/2018", "4 LEA     05/03/2018"], run.t.screen
    assert run.t.screen[3].startswith("Choisir le patient")
    run.t.remove("vitale")
    assert run.until("removed") == {"removed": "vitale"}
    assert run.screen_is("Carte retiree")


def test_pin_never_leaks(run):
    run.t.insert("cps", fixtures.make("gp"))
    run.until("read")
    run.type_pin(WRONG_PIN)
    assert run.until("pin") == {"pin": {"ok": False, "tries_left": 2}}
    assert run.screen_is("BERNARD CLAIRE")
    run.type_pin(GP_PIN)
    assert run.until("pin") == {"pin": {"ok": True}}
    run.t.insert("vitale", fixtures.make("family"))
    run.until("read")
    run.t.remove("vitale")
    run.t.remove("cps")
    run.until("removed")
    assert run.stop() in (0, None)
    text, flash = run.everything()
    assert "Code PIN: ****" in text
    if run.interpreter == "micropython":  # the card servers traced the VERIFY, redacted
        assert any("00200081042a2a2a2a" in line for line in run.trace)
    for pin in (GP_PIN, WRONG_PIN):
        assert pin not in text
        assert pin.encode().hex() not in text
        assert pin.encode() not in flash
    run.stop = lambda: 0  # already stopped


def test_three_wrong_pins_block_the_cps(run):
    card = fixtures.make("nurse")
    run.t.insert("cps", card)
    run.until("read")
    for i, pin in enumerate(("7391", "8462")):
        run.type_pin(pin)
        assert run.until("pin") == {"pin": {"ok": False, "tries_left": 1 - i + 1}}
    run.type_pin("5173")
    assert run.until("pin") == {"pin": {"ok": False, "blocked": True}}
    assert run.until("error")["error"] == "PinBlocked"
    assert run.screen_is("Lecteur CPS:")
    assert run.t.screen[1] == "Code PIN bloque."
    # The same card, out and in again: still blocked, refused at once.
    run.take_out("cps")
    run.t.insert("cps", card)
    assert run.until("error")["error"] == "PinBlocked"
    assert card.tries_left == 0
    text, flash = run.everything()
    assert "Code PIN: ****" in text
    for pin in ("7391", "8462", "5173"):
        assert pin not in text and pin.encode() not in flash


@pytest.mark.parametrize(
    "card, error",
    [
        ("unknown", "NotAVitaleCard"),
        ("nurse", "WrongSlot"),
        ("expired-card", "CardExpired"),
        ("opposed", "CardOpposed"),
        ("expired-rights", "RightsExpired"),
        ("mute", "CardIOError"),
    ],
)
def test_bad_vitale_cards(run, card, error):
    run.t.insert("cps", fixtures.make("gp"))
    run.until("read")
    run.type_pin(GP_PIN)
    run.until("pin")
    run.t.insert("vitale", fixtures.make(card))
    got = run.until("error")
    assert got["error"] == error and got["slot"] == "vitale"
    assert run.screen_is("Carte muette" if card == "mute" else "Lecteur Vitale:")
    # The terminal is still there: the card out, another one in, and it reads.
    run.take_out("vitale")
    run.t.insert("vitale", fixtures.make("single"))
    assert run.until("read")["read"]["serial"] == "1000000011"


def test_wrong_card_in_the_cps_slot(run):
    run.t.insert("cps", fixtures.make("family"))
    got = run.until("error")
    assert got == {
        "error": "WrongSlot",
        "slot": "cps",
        "message": "Carte Vitale dans le lecteur CPS.",
    }
    run.take_out("cps")
    run.t.insert("cps", fixtures.make("unknown"))
    assert run.until("error")["error"] == "NotACpsCard"


def _exchanges(card):
    return card.power_ups + card.apdus


def _count_scenario(run):
    """Exchanges each card makes in the whole scenario (a dry run)."""
    gp, family = fixtures.make("gp"), fixtures.make("family")
    run.t.insert("cps", gp)
    run.until("read")
    run.type_pin(GP_PIN)
    run.until("pin")
    run.t.insert("vitale", family)
    run.until("read")
    counts = {"cps": _exchanges(gp), "vitale": _exchanges(family)}
    run.take_out("vitale", "cps")
    return counts


@pytest.mark.parametrize("slot", ["cps", "vitale"])
def test_pulling_a_card_during_each_exchange(run, slot):
    counts = _count_scenario(run)
    assert counts["cps"] > 10 and counts["vitale"] > 15, counts
    for n in range(1, counts[slot] + 1):
        pulled = None
        run.t.insert("cps", fixtures.make("gp"), pull_at=n if slot == "cps" else 0)
        event = run.until("read") if slot == "vitale" else run.next_event()
        if "error" in event:
            pulled = event
        else:
            run.type_pin(GP_PIN)
            event = run.until("pin") if slot == "vitale" else run.next_event()
            if "error" in event:
                pulled = event
            else:
                assert event == {"pin": {"ok": True}}, (n, event)
                run.t.insert(
                    "vitale", fixtures.make("family"), pull_at=n if slot == "vitale" else 0
                )
                pulled = run.next_event()
        assert pulled["error"] == "CardRemoved" and pulled["slot"] == slot, (n, pulled)
        assert run.screen_is("Carte retiree"), (n, run.t.screen)
        # Never partial data: the read event never came; back to a sane state.
        run.take_out("vitale", "cps")
        assert run.t.alive()
    # And afterwards the terminal reads normally.
    run.t.insert("cps", fixtures.make("gp"))
    run.until("read")
    run.type_pin(GP_PIN)
    run.until("pin")
    run.t.insert("vitale", fixtures.make("family"))
    assert run.until("read")["read"]["ranks"] == [1, 2, 3, 4]
