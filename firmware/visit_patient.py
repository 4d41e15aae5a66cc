# pyright: reportAttributeAccessIssue=false
# (its methods run as part of firmware.visit.Visit, whose state and helpers they use)
"""The visit's first steps (firmware/visit.py): the beneficiary chosen on the card, the
degraded sheet without a card, the practice situation (asked once a CPS session), the new
draft sheet, and the patient's last sheet in the journal, which the act menu offers to do
again (same acts, prescription and items, today's date).
"""

from firmware import entry, patient_history, screens, signing
from firmware.visit_items import exemption_code, rank_acts
from protocol import nomenclature
from protocol.ascii import is_digits
from protocol.sheet import Act, Beneficiary, Sheet

LOOK_BACK = patient_history.LOOK_BACK
_decoded = patient_history.decoded


def birth_rank(card, b):
    """Rank of beneficiary `b` among those of `card` born the same day (R161-42 1° b): 1,
    or 2 for the younger twin (twins differ by their rank on the card)."""
    n = 1
    for other in card.beneficiaries:
        if other.birth_date == b.birth_date and other.rank < b.rank:
            n += 1
    return n


def card_exemption_codes(visit):
    """The sheet's provisions of the card's exemptions for the beneficiary, valid today."""
    codes = []
    for e in visit._card_exemptions():
        code = exemption_code(e)
        if code is not None and code not in codes:
            codes.append(code)
    return codes


class PatientSteps:
    def _refuse_for_room(self):
        """Before a new visit starts (a card arrives with no visit going on): refuse it
        when the flash is under its reserve, so the sheets stored are never at risk."""
        if self.journal is None or self.sheet is not None or self._own_screen():
            return False
        came = []
        for name in ("cps", "vitale"):
            if not self.reading.present[name] and self.board.slots[name].present():
                came.append(name)
        if not came or self._no_room() is None:
            return False
        self.blocked = came
        self.board.emit("EVENT", {"refused": "sync needed"})
        return True

    def _no_room(self):
        """The refusal of a new sheet (with OK to go on), or None when one may start: the
        flash under its reserve, or a hard cap of the practice reached. Asked by every way
        a visit starts, the CPS may have stayed in since the cap was reached."""
        if not self._journal().can_accept_sheet():
            return screens.sync_needed(self.storage.salvage)[:3] + ["OK: continuer"]
        if self.over_cap():
            return screens.cap_reached()[:3] + ["OK: continuer"]
        return None

    def _choose_beneficiary(self, rank):
        card = self.reading.patient
        refused = self._no_room()
        if refused:
            self._say(refused)
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
        self.history = None  # a new visit: the journal is read again (its latest sheets)
        if b.fund is None:
            # A Vitale 2's fund is not on the public part of the card (docs/cards.md):
            # the holder's is taken from what the terminal knows (the round, her latest
            # sheet), else the professional types it, as for a sheet without a card.
            from firmware import visit_nocard

            fund, from_round = None, False
            if b.rank == 1:
                fund, _, _, from_round = visit_nocard.known(self, card.nir)
            then = lambda fund: self._fund_typed(b, fund)  # noqa: E731
            visit_nocard.take_fund(self, "Carte Vitale 2", fund, from_round, then)
            return
        self._choose_situation()

    def _fund_typed(self, b, fund):
        b.fund = fund
        self._choose_situation()

    def _choose_situation(self):
        """The practice situation (R161-42 2° a): asked only when the CPS has several, and
        once for the CPS session (the card read once per insertion, its PIN verified)."""
        cps = self._cps()
        situations = cps.situations
        if len(situations) == 1:
            self._situation_chosen(0)
            return
        if self.place is not None and self.place[0] is cps:
            self._situation_chosen(self.place[1])
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
        self.place = (cps, index)
        s = self._draft()
        s.situation = cps.situations[index].billing
        self.board.emit("EVENT", {"visit": {"degraded": self.patient is None}})
        self._card_default()
        self.last = self._last_sheet()
        self.last_prescription = self.last_km = None  # read from it when first asked
        self._add_act()

    def _card_default(self):
        """What the card says, as defaults (issue 23): the beneficiary's one exemption
        valid today goes on the sheet (R161-42 9°), and with it the payment menu starts on
        third-party payment (an exempted patient's share is the fund's); shown on the
        payment menu's title, changeable in Options. Several: none chosen for her."""
        codes = card_exemption_codes(self)
        if len(codes) == 1:
            self._draft().exemption = codes[0]
            self.pay_cursor = 1

    # ------------------------------------------------------------ the last sheet

    def _last_sheet(self):
        """(record number, completion date) of the latest sheet of this professional for
        this patient (the card's, or without the card the draft's NIR) among the journal's
        last LOOK_BACK (not one the PC rejected), or None. The latest sheet of this
        professional, any patient, is kept too (`last_other`): its prescriber is proposed
        for a patient the journal does not know. One scan for this and the fund
        (firmware/patient_history.py)."""
        s = self._draft()
        h = self._history(s.insured, s.beneficiary)
        self.last_other = h.last_other
        return h.last

    def _history(self, nir, beneficiary=None):
        """What the journal knows of this patient: scanned once a visit, then reused."""
        professional = self._cps().holder_id
        h = self.history
        if h is None or not h.of(nir, beneficiary, professional):
            h = self.history = patient_history.scan(self.journal, nir, beneficiary, professional)
        return h

    def _repeat(self):
        """The last sheet again: its acts (dated today), prescription, agreement, accident,
        and its exemption when the card still gives it; checked as a whole. Refused, the
        sheet stays empty and the act menu comes back without the offer."""
        last, self.last = self.last, None
        rec = self._journal().get(last[0]) if last is not None else None
        s = self._draft()
        if rec is None:  # purged meanwhile (a sync's acknowledgement and retention)
            self._add_act()
            return
        old = _decoded(rec.payload)
        for a in old.acts:
            s.acts.append(Act(code=a.code, coef=a.coef, date=self._care_day()))
        s.prescription, s.agreement, s.accident = old.prescription, old.agreement, old.accident
        if old.exemption in card_exemption_codes(self):
            s.exemption = old.exemption
        rank_acts(s)
        found = [p for p in self._problems() if p.path not in ("payment", "third_party")]
        found = self._hour_problems() + found  # a night surcharge of a night visit, by day

        def undo():
            s.acts = []
            s.prescription = s.agreement = s.accident = s.exemption = None
            rank_acts(s)

        if not self._refused(found, undo, self._add_act):
            self.pay_cursor = 0 if not old.third_party else 1 if old.third_party == old.fees else 2
            self._add_act()

    def _new_sheet(self, who):
        cps = self._cps()
        day = self._today()
        profession = int(cps.profession) if is_digits(cps.profession) else 0
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
