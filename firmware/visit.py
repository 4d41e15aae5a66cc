"""The visit, an App part that continues the card reading it owns: beneficiary chosen, acts and
optional items typed on the keypad, amounts reviewed, the sheet validated, signed by both cards
and saved ("Enregistree no N"). docs/visit.md shows the screens, the keys and the order.

Nothing is written before the signing: a refused input, an abandoned visit or a card pulled
leaves no trace but the access log's. Every check of a value is protocol/sheet_validation's,
run on the draft sheet as each item is typed and on the whole sheet before signing.
"""

import gc
import hashlib

from firmware import entry, screens, signing
from firmware.entry import CANCEL, DONE, OUT
from firmware.journal import JournalError
from firmware.reading import today
from hw import hal
from protocol import dates, nomenclature, sheet_validation, workdays
from protocol import sheet_fields as F
from protocol import tariffs as T
from protocol.sheet import Accident, Act, Beneficiary, Prescription, Sheet

WARN_DAYS = 1  # the idle screen warns when a sheet has this many working days left, or fewer
PER_KM = ("IK",)  # codes rated by distance: the coefficient is km x 100 (protocol/tariffs.py)
MAX_REF_DIGITS = 20  # references typed on the keypad (the sheet allows 32 characters)

# Card exemption codes (docs/cards.md) that name a provision of the sheet's list (R161-42 9°).
_EXEMPTION_OF_CARD = {1: F.LONG_TERM_ILLNESS, 2: F.MATERNITY, 3: F.WORK_RELATED}

# Menu items are at most 17 characters: a menu line is ">1 " and the item (screens.menu).
SHEET_MENU = ("Ajouter un acte", "Options", "Retirer un acte", "Paiement, signer")
OPTIONS_MENU = ("Accident", "Exoneration", "Accord prealable", "Prescription")
ACCIDENT_MENU = ("Cause: un tiers", "Travail, mal. pro", "Pas d'accident")
PAYMENT_MENU = ("Patient paie tout", "Tiers payant tout", "Tiers p.: montant", "Part du patient")
REASON_MENU = ("Ne peut exprimer", "Location materiel", "Laboratoire", "Le patient signe")
_REASONS = (F.CANNOT_EXPRESS_WILL, F.DEVICE_RENTAL, F.LABORATORY, None)


def birth_rank(card, b):
    """Rank of beneficiary `b` among those of `card` born the same day (R161-42 1° b): 1,
    or 2 for the younger twin (twins differ by their rank on the card)."""
    n = 1
    for other in card.beneficiaries:
        if other.birth_date == b.birth_date and other.rank < b.rank:
            n += 1
    return n


def _nothing(*args):
    pass


def _under(found, prefix):
    """The problems of `found` about the field `prefix` or inside it."""
    return [p for p in found if p.path == prefix or p.path.startswith(prefix + ".")]


class Visit:
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
        self.blocked = None  # flash under its reserve: the slots whose cards must leave first
        self.saved = None  # signing.Signed of the sheet just saved, shown until the card leaves

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
        )

    def screen(self):
        if self.blocked:
            return screens.sync_needed(self.storage.salvage)
        if self.message is not None:
            return self.message
        if self.entry is not None:
            if self.entry.kind == "menu":
                return screens.menu(self.entry)
            return screens.typing(self.entry)
        if self.reviewing:
            s = self._draft()
            return screens.review(s.fees, s.third_party, self._vitale_signs())
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
        return busy

    def _refuse_for_room(self):
        """Before a new visit starts (a card arrives with no visit going on): refuse it
        when the flash is under its reserve, so the sheets stored are never at risk."""
        if self.journal is None or self.sheet is not None or self._own_screen():
            return False
        came = []
        for name in ("cps", "vitale"):
            if not self.reading.present[name] and self.board.slots[name].present():
                came.append(name)
        if not came or self.journal.can_accept_sheet():
            return False
        self.blocked = came
        self.board.emit("EVENT", {"refused": "sync needed"})
        return True

    def _wants(self, key):
        """Keys this part takes while the reading's screen shows: a beneficiary's rank on
        the patient screen, MENU (no Vitale card) on the 'insert Vitale' screen."""
        if key is None or self.journal is None:
            return False
        r = self.reading
        if r.patient is not None and self.sheet is None:
            return len(key) == 1 and "0" <= key <= "9"
        return (
            key == hal.KEY_MENU
            and r.cps_ready()
            and r.message is None
            and self.sheet is None
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
        if self.reviewing:
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
        elif key == hal.KEY_MENU:
            self._start_degraded()

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
        return today(self.board.clock)

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

    def _choose_beneficiary(self, rank):
        card = self.reading.patient
        if not self._journal().can_accept_sheet():
            self._say(screens.sync_needed(self.storage.salvage)[:3] + ["OK: continuer"])
            return
        b = card.beneficiary(rank)
        if b is None:
            # The dependant must be on the card (R161-42 1° a).
            self._say(screens.message("Pas de beneficiaire %d sur cette carte." % rank))
            return
        day = self._today()
        if not b.rights_valid(day):
            self._say(screens.message("Droits fermes pour %s: pas de feuille." % b.first_names[0]))
            return
        self.patient = card
        self.who = b
        self._choose_situation()

    def _start_degraded(self):
        """No Vitale card at all (R161-43): the insured's NIR and fund typed, CPS alone."""
        if not self._journal().can_accept_sheet():
            self._say(screens.sync_needed(self.storage.salvage)[:3] + ["OK: continuer"])
            return
        self.patient = None
        self.who = None
        self._ask(
            entry.Digits("Sans carte Vitale", "NIR assure + cle", 15, 15),
            self._degraded_nir,
            back=self._clear,
        )

    def _degraded_nir(self, nir):
        self._ask(
            entry.Digits("Sans carte Vitale", "Caisse (9 chiffres)", 9, 9),
            lambda fund: self._degraded_fund(nir, fund),
            back=self._clear,
        )

    def _degraded_fund(self, nir, fund):
        self._new_sheet(None)
        s = self._draft()
        s.insured = nir
        s.fund = fund
        s.degraded = True
        found = self._problems("insured") + self._problems("fund")
        if self._refused(found, self._clear, self._start_degraded):
            return
        self._choose_situation()

    def _choose_situation(self):
        """The practice situation (R161-42 2° a): asked only when the CPS has several."""
        situations = self._cps().situations
        if len(situations) == 1:
            self._situation_chosen(0)
            return
        self._ask(
            entry.Menu("Lieu d'exercice", [s.place[:17] for s in situations]),
            self._situation_chosen,
            back=self._clear,
        )

    def _situation_chosen(self, index):
        cps = self._cps()
        if self.sheet is None:
            self._new_sheet(self.who)
        s = self._draft()
        s.situation = cps.situations[index].billing
        self.board.emit("EVENT", {"visit": {"degraded": self.patient is None}})
        self._sheet_menu()

    def _new_sheet(self, who):
        cps = self._cps()
        day = self._today()
        profession = int(cps.profession) if cps.profession.isdigit() else 0
        sheet = Sheet(
            nomenclature=nomenclature.version_at(day),
            terminal=self.board.serial_number,
            order_no=1,  # a placeholder for the validator: reserved at signing
            completion=day,
            professional=cps.holder_id,
            profession=profession,
            acts=[],
            fees=0,
        )
        card = self.patient
        if card is not None and who is not None:
            sheet.insured = card.nir
            sheet.fund = who.fund
            if who.rank != 1:
                # R161-42 1° a: the dependant treated, by birth date and rank.
                sheet.beneficiary = Beneficiary(
                    nir=who.nir or None, birth=who.birth_date, birth_rank=birth_rank(card, who)
                )
            sheet.unsigned_reason = signing.unsigned_reason_for(card)
        self.sheet = sheet

    # ------------------------------------------------------------ the sheet menu

    def _sheet_menu(self):
        s = self._draft()
        self.reviewing = False
        self._ask(
            entry.Menu(screens.sheet_title(len(s.acts), s.fees), SHEET_MENU),
            self._sheet_item,
            back=self._confirm_abandon,
        )

    def _sheet_item(self, index):
        if index == 0:
            self._add_act()
        elif index == 1:
            self._ask(entry.Menu("Options", OPTIONS_MENU), self._option)
        elif index == 2:
            if self._draft().acts:
                self._draft().acts.pop()
                nomenclature.price(self._draft())
            self._sheet_menu()
        else:
            self._ask(entry.Menu("Paiement", PAYMENT_MENU), self._payment)

    def _confirm_abandon(self):
        self._ask(
            entry.Menu("Abandonner feuille?", ("Non, continuer", "Oui, abandonner")),
            lambda i: self._clear() if i == 1 else self._sheet_menu(),
        )

    # ------------------------------------------------------------ acts

    def _codes(self):
        s = self._draft()
        return nomenclature.codes(s.nomenclature, s.profession)

    def _add_act(self):
        codes = self._codes()
        n = len(self._draft().acts) + 1
        items = []
        for code in codes:
            items.append(("%-4s%s" % (code, self._tariff(code)[T.LABEL]))[:17])
        self._ask(
            entry.Menu("Acte %d: code" % n, items),
            lambda i: self._act_code(codes[i]),
            out=self._unknown_code,
        )

    def _unknown_code(self, n):
        # R161-42 5°: an act is a code of the nomenclature; the menu lists those allowed.
        path = "acts.%d.code" % (len(self._draft().acts) + 1)
        self.board.emit("EVENT", {"refused": {"field": path, "rule": "unknown"}})
        self._say(
            screens.message("Code d'acte inconnu (%d): choisissez dans la liste." % n),
            self._add_act,
        )

    def _act_code(self, code):
        e = self._tariff(code)
        title = "Acte %d: %s" % (len(self._draft().acts) + 1, code)
        if code in PER_KM:
            self._ask(
                entry.Digits(title, "Distance (km)", 4),
                lambda km: self._act_coef(code, int(km) * 100),
            )
        elif e[T.MIN_COEF] == e[T.MAX_COEF]:
            self._act_coef(code, e[T.MIN_COEF])
        else:
            self._ask(entry.Hundredths(title, "Coefficient", 5), lambda c: self._act_coef(code, c))

    def _act_coef(self, code, coef):
        title = "Acte %d: %s" % (len(self._draft().acts) + 1, code)
        self._ask(
            entry.Date(title, "Date (JJMMAAAA)", self._today()),
            lambda day: self._act_date(code, coef, day),
        )

    def _act_date(self, code, coef, day):
        if self._tariff(code)[T.FLAGS] & T.RANKED:
            # R161-42 7°: the order number of the act that day (1st in full, 2nd at half).
            title = "Acte %d: %s" % (len(self._draft().acts) + 1, code)
            self._ask(
                entry.Digits(title, "Rang (1 ou 2)", 1),
                lambda rank: self._act_done(Act(code=code, coef=coef, date=day, rank=int(rank))),
            )
        else:
            self._act_done(Act(code=code, coef=coef, date=day))

    def _act_done(self, act):
        s = self._draft()
        s.acts.append(act)
        nomenclature.price(s)

        def undo():
            s.acts.pop()
            nomenclature.price(s)

        if not self._refused(self._problems("acts"), undo):
            self._sheet_menu()

    # ------------------------------------------------------------ optional items

    def _option(self, index):
        if index == 0:
            self._ask(entry.Menu("Accident", ACCIDENT_MENU), self._accident_kind)
        elif index == 1:
            self._exemption()
        elif index == 2:
            self._ask(
                entry.Digits("Accord prealable", "Reference", MAX_REF_DIGITS, 0),
                self._agreement,
            )
        else:
            self._ask(
                entry.Date("Prescription", "Date (JJMMAAAA)", self._today()),
                self._prescription_date,
            )

    def _accident_kind(self, index):
        if index == 2:
            self._draft().accident = None
            self._sheet_menu()
            return
        kind = (F.COMMON_ACCIDENT, F.WORK_ACCIDENT)[index]
        self._ask(
            entry.Date("Accident", "Date (JJMMAAAA)", self._today()),
            lambda day: self._ask(
                entry.Digits("Accident", "Reference", MAX_REF_DIGITS, 0),
                lambda ref: self._accident_done(Accident(kind=kind, date=day, ref=ref or None)),
            ),
        )

    def _accident_done(self, accident):
        s = self._draft()
        s.accident = accident
        if not self._refused(self._problems("accident"), lambda: setattr(s, "accident", None)):
            self._sheet_menu()

    def _exemption(self):
        """R161-42 9°: the provision limiting the co-payment, from the card's exemptions for
        this beneficiary (restricted data, read with the verified CPS: R161-33-2)."""
        found = []
        card = self.patient
        if card is not None and card.exemptions is not None:
            day = self._today()
            for e in card.exemptions:
                if e.rank == self._who().rank and e.active(day):
                    found.append(e)
        if not found:
            self._say(
                screens.message("Aucune exoneration sur la carte pour ce patient."),
                self._sheet_menu,
            )
            return
        items = [e.legal_ref[:17] for e in found] + ["Aucune"]
        self._ask(entry.Menu("Exoneration", items), lambda i: self._exemption_chosen(found, i))

    def _exemption_chosen(self, found, index):
        s = self._draft()
        if index >= len(found):
            s.exemption = None
        else:
            code = _EXEMPTION_OF_CARD.get(found[index].code)
            if code is None:
                self._say(
                    screens.message("Exoneration de la carte non prevue sur la feuille."),
                    self._sheet_menu,
                )
                return
            s.exemption = code
        self._sheet_menu()

    def _agreement(self, ref):
        self._draft().agreement = ref or None
        self._sheet_menu()

    def _prescription_date(self, day):
        self._ask(
            entry.Digits("Prescription", "Prescripteur (id)", 11),
            lambda who: self._ask(
                entry.Digits("Prescription", "Reference", MAX_REF_DIGITS),
                lambda ref: self._prescription_done(
                    Prescription(date=day, prescriber=who, ref=ref)
                ),
            ),
        )

    def _prescription_done(self, prescription):
        s = self._draft()
        s.prescription = prescription
        found = self._problems("prescription")
        if not self._refused(found, lambda: setattr(s, "prescription", None)):
            self._sheet_menu()

    # ------------------------------------------------------------ payment, review, signing

    def _payment(self, index):
        s = self._draft()
        if index == 0:
            self._paid(0)
        elif index == 1:
            self._paid(s.fees)
        elif index == 2:
            self._ask(entry.Hundredths("Tiers payant", "Montant", 7, " EUR"), self._paid)
        else:
            self._ask(
                entry.Hundredths("Part du patient", "Montant", 7, " EUR"),
                lambda part: self._paid(s.fees - part),
            )

    def _paid(self, third_party):
        s = self._draft()
        s.third_party = third_party
        s.payment = F.THIRD_PARTY if third_party != 0 else F.PATIENT_PAID
        found = []
        if third_party > sheet_validation.MAX_FEES:
            # A typing slip: no sheet is worth that much (R161-42 8°).
            found = [
                sheet_validation.Problem(
                    "third_party", "absurd", sheet_validation.euros(sheet_validation.MAX_FEES)
                )
            ]
        found += self._problems("third_party") + self._problems("payment")
        if not self._refused(found):
            self._review()

    def _vitale_signs(self):
        return self.patient is not None and self._draft().unsigned_reason is None

    def _review(self):
        """Everything validated, the amounts shown: OK signs, MENU records why the patient
        does not sign (R161-43, R161-46), CANCEL goes back to the sheet."""
        if not self._refused(self._problems()):
            self.reviewing = True

    def _review_key(self, key):
        if key == hal.KEY_OK:
            self.reviewing = False
            self._sign()
        elif key == hal.KEY_CANCEL:
            self._sheet_menu()
        elif key == hal.KEY_MENU and self.patient is not None and self.patient.cert_id is not None:
            self.reviewing = False
            self._ask(
                entry.Menu("Patient sans signat.", REASON_MENU),
                self._reason,
                back=self._review,
            )

    def _reason(self, index):
        self._draft().unsigned_reason = _REASONS[index]
        self._review()

    def _sign(self):
        s = self._draft()
        r = self.reading
        s.completion = self._today()
        if self._refused(self._problems()):
            return
        if not self.board.power_ok():
            # No signing starts on a low battery (hw/drivers/battery.py): a sheet signed
            # and then not saved would leave a copy on the card the terminal does not hold.
            self._say(screens.message("Batterie faible: rechargez puis signez."), self._review)
            self.board.emit("EVENT", {"refused": "battery low"})
            return
        self.show(screens.signing())
        try:
            done = signing.sign_and_save(
                s, r.cps, r.vitale, self.patient, self.journal, self.storage.certs
            )
        except (hal.CardError, JournalError) as e:
            # Nothing saved: the order number reserved, if any, is a gap (R161-44 1°). The
            # patient's card is done with (its message says it all): out, then in again.
            self._clear()
            r.finish_patient()
            self._say(screens.not_saved(self._why(e)))
            self.board.emit("EVENT", {"not_saved": type(e).__name__})
            return
        self._after_save(done)

    def _why(self, error):
        if isinstance(error, (hal.CardRemoved, hal.CardAbsent)):
            return "carte %s retiree." % ("CPS" if error.slot == "cps" else "Vitale")
        if isinstance(error, hal.CardIOError):
            return "carte muette."
        return str(error)

    def _after_save(self, done):
        s = self._draft()
        r = self.reading
        card = self.patient
        log = self.storage.access_log
        if card is not None:
            what = []
            if s.unsigned_reason is None:
                what.append("signature")
            if done.copied is not None:
                what.append("copie" if done.copied else "copie interrompue")
            if what:
                # R162-1-10 c: what was done with the patient's card.
                log.record(
                    self.board.clock.now(),
                    self._cps().holder_id,
                    "vitale",
                    card.serial,
                    ",".join(what),
                )
        # The access log's head goes into the journal with each sheet (docs/journal.md).
        self._journal().anchor_access_log(*log.head_anchor())
        self.board.emit("EVENT", {"saved": self._summary(done)})
        self.sheet = None
        self.who = None
        done.record = None  # the bundle is on flash: only its numbers are shown now
        self.saved = done
        if card is not None:
            r.finish_patient()
        # The visit's garbage (sheet, bundle, card responses) goes now, while little is
        # alive: what the next visit keeps is then laid low in the heap, not between holes.
        gc.collect()

    def _summary(self, done):
        """What a bench may see of a saved sheet: numbers and amounts, no NIR."""
        s = self._draft()
        return {
            "rec": done.rec_no,
            "order": done.order_no,
            "sha256": hashlib.sha256(done.record).digest().hex(),
            "acts": [a.code for a in s.acts],
            "fees": s.fees,
            "third_party": s.third_party,
            "rank": self.who.rank if self.who is not None else None,
            "exemption": s.exemption,
            "unsigned_reason": s.unsigned_reason,
            "degraded": s.degraded,
            "copied": done.copied,
        }

    # ------------------------------------------------------------ idle screen

    def idle_warning(self, now):
        """The idle screen's warning: sync needed (flash under its reserve), or unsynced
        sheets close to their transmission deadline (R161-47 I 1°); None when all is well."""
        j = self.journal
        if j is None:
            return None
        if not j.can_accept_sheet():
            return "Synchro necessaire"
        day = dates.days_to_ymd(dates.paris_day(now))
        least = None
        for third_party in (False, True):
            oldest = j.oldest_unacknowledged_date(third_party)
            if oldest is not None:
                left = workdays.working_days_left(day, oldest, third_party)
                least = left if least is None or left < least else least
        if least is None or least > WARN_DAYS:
            return None
        return screens.deadline_warning(least)
