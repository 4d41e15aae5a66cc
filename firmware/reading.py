"""Reading the cards, stepped by App: CPS read, PIN typed on the keypad and verified, then
the Vitale card read with its checks (validity, opposition list, rights) and shown.

Each `step()` looks at the slots and the key pressed and does at most one card read. A card
read either completes or leaves nothing behind: a pulled, refused or mute card gives a
message screen, an access-log entry (R162-1-10 c) and an event, never partial data.
"""

from firmware import screens
from firmware.cards import choose
from firmware.cards.cps import CpsApp
from firmware.cards.errors import PinBlocked, PinWrong, RightsExpired
from firmware.cards.profile import PIN_LENGTH
from firmware.cards.vitale import VitaleApp, check_validity
from hw import hal
from protocol import dates

CPS_SESSION_S = 4 * 3600  # how long a verified PIN stays good while the CPS stays in


def today(clock):
    """The French civil date (YYYYMMDD) at the terminal's clock: the care date."""
    return dates.today_ymd(clock.now())


class Message:
    """A message screen about one slot. `until_empty`: it goes when that slot is emptied
    (refused cards: "retirez la carte"); otherwise on a key or the next card inserted."""

    def __init__(self, slot, lines, until_empty):
        self.slot = slot
        self.lines = lines
        self.until_empty = until_empty


class Reading:
    def __init__(self, board, access_log, opposition, session_s=CPS_SESSION_S, show=None):
        """`show(lines)`: how to put a screen up during a read (default: the display)."""
        self.board = board
        self.show = show or board.display.show
        self.access_log = access_log
        self.opposition = opposition
        self.session_ms = session_s * 1000
        self.cps = CpsApp(board.slots["cps"])
        self.vitale = VitaleApp(board.slots["vitale"])
        self.cps_card = None  # set once read; the PIN may still be unverified
        self.patient = None  # a fully read VitaleCard, or None
        # The digits typed so far, in place: a fixed buffer is never copied, and is wiped.
        self.pin = bytearray(PIN_LENGTH)
        self.pin_len = 0
        self.tries_left = 0
        self.pin_failed = False
        self.verified_at = 0
        self.message = None
        self.refused = {"cps": False, "vitale": False}  # refused card still in its slot
        self.present = {"cps": False, "vitale": False}
        self.spent = False  # the Vitale card's visit is over: not read again until it leaves
        self.first_row = 0  # scrolling of the patient screen

    # ------------------------------------------------------------ state

    def idle(self):
        """True when nothing is going on: no card, no message (App shows its idle screen)."""
        return self.message is None and not self.present["cps"] and not self.present["vitale"]

    def active(self):
        """True while the reading owns the screen and the keys (App's part protocol)."""
        return not self.idle()

    def cps_ready(self):
        return self.cps_card is not None and self.cps.verified

    def finish_patient(self):
        """The visit of the card read is over (its sheet saved): drop what was read, and do
        not read the card again until it leaves its slot."""
        self.patient = None
        self.spent = self.present["vitale"]

    def _log(self, card, card_id, what):
        who = self.cps_card.holder_id if self.cps_ready() else ""  # type: ignore[union-attr]
        self.access_log.record(self.board.clock.now(), who, card, card_id, what)

    def _emit(self, payload):
        self.board.emit("EVENT", payload)

    def _drop_cps(self):
        self.cps.forget()
        self.cps_card = None
        self.patient = None
        self.vitale.cps_proven = None
        self._clear_pin()

    def _clear_pin(self):
        for i in range(len(self.pin)):
            self.pin[i] = 0
        self.pin_len = 0

    def _fail(self, slot, error, card_id=""):
        """A read or a PIN check ended on `error`: keep nothing, log, report, show."""
        if getattr(error, "slot", None) in self.refused:
            # A slot error names its slot: the CPS pulled during the Vitale read is the CPS's.
            if error.slot != slot:
                card_id = ""
            slot = error.slot
        removed = isinstance(error, (hal.CardRemoved, hal.CardAbsent))
        mute = isinstance(error, hal.CardIOError)
        self.patient = None
        if slot == "cps" or not self.board.slots["cps"].present():
            self._drop_cps()
        self.refused[slot] = not removed and not mute
        reason = type(error).__name__
        self._log(slot, card_id, ("interrompu " if removed else "refus ") + reason)
        self._emit({"error": reason, "slot": slot, "message": str(error)})
        self.message = Message(
            slot, screens.card_error(slot, error), until_empty=not removed and not mute
        )

    # ------------------------------------------------------------ reads

    def _read_cps(self):
        self.show(screens.reading("CPS"))
        card_id = ""
        try:
            # tla's CPS or a real CPS3, by its ATR (firmware/cards/choose.py).
            self.cps = choose.cps_app(self.board.slots["cps"], self.cps)
            card = self.cps.read()
            card_id = card.serial
            check_validity(card.valid_from, card.valid_until, today(self.board.clock))
            self.tries_left = self.cps.tries_left()
        except hal.CardError as e:
            self.cps.forget()
            self._fail("cps", e, card_id)
            return
        self.cps_card = card
        self.pin_failed = False
        self._log("cps", card.serial, "identite,situations,certificat")
        summary = card.summary()
        summary["tries_left"] = self.tries_left
        self._emit({"read": summary})

    def _verify_pin(self):
        pin = self.pin  # CpsApp.verify wipes it
        self.pin = bytearray(PIN_LENGTH)
        self.pin_len = 0
        serial = self.cps_card.serial  # type: ignore[union-attr]
        try:
            self.cps.verify(pin)
        except PinWrong as e:
            self.tries_left = e.tries_left
            self.pin_failed = True
            self._log("cps", serial, "refus PinWrong")
            self._emit({"pin": {"ok": False, "tries_left": e.tries_left}})
            return
        except PinBlocked as e:
            self._emit({"pin": {"ok": False, "blocked": True}})
            self._fail("cps", e, serial)
            return
        except hal.CardError as e:
            self._fail("cps", e, serial)
            return
        self.verified_at = self.board.clock.ticks_ms()
        self._emit({"pin": {"ok": True}})

    def _read_vitale(self):
        self.show(screens.reading("Vitale"))
        card_id = ""
        try:
            # tla's Vitale card or a real Vitale 2, by its ATR (firmware/cards/choose.py).
            self.vitale = choose.vitale_app(self.board.slots["vitale"], self.vitale)
            day = today(self.board.clock)
            card = self.vitale.read(day, self.opposition)
            card_id = card.serial
            self.vitale.read_exemptions(card, self.cps)
            if not [b for b in card.beneficiaries if b.rights_valid(day)]:
                raise RightsExpired()
        except hal.CardError as e:
            self._fail("vitale", e, card_id)
            return
        self.patient = card
        self.first_row = 0
        self._log("vitale", card.serial, "identite,beneficiaires,exonerations")
        self._emit({"read": card.summary()})

    # ------------------------------------------------------------ one step

    def _watch_slots(self):
        """Notice cards arriving and leaving; True when something changed."""
        changed = False
        for name in ("cps", "vitale"):
            now_in = self.board.slots[name].present()
            if now_in == self.present[name]:
                continue
            changed = True
            self.present[name] = now_in
            if now_in:
                if self.message is not None and not self.message.until_empty:
                    self.message = None
                continue
            self.refused[name] = False
            if name == "vitale":
                self.spent = False
            if self.message is not None and self.message.slot == name and self.message.until_empty:
                self.message = None
            dropped_patient = self.patient is not None
            had_data = dropped_patient or (name == "cps" and self.cps_card is not None)
            if name == "cps":
                self._drop_cps()
            self.patient = None
            if had_data:
                # Whatever was read goes with the card (no stale data).
                self._emit({"removed": name})
            if dropped_patient:
                # A patient's data was on the screen: say why it went.
                self.message = Message(
                    name, screens.card_error(name, hal.CardRemoved(name)), until_empty=False
                )
        return changed

    def _key(self, key):
        if self.message is not None:
            if key in (hal.KEY_OK, hal.KEY_CANCEL):
                self.message = None
            return
        if self.cps_card is not None and not self.cps.verified:
            if "0" <= key <= "9" and len(key) == 1 and self.pin_len < PIN_LENGTH:
                self.pin[self.pin_len] = ord(key)
                self.pin_len += 1
            elif key == hal.KEY_BACK and self.pin_len:
                self.pin_len -= 1
                self.pin[self.pin_len] = 0
            elif key == hal.KEY_CANCEL:
                self._clear_pin()
            elif key == hal.KEY_OK and self.pin_len == PIN_LENGTH:
                self._verify_pin()
        elif self.patient is not None:
            rows = len(self.patient.beneficiaries)
            if key == hal.KEY_DOWN and self.first_row + screens.PATIENT_ROWS < rows:
                self.first_row += 1
            elif key == hal.KEY_UP and self.first_row > 0:
                self.first_row -= 1

    def step(self, key=None):
        """One round: slots, key, then at most one card read. True when something happened."""
        busy = self._watch_slots()
        if key is not None:
            busy = True
            self._key(key)
        if self.cps.verified:
            elapsed = self.board.clock.ticks_ms() - self.verified_at
            if elapsed < 0 or elapsed > self.session_ms:
                # The session is over: the card is powered off and the PIN asked again.
                self._drop_cps()
                self._emit({"session": "expired"})
                busy = True
        if self.message is not None:
            return busy
        if self.cps_card is None and self.present["cps"] and not self.refused["cps"]:
            self._read_cps()
            return True
        if (
            self.cps_ready()
            and self.patient is None
            and self.present["vitale"]
            and not self.refused["vitale"]
            and not self.spent
        ):
            self._read_vitale()
            return True
        return busy

    # ------------------------------------------------------------ screen

    def screen(self):
        if self.message is not None:
            return self.message.lines
        if self.refused["cps"] or self.refused["vitale"]:
            return screens.remove_card("CPS" if self.refused["cps"] else "Vitale")
        card = self.cps_card
        if card is None:
            return screens.insert_card("CPS")
        if not self.cps.verified:
            return screens.pin_entry(card.name(), self.pin_len, self.tries_left, self.pin_failed)
        if self.patient is None:
            if self.spent and self.present["vitale"]:
                return screens.remove_vitale_done()
            return screens.insert_vitale(card.name(), card.profession_name())
        return screens.patient(self.patient, self.first_row, today(self.board.clock))
