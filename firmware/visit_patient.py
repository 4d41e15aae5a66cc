# pyright: reportAttributeAccessIssue=false
# (its methods run as part of firmware.visit.Visit, whose state and helpers they use)
"""The visit's first steps (firmware/visit.py): the beneficiary chosen on the card, the
degraded sheet without a card, the practice situation, and the new draft sheet.
"""

from firmware import entry, screens, signing
from protocol import nomenclature
from protocol.sheet import Beneficiary, Sheet


def birth_rank(card, b):
    """Rank of beneficiary `b` among those of `card` born the same day (R161-42 1° b): 1,
    or 2 for the younger twin (twins differ by their rank on the card)."""
    n = 1
    for other in card.beneficiaries:
        if other.birth_date == b.birth_date and other.rank < b.rank:
            n += 1
    return n


class PatientSteps:
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
