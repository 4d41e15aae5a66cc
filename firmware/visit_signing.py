# pyright: reportAttributeAccessIssue=false
# (its methods run as part of firmware.visit.Visit, whose state and helpers they use)
"""The end of a visit (firmware/visit.py): payment, the review of the amounts, the signing
by both cards and the save, and what the screen says after it.
"""

import gc
import hashlib

from firmware import entry, screens, signing
from firmware.journal import JournalError
from hw import hal
from protocol import sheet_fields as F
from protocol import sheet_validation

REASON_MENU = ("Ne peut exprimer", "Loc. materiel", "Laboratoire", "Le patient signe")
_REASONS = (F.CANNOT_EXPRESS_WILL, F.DEVICE_RENTAL, F.LABORATORY, None)


class SigningSteps:
    # ------------------------------------------------------------ payment, review, signing

    def _payment(self, index):
        s = self._draft()
        self.pay_cursor = index  # the next sheet's payment menu starts on it
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

    def _reason_menu_opens(self):
        # Only a card that can sign can be kept from signing (R161-43).
        return self.patient is not None and self.patient.cert_id is not None

    def _review_hint(self):
        """The review's last line: MENU named only when it opens the reasons; 'sans' while
        the patient signs (or her Vitale 2 is read for it), 'modif' once a reason is set."""
        if not self._reason_menu_opens():
            return screens.REVIEW_CPS
        if self._draft().unsigned_reason in (None, F.SIGNED_BY_READING):
            return screens.REVIEW_SIGNS
        return screens.REVIEW_REASON

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
        elif key == hal.KEY_MENU and self._reason_menu_opens():
            self.reviewing = False
            self._ask(
                entry.Menu("Patient sans signat.", REASON_MENU),
                self._reason,
                back=self._review,
            )

    def _reason(self, index):
        # "Le patient signe": with a card that signs by being read, the reading stands.
        self._draft().unsigned_reason = _REASONS[index] or signing.unsigned_reason_for(self.patient)
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
        gc.collect()  # the signature and the bundle (460 bytes with a CPS3) then fit low
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
            elif s.unsigned_reason == F.SIGNED_BY_READING:
                what.append("signature par lecture")
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
        self.history = None  # the journal holds one more sheet of hers
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
            "absent_reason": s.absent_reason,
            "copied": done.copied,
        }
