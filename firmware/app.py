"""The terminal application: a state machine stepped by a main loop, without threads.

`App.step()` does one round of work (serve the link, read the keypad, step each part,
refresh the screen) and returns; `App.run()` loops on it. The emulator steps it directly,
a device runs `run()` forever.

Parts (the card reading, and later the visit, the pairing...) share one protocol:
`step(key) -> bool` (True when something happened), `active() -> bool` and `screen() ->
lines`. They sit in `App.parts` in priority order: the first active part owns the screen
and gets the key pressed; every part is stepped each round (to see cards come and go).
When no part is active the idle screen shows.
"""

import gc

from firmware import screens
from firmware.daylist import DayList
from firmware.idle import Waiting
from firmware.link import Link
from firmware.menu import Menu
from firmware.opposition import MemoryOppositionList, in_flash
from firmware.pairing import PairingPart
from firmware.pairing_store import PairingStore, drop_legacy, key_block_of
from firmware.reading import CPS_SESSION_S, Reading
from firmware.rejected import RejectedSheets
from firmware.storage import Storage
from firmware.sync import Sync
from firmware.version import FIRMWARE_VERSION
from firmware.visit import Visit
from hw.hal import KEY_DOWN, KEY_MENU, KEY_OK, PowerCut
from protocol import dates, messages
from protocol.auth import TerminalAuth

IDLE = "idle"


class App:
    def __init__(self, board, storage=None, opposition=None, cps_session_s=CPS_SESSION_S):
        """`storage`: what is kept in flash (opened from the board when not given);
        `opposition` defaults to the list kept in flash (firmware/opposition.py), which
        the sync fills (an in-memory one on a board without flash);
        `cps_session_s`: how long a verified PIN lasts."""
        self.board = board
        self.storage = storage if storage is not None else Storage(board)
        self.state = IDLE
        # The pairing kept in flash opens sessions; sync messages need one (docs/protocol.md).
        # It lives in a raw block outside littlefs, so that unpairing leaves no copy.
        self.pairings = PairingStore(key_block_of(board.flash))
        drop_legacy(self.storage.fs, self.pairings.problems)
        self.gate = TerminalAuth(self.pairings.load(), board.random_bytes)
        self.link = Link(board.port, self.gate)
        self.link.on(messages.HELLO, self._on_hello)
        self._last_lines = None
        self.failed_steps = 0  # rounds whose part step or screen raised (App._guarded)
        self.access_log = self.storage.access_log
        if opposition is None:  # R161-33-7: the list the PC pushes, kept in flash
            fs = self.storage.fs
            opposition = in_flash(self.storage) if fs is not None else MemoryOppositionList()
        self.opposition = opposition
        # Pairing first: PAIR is answered only while its screen is up (docs/protocol.md).
        self.pairing = PairingPart(board, self.link, self.gate, self.pairings)
        self.rejected = RejectedSheets(board, self.storage.journal)
        self.day = DayList(board, self.storage.journal, self.storage)
        self.asked = None  # a part the user opened from the menu: it owns the screen
        # The menu comes before the visit: it opens on the PIN and 'insert Vitale' screens.
        self.menu = Menu(self.pairing, self.rejected, self.day, self._chosen)
        self.parts: list = [self.pairing, self.menu]
        self.reading = None
        self.visit = None
        self.waiting = Waiting(self.storage.journal, self.storage.fs)
        if "cps" in board.slots and "vitale" in board.slots:
            self.reading = Reading(
                board,
                self.access_log,
                self.opposition,
                cps_session_s,
                show=lambda lines: self._show(lines, False),
            )
            # The visit continues the reading it owns (beneficiary, acts, signing, saving).
            self.visit = Visit(board, self.storage, self.reading)
            self.visit.over_cap = lambda: self.waiting.over_cap(self._today())
            self.parts.append(self.visit)
        # After the visit: a sync's rejected sheets wait for the visit going on to end.
        self.parts.append(self.rejected)
        self.parts.append(self.day)
        self.sync = Sync(board, self.storage, self.opposition, self.link)
        self.sync.on_rejected = self.rejected.open
        self.sync.on_caps = self.waiting.set_caps
        self._idle_key = None
        self.round_list = None  # the round's list, made the first time DOWN opens it
        # The day's round (docs/round.md): its modules load with the first ROUND only.
        self.link.on_sealed(messages.ROUND, self._on_round)
        # Updates (docs/board.md "Updates"): their modules load with the first UPDATE, or
        # when the bootloader says this boot is a trial, a rollback or a damaged slot.
        self.update = None  # firmware/update_store.UpdateTaker, made by the first UPDATE
        self.notice = None  # a screen shown on the idle screen until a key (an update's)
        self.link.on_sealed(messages.UPDATE, self._on_update)
        fs = self.storage.fs
        if fs is not None and (fs.exists("round/day") or fs.exists("round/day.new")):
            from firmware import round_store

            # Before any sheet is saved: a visit taken when the power went is settled
            # against the journal, a round the power cut short is removed.
            round_store.of(self.storage)
        if board.boot_state is not None:
            from firmware.update_boot import settle

            settle(self)  # a new version's self-test and confirmation, or a rollback said

    def _chosen(self, part):
        self.asked = part

    def _today(self):
        return dates.today_ymd(self.board.clock.now())

    # ------------------------------------------------------------ link handlers

    def _on_hello(self, body, seq):
        offer = 0
        if isinstance(body, dict) and "deflate" in body:  # an agent that inflates
            from protocol.deflate_link import hello_offer

            offer = hello_offer(body)
        self.board.emit("EVENT", {"hello": seq})
        return (
            messages.HELLO,
            messages.hello_reply(
                self.board.serial_number,
                FIRMWARE_VERSION,
                self.board.model,
                self.board.name,
                self.storage.flash_state,
                offer,
            ),
        )

    def _on_round(self, body, seq):
        from firmware.round_sync import serve

        return serve(self, body)

    def _on_update(self, body, seq):
        from firmware.update_sync import serve

        return serve(self, body)

    def _update_step(self):
        from firmware.update_sync import step

        return step(self)

    # ------------------------------------------------------------ main loop

    def owner(self):
        """The part that owns the screen and the keys now, or None (idle)."""
        if self.asked is not None:
            if self.asked.active():
                return self.asked
            self.asked = None
        for part in self.parts:
            if part.active():
                return part
        return None

    def refresh_screen(self, force=False):
        owner = self.owner()
        if owner is not None:
            self._show(owner.screen(), force)
            self._idle_key = None
            return
        now = self.board.clock.now()
        key = (now // 60, self.sync.progress(), self.notice)
        if force or key != self._idle_key:
            self._idle_key = key
            if self.state == IDLE and self.notice is not None:
                self._show(self.notice, True)
            elif self.state == IDLE and self.storage.salvage:
                self._show(screens.flash_unreadable(), True)
            elif self.state == IDLE:
                self._show(self._idle_lines(now, key[1]), True)

    def _idle_lines(self, now, sync):
        """The idle screen: the sheets waiting and the nearest deadline, a warning (flash
        damage until a sync has told the PC, sync needed, deadline, caps), or the sync
        running or its result (firmware/idle.py, docs/visit.md "The idle screen")."""
        waiting, warning = self.waiting.lines(self._today())
        if self.storage.flash_state and not self.sync.damage_reported:
            warning = screens.damage_warning(self.storage.damage.affected())
        lines = screens.idle(self.board.model, self.board.serial_number, now, warning, waiting)
        if sync is not None:
            lines[2:] = (
                screens.syncing(sync[1], sync[2])
                if sync[0] == "run"
                else (screens.synced(sync[1], sync[2]))
            )
        return lines

    def _show(self, lines, force):
        if force or lines != self._last_lines:
            self._last_lines = lines
            self.board.display.show(lines)

    def step(self) -> bool:
        """One round of work; True when something happened."""
        busy = self.link.poll()
        if self.sync.pump():
            busy = True
        key = self.board.keypad.get_key()
        if key is not None:
            busy = True
        owner = self.owner()
        if (key is not None and owner is None) or (owner is not None and owner is self.visit):
            self.sync.result = None  # seen, or a visit began: the idle screen shows the sheets
        if key is not None and owner is None and self.notice is not None:
            self.notice = None  # an update's screen, seen
            self._idle_key = None
            key = None
        visit = self.visit
        if key == KEY_MENU and (
            owner is None or visit is not None and owner is visit and visit.waiting()
        ):
            degraded = None
            if owner is not None and visit is not None and visit.can_start_degraded():
                degraded = visit.start_degraded
            self.menu.open(degraded)
            key = None
        elif key == KEY_OK and owner is None and not self.storage.salvage:
            self.day.open()  # OK on the idle screen: the day's sheets and total
            key = None
        elif key == KEY_DOWN and (
            owner is None or visit is not None and owner is visit and visit.waiting()
        ):
            # DOWN on the idle screen, or with a CPS in and no visit going on: the day's
            # round (firmware/roundlist.py); a verified CPS and no Vitale card: OK on a
            # patient starts the visit without the card.
            pick = None
            if owner is not None and visit is not None and visit.can_start_degraded():
                pick = visit.start_round_entry
            if self._round_list(pick) is not None:
                if owner is not None:
                    self.asked = self.round_list  # over the reading's screen
                key = None
        for part in self.parts:
            if self._guarded(part.step, key if part is owner else None):
                busy = True
        if self.update is not None and self._guarded(self._update_step):
            busy = True
        self._guarded(self.refresh_screen)
        return busy

    def _round_list(self, pick=None):
        """Open the round's list when a round is held (its module loads then only)."""
        fs = self.storage.fs
        if self.storage.salvage or fs is None or not fs.exists("round/day"):
            return None
        from firmware.roundlist import RoundList

        if self.round_list is None:
            self.round_list = RoundList(self.storage)
            self.parts.append(self.round_list)
        self.round_list.open(pick)
        return self.round_list

    def _guarded(self, fn, *args):
        """Last resort, like Link.dropped for frames: whatever a part's step or the screen
        raises (a flash error no part caught, no heap) is counted in `failed_steps` and
        the loop goes on; the firmware never dies of a key press. A power cut (emulator,
        power-cut bench) still ends the run."""
        try:
            return fn(*args)
        except PowerCut:
            raise
        except Exception:  # noqa: BLE001 - the terminal must keep serving
            self.failed_steps += 1
            gc.collect()
            return True

    def run(self, max_steps=0):
        self.refresh_screen(force=True)
        self.board.emit("READY", {"serial": self.board.serial_number, "fw": FIRMWARE_VERSION})
        steps = 0
        while not self.board.should_stop():
            if not self.step():
                self.board.idle()
            steps += 1
            if max_steps and steps >= max_steps:
                break
