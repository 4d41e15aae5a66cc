"""What a scenario file says and how its steps are played, in one place: the step kinds, the
keys, the expectations; and a player that steps an App in this very process. Portable: the
power-cut bench plays its day with it under micropython too.

A scenario (emulator/scenarios/*.json) is {"name", "description", "start" (epoch seconds),
"setup": [steps], "visits": [{"name", "steps"}], "teardown": [steps]}. A step does one
action and says what must follow it:

    {"insert": "cps", "card": "gp", "screen": "Code PIN"}     a fixture card into a slot
    {"remove": "vitale", "screen": "Inserer carte Vitale"}      a card out
    {"keys": "4827 OK", "screen": "Inserer carte Vitale"}      keys: digits and key names
    {"clock": 1795000000} / {"advance": 1200}                   the terminal's clock set/moved
    {"screen": "Enregistree no 1"}                              an expectation alone
    {"saved": {"acts": ["VG", "MD"], "third_party": 0}}         the sheet saved since
    {"event": {"refused": {"field": "acts.1.date"}}}            an event reported since

"screen" is a text that a screen shown after the action holds (any line); "saved" and
"event" match a subset of what the terminal reported. An expectation alone looks at what
followed the last action (and at the screen now). Every card or key step carries an
expectation, so that the next step waits for the terminal to have done it.
"""

import json

from hw import hal
from protocol.ascii import is_digits

ACTIONS = ("insert", "remove", "keys", "clock", "advance")
KEPT = 16  # screens and events a player keeps (an expectation looks at those of one step)
EXPECTATIONS = ("screen", "saved", "event")


class ScenarioError(Exception):
    """A scenario file that cannot be played, or an expectation the terminal did not meet."""


def load(path):
    """The scenario in the JSON file `path`, checked (ScenarioError says what is wrong)."""
    with open(path) as f:
        try:
            scenario = json.load(f)
        except ValueError as e:
            raise ScenarioError("%s: not JSON (%s)" % (path, e)) from None
    check(scenario, path)
    return scenario


def check(scenario, where="scenario"):
    if not isinstance(scenario, dict):
        raise ScenarioError("%s: a scenario is a JSON object" % where)
    for key in ("name", "start", "visits"):
        if key not in scenario:
            raise ScenarioError("%s: %r is missing" % (where, key))
    for part in ("setup", "teardown"):
        _check_steps(scenario.get(part, []), "%s %s" % (where, part))
    for visit in scenario["visits"]:
        _check_steps(visit.get("steps", []), "%s visit %s" % (where, visit.get("name", "?")))


def _check_steps(steps, where):
    for i, step in enumerate(steps):
        actions = [k for k in step if k in ACTIONS]
        known = ACTIONS + EXPECTATIONS + ("card", "pull_at", "note")
        unknown = [k for k in step if k not in known]
        if unknown or len(actions) > 1:
            raise ScenarioError("%s step %d: unknown or several actions: %r" % (where, i + 1, step))
        if actions and actions[0] in ("insert", "remove", "keys"):
            if not [k for k in step if k in EXPECTATIONS]:
                raise ScenarioError(
                    "%s step %d: a card or key step says what must follow it" % (where, i + 1)
                )
        if "insert" in step and "card" not in step:
            raise ScenarioError("%s step %d: insert names a fixture card" % (where, i + 1))


def split_keys(text):
    """'4827 OK 1 2' -> ['4', '8', '2', '7', 'OK', '1', '2']: key names, digits one by one."""
    out = []
    for word in text.split():
        if word in hal.KEYS:
            out.append(word)
        elif is_digits(word):  # 0-9: the keypad has no other digit (protocol/ascii.py)
            for ch in word:
                out.append(ch)
        else:
            raise ScenarioError("no such key on the terminal: %r" % word)
    return out


def subset_problems(expected, got, where=""):
    """What differs between `expected` and the same keys of `got` (nested dicts)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return ["%s: expected %r, got %r" % (where or "value", expected, got)]
        out = []
        for key in expected:
            out += subset_problems(
                expected[key], got.get(key, "<absent>"), (where + "." if where else "") + key
            )
        return out
    if expected != got:
        return ["%s: expected %r, got %r" % (where or "value", expected, got)]
    return []


def screen_holds(lines, text):
    for line in lines:
        if text in line:
            return True
    return False


def _event_named(events, name):
    return [e[name] for e in events if isinstance(e, dict) and name in e]


def expectation_met(step, screens, events, current):
    """None when every expectation of `step` is met by the screens and events seen since
    its action (and the current screen for an expectation alone), else what is missing."""
    if "screen" in step:
        seen = list(screens)
        if not [k for k in step if k in ACTIONS]:
            seen.append(current)
        if not [s for s in seen if screen_holds(s, step["screen"])]:
            return "no screen showed %r (now %r)" % (step["screen"], current)
    if "saved" in step:
        saved = _event_named(events, "saved")
        if not saved:
            return "no sheet was saved (now %r)" % (current,)
        problems = subset_problems(step["saved"], saved[-1], "saved")
        if problems:
            return "; ".join(problems)
    if "event" in step:
        want = step["event"]
        name = want if isinstance(want, str) else list(want)[0]
        found = _event_named(events, name)
        if not found:
            return "no %r event (now %r)" % (name, current)
        if isinstance(want, dict):
            problems = [subset_problems(want[name], f, name) for f in found]
            if not [p for p in problems if not p]:
                return "; ".join(problems[-1])
    return None


def play(driver, scenario, skip=None):
    """Play `scenario` on `driver`: its setup, each visit (unless `skip(visit)` is true),
    its teardown. ScenarioError names the step that failed. `scenario["visits"]` may be a
    generator: a long day is then never whole in RAM."""
    driver.set_time(scenario["start"])
    _play_steps(driver, scenario.get("setup", []), "setup")
    for visit in scenario["visits"]:
        if skip is not None and skip(visit):
            continue
        _play_steps(driver, visit.get("steps", []), "visit %s" % visit.get("name", "?"))
    _play_steps(driver, scenario.get("teardown", []), "teardown")


def _play_steps(driver, steps, where):
    mark = driver.mark()
    for i, step in enumerate(steps):
        if [k for k in step if k in ACTIONS]:
            mark = driver.mark()  # an expectation alone looks since the last action
        if "insert" in step:
            driver.insert(step["insert"], step["card"], step.get("pull_at", 0))
        elif "remove" in step:
            driver.remove(step["remove"])
        elif "keys" in step:
            for key in split_keys(step["keys"]):
                driver.press(key)
        elif "clock" in step:
            driver.set_time(step["clock"])
        elif "advance" in step:
            driver.advance(step["advance"])
        missing = driver.expect(mark, step)
        if missing is not None:
            raise ScenarioError("%s, step %d %s: %s" % (where, i + 1, _brief(step), missing))


def _brief(step):
    return json.dumps(step)


# ---------------------------------------------------------------- an App in this process


class NullPort(hal.Port):
    """A serial port with no cable: the link part has nothing to serve."""

    def read(self, max_bytes=256):
        return b""

    def write(self, data):
        return len(data)

    def close(self):
        pass


class VirtualClock(hal.Clock):
    """Time that moves only when told to (and a little at each idle round)."""

    def __init__(self, now=0):
        self._now = now
        self._ticks = 0

    def now(self):
        return self._now + self._ticks // 1000

    def set(self, epoch_seconds):
        self._now = epoch_seconds - self._ticks // 1000

    def ticks_ms(self):
        return self._ticks

    def sleep_ms(self, ms):
        self._ticks += ms


class HistoryDisplay(hal.Display):
    def __init__(self):
        self.lines = [""] * 4
        self.count = 0
        self.recent = []  # the last screens shown, with their numbers

    def show(self, lines):
        lines = [str(line)[:20] for line in list(lines)[:4]]
        while len(lines) < 4:
            lines.append("")
        if lines != self.lines:
            self.lines = lines
            self.count += 1
            self.recent.append((self.count, lines))
            if len(self.recent) > KEPT:
                self.recent.pop(0)


class ListKeypad(hal.Keypad):
    def __init__(self):
        self.keys = []

    def get_key(self):
        return self.keys.pop(0) if self.keys else None


class PlayBoard(hal.Board):
    """The terminal's board for a player in this process: `slots` from the hands that move
    the cards, the given flash, a virtual clock, a display that keeps its recent screens."""

    name = "play"

    def __init__(self, flash, slots, serial_number="TLA-PLAY-0001", start=0):
        hal.Board.__init__(
            self,
            serial_number,
            slots,
            flash,
            NullPort(),
            VirtualClock(start),
            HistoryDisplay(),
            ListKeypad(),
        )
        self.events = []
        self.event_count = 0

    def filesystem(self, format_if_blank=True):
        from hw._compat import mount_littlefs

        return mount_littlefs(self.flash, format_if_blank)

    def emit(self, kind, payload):
        if kind == "EVENT":
            self.event_count += 1
            self.events.append((self.event_count, payload))
            if len(self.events) > KEPT:
                self.events.pop(0)


class AppDriver:
    """Plays steps on `app` (a firmware.app.App on a PlayBoard) by stepping it until it has
    nothing left to do; cards move through `hands` (insert(slot, fixture name, pull_at),
    remove(slot))."""

    def __init__(self, app, hands, max_rounds=400):
        self.app = app
        self.board = app.board
        self.hands = hands
        self.max_rounds = max_rounds

    def settle(self):
        """Step until no key waits and two rounds in a row did nothing."""
        quiet = 0
        for _ in range(self.max_rounds):
            busy = self.app.step()
            if busy or self.board.keypad.keys:
                quiet = 0
            else:
                quiet += 1
                if quiet >= 2:
                    return
                self.board.clock.sleep_ms(5)
        raise ScenarioError("the terminal never settles (screen %r)" % (self.board.display.lines,))

    def mark(self):
        return self.board.display.count, self.board.event_count

    def insert(self, slot, card, pull_at=0):
        self.hands.insert(slot, card, pull_at)
        self.settle()

    def remove(self, slot):
        self.hands.remove(slot)
        self.settle()

    def press(self, key):
        self.board.keypad.keys.append(key)
        self.settle()

    def set_time(self, epoch):
        self.board.clock.set(epoch)
        self.settle()

    def advance(self, seconds):
        self.board.clock.set(self.board.clock.now() + seconds)
        self.settle()

    def expect(self, mark, step):
        screens = [lines for n, lines in self.board.display.recent if n > mark[0]]
        events = [e for n, e in self.board.events if n > mark[1]]
        return expectation_met(step, screens, events, self.board.display.lines)
