"""`tla-emu tui`: the bench view of an emulated terminal, full screen (Textual).

The terminal's 4 x 20 display as the firmware draws it, its keypad on the PC's keyboard
(and as buttons), a fixture card to insert or pull in each slot, the events the firmware
reports, and the path of its serial pty, which `tla-agent` opens while the view runs. The
terminal is the one `tla-emu run` starts (emulator/bench.py), under CPython or micropython.

Everything the terminal sends (screen lines, events, micropython's messages) is shown as
plain text, never read as markup, and stripped of control characters.
"""

import json
import queue

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Label, RichLog, Select, Static

from emulator.bench import Bench, BootError
from emulator.cards import fixtures
from emulator.cards_cli import _details

WIDTH = 20  # the terminal's display: 4 lines of 20 characters (docs/visit.md)

# PC key -> terminal key (hw/hal.py KEYS). Esc is the terminal's ANNUL key (KEY_CANCEL).
KEYMAP = {str(d): str(d) for d in range(10)}
KEYMAP.update(
    {
        "enter": "OK",
        "escape": "CANCEL",
        "backspace": "BACK",
        "up": "UP",
        "down": "DOWN",
        "m": "MENU",
        "M": "MENU",
        "f2": "MENU",
    }
)
# The keypad's buttons: (label on the button, terminal key). Labels as on the terminal.
BUTTONS = (("MENU", "MENU"), ("UP", "UP"), ("DOWN", "DOWN"), ("<-", "BACK"))
BUTTONS_2 = (("ANNUL", "CANCEL"), ("OK", "OK"))
DEFAULT_CARD = {"vitale": "single", "cps": "gp"}
# The cards from the keyboard: (PC key, action, footer text). Letters other than M are no
# key of the terminal's; the F keys do the same for a keyboard layout without them.
CARD_KEYS = (
    ("v", "toggle('vitale')", "Vitale in/out"),
    ("V", "next_card('vitale')", "next Vitale"),
    ("c", "toggle('cps')", "CPS in/out"),
    ("C", "next_card('cps')", "next CPS"),
    ("f5", "toggle('vitale')", "Vitale in/out"),
    ("f6", "next_card('vitale')", "next Vitale"),
    ("f7", "toggle('cps')", "CPS in/out"),
    ("f8", "next_card('cps')", "next CPS"),
)
HELP = (
    "Keys: 0-9, Enter = OK, Esc = ANNUL, Backspace = <-, Up/Down, M or F2 = MENU.\n"
    "Cards: V or F5 inserts/pulls the Vitale card, Shift+V or F6 puts the next card of the "
    "list in; C or F7, Shift+C or F8 the same for the CPS slot. Ctrl+Q quits."
)
SLOT_LABEL = {"vitale": "Vitale slot", "cps": "CPS slot"}


def plain(text) -> str:
    """Untrusted text with every control or non-ASCII character shown as '?'."""
    return "".join(c if " " <= c <= "~" else "?" for c in str(text))


def display_text(lines) -> Text:
    """The 4 x 20 display as a Text (a Text is never parsed for markup)."""
    rows = [plain(line)[:WIDTH].ljust(WIDTH) for line in (list(lines) + [""] * 4)[:4]]
    return Text("\n".join(rows))


def card_choices():
    """(label, fixture name) of every fixture card, Vitale cards first, then CPS, bad."""
    out = []
    for name, kind, _description in fixtures.names():
        _serial, holder, _ = _details(name, kind)
        label = "%s (%s%s)" % (name, kind, ", " + holder if holder else "")
        out.append((Text(label), name))
    return out


class TerminalView(App):
    """The bench view of one emulated terminal (module docstring)."""

    TITLE = "tla-emu tui"
    CSS = """
    #top { height: auto; }
    #left { width: 34; height: auto; }
    #display { width: 24; height: 6; border: round $accent; padding: 0 1; }
    .keys { height: auto; }
    .keys Button { min-width: 6; width: auto; margin: 0 1 0 0; }
    #right { height: auto; padding: 0 1; }
    #port { margin: 0 0 1 0; }
    .slot { height: auto; margin: 0 0 1 0; }
    .slot Label { width: 24; }
    .slot Select { width: 34; }
    .slot Button { min-width: 8; width: auto; margin: 0 0 0 1; }
    #log { height: 1fr; border: round $panel; }
    """
    # Priority: the keys are the terminal's whatever widget has the focus.
    BINDINGS: list[BindingType] = [
        *(
            Binding(pc, "key('%s')" % key, key, show=False, priority=True)
            for pc, key in KEYMAP.items()
        ),
        *(
            Binding(pc, action, text, show=pc.startswith("f"), priority=True)
            for pc, action, text in CARD_KEYS
        ),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, interpreter="cpython", **bench_options):
        """`bench_options`: Bench's (serial, flash, baud, heapsize, slots), as `tla-emu run`
        takes them; the terminal starts when the view does."""
        super().__init__()
        self.interpreter = str(interpreter)
        self.bench_options = bench_options
        self.bench: Bench | None = None
        self.cards: dict[str, str | None] = {"vitale": None, "cps": None}  # what the bench put in
        self.lines: queue.Queue = queue.Queue()  # micropython's messages, from its threads
        self.shown = -1  # the terminal's screen_count drawn last
        self.boot_error = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            with Vertical(id="left"):
                yield Static(display_text([]), id="display")
                for row in (BUTTONS, BUTTONS_2):
                    with Horizontal(classes="keys"):
                        for label, key in row:
                            yield Button(label, id="key-" + key.lower(), compact=True)
            with Vertical(id="right"):
                yield Static("", id="port")
                for slot in ("vitale", "cps"):
                    with Horizontal(classes="slot"):
                        yield Label("", id="label-" + slot)
                        yield Select(
                            card_choices(),
                            value=DEFAULT_CARD[slot],
                            allow_blank=False,
                            id="card-" + slot,
                            compact=True,
                        )
                        yield Button("Insert", id="insert-" + slot, compact=True)
                        yield Button("Pull", id="pull-" + slot, compact=True)
                yield Static(HELP, id="help")
        yield RichLog(id="log", markup=False, highlight=False, wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False  # Enter and the arrows are the terminal's, not theirs
        self.query_one("#display", Static).border_title = "Ecran"
        self.query_one("#log", RichLog).border_title = "Event log"
        self.bench = Bench(self.interpreter, **self.bench_options, on_line=self.lines.put)
        try:
            ready = self.bench.boot()
        except BootError as e:
            self.boot_error = str(e)
            self.log_line("error: %s" % e)
            ready = {}
        for spec in self.bench.slots:
            slot, _, source = spec.partition("=")
            self.cards[slot] = (
                source[len("fixture:") :] if source.startswith("fixture:") else source
            )
        self.query_one("#port", Static).update(
            Text(
                "Serial port: %s\nTerminal %s, firmware %s, under %s"
                % (
                    self.bench.port,
                    plain(self.bench.terminal.serial_number),
                    plain(ready.get("fw", "?")),
                    self.bench.interpreter,
                )
            )
        )
        self.show_slots()
        self.refresh_view()
        self.set_interval(0.05, self.refresh_view)

    def on_unmount(self) -> None:
        self.stop_terminal()

    def stop_terminal(self):
        """End the firmware (its thread or micropython process), its card servers and the
        pty bridge; returns the firmware's exit code."""
        if self.bench is not None:
            return self.bench.stop()
        return None

    # ------------------------------------------------------------ what the terminal says

    def log_line(self, text) -> None:
        self.query_one("#log", RichLog).write(Text(plain(text)))

    def refresh_view(self) -> None:
        if self.bench is None:
            return
        terminal = self.bench.terminal
        if terminal.screen_count != self.shown:
            self.shown = terminal.screen_count
            self.query_one("#display", Static).update(display_text(terminal.screen))
        while True:
            try:
                kind, payload = terminal.events.get_nowait()
            except queue.Empty:
                break
            if kind == "EVENT":
                self.log_line("event: " + json.dumps(payload, sort_keys=True))
            elif kind in ("CRASH", "EXIT"):
                self.log_line("the terminal stopped: %s" % (payload,))
        while True:
            try:
                self.log_line("micropython: " + self.lines.get_nowait())
            except queue.Empty:
                break

    def show_slots(self) -> None:
        for slot in ("vitale", "cps"):
            self.query_one("#label-" + slot, Label).update(
                Text("%s: %s" % (SLOT_LABEL[slot], self.cards[slot] or "(empty)"))
            )

    # ------------------------------------------------------------ what the bench does

    def running(self) -> bool:
        return self.bench is not None and not self.boot_error and self.bench.terminal.alive()

    def action_key(self, key: str) -> None:
        if self.running():
            assert self.bench is not None
            self.bench.terminal.press(key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        what, _, name = (event.button.id or "").partition("-")
        if what == "key":
            self.action_key(name.upper())
        elif what == "insert":
            self.insert(name, str(self.query_one("#card-" + name, Select).value))
        elif what == "pull":
            self.pull(name)

    def insert(self, slot, card) -> None:
        """Put fixture card `card` into `slot` (the one there is pulled first)."""
        if not self.running():
            self.log_line("no terminal running: %s stays out" % card)
            return
        assert self.bench is not None
        try:
            self.bench.terminal.remove(slot)
            self.bench.terminal.insert(slot, fixtures.make(card))
        except (KeyError, ValueError, RuntimeError, OSError) as e:
            self.log_line("cannot insert %s: %s" % (card, e))
            return
        self.cards[slot] = card
        self.log_line("bench: %s inserted in the %s slot" % (card, slot))
        self.show_slots()

    def pull(self, slot) -> None:
        if not self.running() or self.cards[slot] is None:
            return
        assert self.bench is not None
        try:
            self.bench.terminal.remove(slot)
        except (ValueError, RuntimeError, OSError) as e:
            self.log_line("cannot pull the %s card: %s" % (slot, e))
            return
        self.log_line("bench: %s pulled from the %s slot" % (self.cards[slot], slot))
        self.cards[slot] = None
        self.show_slots()

    # ------------------------------------------------------------ cards from the keyboard

    def action_toggle(self, slot: str) -> None:
        """Insert the card chosen in `slot`'s list, or pull the one in it."""
        if self.cards.get(slot) is None:
            self.insert(slot, str(self.query_one("#card-" + slot, Select).value))
        else:
            self.pull(slot)

    def action_next_card(self, slot: str) -> None:
        """Choose the next card of `slot`'s list (round the end) and put it in the slot."""
        names = [name for _, name in card_choices()]
        chooser = self.query_one("#card-" + slot, Select)
        now = str(chooser.value)
        card = names[(names.index(now) + 1) % len(names)] if now in names else names[0]
        chooser.value = card
        self.insert(slot, card)
