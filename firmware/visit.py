"""The visit, an App part that continues the card reading it owns: beneficiary chosen, acts and
optional items typed on the keypad, amounts reviewed, the sheet validated, signed by both cards
and saved ("Enregistree no N"). docs/visit.md shows the screens, the keys and the order.

Nothing is written before the signing: a refused input, an abandoned visit or a card pulled
leaves no trace but the access log's. Every check of a value is protocol/sheet_validation's,
run on the draft sheet as each item is typed and on the whole sheet before signing.
"""

from firmware import screens
from firmware.entry import CANCEL, DONE, OUT
from firmware.reading import today
from firmware.visit_items import SheetItems
from firmware.visit_known import KnownSteps
from firmware.visit_patient import PatientSteps, birth_rank
from firmware.visit_signing import SigningSteps
from hw import hal
from protocol import nomenclature, sheet_validation
from protocol.sheet import Sheet

ROUND_FILE = "round/day"  # firmware/round_store.PATH: the round modules load only if it exists


def _nothing(*args):
    pass


def _never() -> bool:
    return False


def _under(found, prefix):
    """The problems of `found` about the field `prefix` or inside it."""
    return [p for p in found if p.path == prefix or p.path.startswith(prefix + ".")]


class Visit(PatientSteps, SheetItems, KnownSteps, SigningSteps):
    def __init__(self, board, storage, reading):
        """`storage`: firmware.storage.Storage (no journal: no sheet can be made);
        `reading`: the Reading part this part continues and steps."""
        self.board = board
        self.storage = storage
        self.journal = storage.journal
        self.reading = reading
        self.show = reading.show
        self.sheet = None  # the draft, None when no visit is going on
        self.patient = None  # the VitaleCard of the visit; None for a degraded sheet
        self.who = None  # the card's beneficiary treated
        self.entry = None  # what the keypad fills now (firmware/entry.py), or None
        self.then = _nothing  # what to do with the entry's value
        self.back = _nothing  # where CANCEL leads
        self.out = _nothing  # what to do with a menu number that names no item
        self.message = None  # lines shown until OK or CANCEL, then `after()`
        self.after = None
        self.reviewing = False
        # Flash under its reserve: the slots whose cards must leave first.
        self.blocked: "list | None" = None
        self.saved = None  # signing.Signed of the sheet just saved, shown until the card leaves
        self.place = None  # (CPS card, situation index) chosen in this CPS session
        self.pay_cursor = 0  # where the payment menu's cursor starts: the last mode chosen
        self.care_day = None  # the date of the acts added now (None: today)
        self.last = None  # (record, date) of the patient's last sheet, offered to do again
        self.last_prescription = None  # ... its prescription, once read (visit_items.py)
        self.last_km = None  # ... its kilometre act (after, code, coef), once read
        self.last_other = None  # the record of this professional's latest sheet, any patient
        self.history = None  # what the journal knows of the patient (patient_history.py)
        self.over_cap = _never  # a hard cap of the practice reached (firmware/idle.py)
        self.round = None  # the round's visit offered for the card read (firmware/visit_round.py)
        self.round_fees = 0
        self.round_index = None  # the round entry the draft comes from
        self.round_id = 0  # ... and the round it is in (firmware/visit_round.py)
        self._round_looked = False  # the card read was looked up (no reference kept to it)

    # ------------------------------------------------------------ what a visit has

    def _draft(self) -> Sheet:
        """The sheet being made; only asked for while a visit is going on."""
        s = self.sheet
        if s is None:
            raise RuntimeError("no visit going on")
        return s

    def _cps(self):
        card = self.reading.cps_card
        if card is None:
            raise RuntimeError("no CPS read")
        return card

    def _who(self):
        who = self.who
        if who is None:
            raise RuntimeError("no beneficiary chosen")
        return who

    def _journal(self):
        j = self.journal
        if j is None:
            raise RuntimeError("no journal on this board")
        return j

    def _tariff(self, code):
        """The nomenclature entry of `code` for the sheet's profession and version."""
        s = self._draft()
        e = nomenclature.lookup(s.nomenclature, s.profession, code)
        if e is None:
            raise ValueError("code %r not in the nomenclature" % code)
        return e

    # ------------------------------------------------------------ part protocol

    def active(self):
        return self._own_screen() or self.reading.active()

    def _own_screen(self):
        return (
            self.blocked is not None
            or self.message is not None
            or self.entry is not None
            or self.reviewing
            or self.saved is not None
            or self.round is not None
        )

    def screen(self):
        if self.blocked:
            if self.journal is not None and self.journal.can_accept_sheet():
                return screens.cap_reached()
            return screens.sync_needed(self.storage.salvage)
        if self.message is not None:
            return self.message
        if self.round is not None:
            from firmware import visit_round

            return visit_round.screen(self)
        if self.entry is not None:
            if self.entry.kind == "menu":
                return screens.menu(self.entry)
            return screens.typing(self.entry)
        if self.reviewing:
            s = self._draft()
            return screens.review(s.fees, s.third_party, self._review_hint())
        if self.saved is not None:
            return screens.saved(self.saved.order_no, self.saved.copied)
        return self.reading.screen()

    def step(self, key=None):
        """One round: the reading first (cards in and out, reads), then this visit."""
        if self.blocked:
            # Refused for lack of room: nothing is read until the cards that came are out.
            for name in self.blocked:
                if self.board.slots[name].present():
                    return key is not None
            self.blocked = None
            return True
        if self._refuse_for_room():
            return True
        mine = self._own_screen() or self._wants(key)
        busy = self.reading.step(None if mine else key)
        if self._follow_cards():
            return True  # a card left: the key was meant for a screen that is gone
        if mine and key is not None:
            self._key(key)
            busy = True
        if self._round_step():
            busy = True
        return busy

    def _round_step(self):
        """The round's hooks (docs/round.md): a card just read is looked up in the round
        when one is held; a sheet saved from it marks its entry done."""
        r = self.reading
        if self.round_index is not None and (self.saved is not None or self.sheet is None):
            from firmware import visit_round

            visit_round.ended(self)  # saved: done; abandoned or not saved: offered again
        card = r.patient
        o = self.round
        if o is not None and o.card is None:
            # An offer without the card: a Vitale card inserted (the card is the truth)
            # or the CPS session gone ends it.
            if card is not None or not r.cps_ready():
                self.round = None
            return False
        if card is None or o is not None and card is not o.card:
            self.round = None
            self._round_looked = False
            return False
        if self._round_looked or self.sheet is not None or self._own_screen():
            return False
        if not r.cps_ready():
            return False  # looked up once the PIN is verified
        # A flag, not the card: the visit's collect after the save frees the card's objects.
        self._round_looked = True
        fs = self.storage.fs
        if fs is None or not fs.exists(ROUND_FILE):
            return False
        from firmware import visit_round

        return visit_round.offer(self)

    def _wants(self, key):
        """Keys this part takes while the reading's screen shows: a beneficiary's rank on
        the patient screen."""
        if key is None or self.journal is None:
            return False
        r = self.reading
        return r.patient is not None and self.sheet is None and len(key) == 1 and "0" <= key <= "9"

    def waiting(self):
        """True while no visit is going on and the reading only waits for a card or a PIN
        (App opens the terminal's menu on MENU then: pairing works with a CPS in)."""
        r = self.reading
        return (
            not self._own_screen()
            and self.sheet is None
            and r.message is None
            and (r.patient is None)
        )

    def start_degraded(self):
        from firmware import visit_nocard

        visit_nocard.by_hand(self)

    def start_round_entry(self, index):
        """OK on a patient of the round's list, no Vitale card (firmware/roundlist.py)."""
        if not self.can_start_degraded():
            return  # the CPS left or a Vitale card came while the list showed
        from firmware import visit_nocard

        visit_nocard.round_entry(self, index)

    def can_start_degraded(self):
        """The 'sheet without the Vitale card' of the menu: a verified CPS, no Vitale card."""
        return (
            self.journal is not None
            and self.waiting()
            and self.reading.cps_ready()
            and not self.board.slots["vitale"].present()
        )

    def _follow_cards(self):
        """Abandon the draft when a card it needs left (or the CPS session ended); True
        when it did."""
        r = self.reading
        if self.saved is not None:
            # Cards out: the visit is over. A failed copy stays on the screen until OK.
            gone = self.patient is not None and not self.board.slots["vitale"].present()
            if (gone or not r.cps_ready()) and self.saved.copied is not False:
                self.saved = None
                self.patient = None
            return False
        if self.sheet is None:
            return False
        if self.patient is None and r.patient is not None:
            self._abandon("Carte Vitale inseree: feuille sans carte abandonnee.")
        elif not r.cps_ready():
            self._abandon("Carte CPS retiree ou session finie: feuille abandonnee.")
        elif self.patient is not None and r.patient is not self.patient:
            self._abandon("Carte Vitale retiree: feuille abandonnee.")
        else:
            return False
        return True

    def _abandon(self, text):
        self._clear()
        self.reading.message = None  # this message says it all
        self._say(screens.message(text))
        self.board.emit("EVENT", {"abandoned": text})

    def _clear(self):
        self.sheet = None
        self.patient = None
        self.who = None
        self.entry = None
        self.reviewing = False
        self.care_day = None
        self.last = None
        self.last_prescription = None
        self.last_km = None
        self.last_other = None
        self.history = None
        self.round = None

    # ------------------------------------------------------------ keys

    def _key(self, key):
        if self.message is not None:
            if key in (hal.KEY_OK, hal.KEY_CANCEL):
                after, self.message, self.after = self.after, None, None
                if after is not None:
                    after()
            return
        if self.saved is not None:
            if key in (hal.KEY_OK, hal.KEY_CANCEL):
                self.saved = None
                self.patient = None
            return
        if self.round is not None:
            from firmware import visit_round

            visit_round.key(self, key)
            return
        if self.reviewing:
            if key == hal.KEY_OK and self.round_index is not None:
                from firmware import visit_round

                visit_round.taking(self)  # before the cards sign (docs/round.md)
            self._review_key(key)
            return
        if self.entry is not None:
            what = self.entry
            got = what.key(key)
            if got == DONE:
                self.entry = None
                self.then(what.value)
            elif got == CANCEL:
                self.entry = None
                self.back()
            elif got == OUT:
                self.entry = None
                self.out(what.value)
            return
        r = self.reading
        if r.patient is not None and self.sheet is None:
            self._choose_beneficiary(int(key))

    def _ask(self, what, then, back=None, out=None):
        """Put up an entry; `then(value)` when done, `back()` on CANCEL (default: the sheet
        menu), `out(n)` for a menu number beyond the items (default: say so, ask again)."""
        self.entry = what
        self.then = then
        self.back = back or self._sheet_menu
        self.out = out or (lambda n: self._not_an_item(n, what))

    def _say(self, lines, after=None):
        self.message = lines
        self.after = after

    def _not_an_item(self, n, what):
        again = self.then, self.back, self.out
        self._say(screens.message("Choix %d inconnu." % n), lambda: self._ask(what, *again))

    # ------------------------------------------------------------ the draft

    def _today(self):
        """The visit's day: the date its sheet was begun on (or its round offer shown),
        kept until it ends, so that a SET_TIME from the PC or midnight in the middle of a
        visit moves none of its dates (docs/visit.md "Messages during a visit"); the
        clock's day when no visit is going on."""
        if self.sheet is not None:
            return self.sheet.completion
        if self.round is not None:
            return self.round.day
        return today(self.board.clock)

    def round_in_use(self) -> bool:
        """True while a visit relies on the round held: its offer on the screen, or a sheet
        drafted from it not yet saved or abandoned (a ROUND that would replace it is
        refused meanwhile: firmware/round_sync.py)."""
        return self.round is not None or self.round_index is not None

    def _facts(self):
        """What the Vitale card says, for the validator: (rights, dependants, NIR, fund)."""
        if self.patient is None:
            return None, None, None, None
        card, who = self.patient, self._who()
        dependants = []
        for b in card.beneficiaries:
            if b.rank != 1:
                dependants.append((b.nir or None, b.birth_date, birth_rank(card, b)))
        return (who.rights_from, who.rights_until), dependants, card.nir, who.fund

    def _problems(self, prefix=None):
        rights, dependants, nir, fund = self._facts()
        found = sheet_validation.problems(
            self._draft(), self._today(), rights, dependants, nir, fund
        )
        return found if prefix is None else _under(found, prefix)

    def _refused(self, found, undo=None, then=None):
        """Show the first problem (it names the field); `undo()` first. True if any."""
        if not found:
            return False
        if undo is not None:
            undo()
        self._say(screens.problem(found[0]), then or self._sheet_menu)
        self.board.emit("EVENT", {"refused": {"field": found[0].path, "rule": found[0].rule}})
        return True
