# pyright: reportAttributeAccessIssue=false
# (its methods run as part of firmware.visit.Visit, whose state and helpers they use)
"""The sheet being typed (firmware/visit.py): its menu, the acts and the optional items
(accident, exemption, prior agreement, prescription, care date), each field checked the
moment it is entered; a refused field is asked again with what was right kept.

The act menu is the visit's loop: a code picked, its rating, then the act menu again, whose
item 0 is the way on ("Payer, signer"; on an empty sheet "Refaire" the patient's last
sheet when the journal holds one). CANCEL leads to the sheet menu (options, remove an act).
"""

from firmware import entry, screens
from protocol import dates, nomenclature
from protocol import sheet_fields as F
from protocol import tariffs as T
from protocol.sheet import Accident, Act
from protocol.sheet_problems import Problem

MAX_REF_DIGITS = 20  # references typed on the keypad (the sheet allows 32 characters)
# Menu items are at most 16 characters: a menu line is ">1 ", the item and room for the 'v'
# that says more items follow (screens.menu).
SHEET_MENU = ("Ajouter un acte", "Options", "Retirer un acte", "Paiement, signer")
OPTIONS_MENU = ("Accident", "Exoneration", "Accord prealable", "Prescription", "Date des soins")
ACCIDENT_MENU = ("Cause: un tiers", "Travail/mal. pro", "Pas d'accident")
PAYMENT_MENU = ("Patient paie", "Tiers payant", "Tiers p. montant", "Part du patient")
_EXEMPTION_OF_CARD = {1: F.LONG_TERM_ILLNESS, 2: F.MATERNITY, 3: F.WORK_RELATED}


# The exemption's short name on the payment menu's title (R161-42 9°).
EXEMPTION_SHORT = {
    F.LONG_TERM_ILLNESS: "ALD",
    F.MATERNITY: "maternite",
    F.WORK_RELATED: "AT/MP",
    F.SOLIDARITY_COVER: "C2S",
}


def exemption_code(card_exemption):
    """The sheet's provision (R161-42 9°) of an exemption of the card, or None."""
    return _EXEMPTION_OF_CARD.get(card_exemption.code)


def rank_acts(sheet):
    """NGAP art. 11 B: among the ranked acts of one day, the one worth most (tariff x
    rating) is rank 1, paid in full, the next rank 2, at half (R161-42 7°): computed, not
    asked. A third one gets rank 3, which the validator refuses."""
    ranked = []
    for act in sheet.acts:
        e = nomenclature.lookup(sheet.nomenclature, sheet.profession, act.code)
        if e is not None and e[T.FLAGS] & T.RANKED and type(act.coef) is int:
            ranked.append((act, e[T.TARIFF] * act.coef))
    for i, (act, worth) in enumerate(ranked):
        n = 1
        for j, (other, more) in enumerate(ranked):
            if j != i and other.date == act.date and (more > worth or (more == worth and j < i)):
                n += 1
        act.rank = n
    nomenclature.price(sheet)


class SheetItems:
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
                rank_acts(self._draft())
            self._sheet_menu()
        else:
            self._pay_menu()

    def _pay_menu(self):
        """The payment; the sheet's exemption said in the title (the card's by default:
        visit_patient._card_default), changeable in Options."""
        exo = self._draft().exemption
        title = "Paiement (exo %s)" % EXEMPTION_SHORT[exo] if exo in EXEMPTION_SHORT else "Paiement"
        self._ask(entry.Menu(title[:20], PAYMENT_MENU, cursor=self.pay_cursor), self._payment)

    def _confirm_abandon(self):
        self._ask(
            entry.Menu("Abandonner feuille?", ("Non, continuer", "Oui, abandonner")),
            lambda i: self._clear() if i == 1 else self._sheet_menu(),
        )

    def _care_day(self):
        return self.care_day or self._today()

    # ------------------------------------------------------------ acts

    def _add_act(self):
        s = self._draft()
        from firmware import act_menu  # loaded with the first visit (heap: tests/test_heap_*)

        codes = act_menu.entries(s.nomenclature, s.profession)
        n = len(s.acts) + 1
        items = [act_menu.label(s.nomenclature, s.profession, c) for c in codes]
        shortcut = None
        if n > 1:
            shortcut = self._pay_menu
            items.insert(0, "Payer, signer")
        elif self.last is not None:
            shortcut = self._repeat
            items.insert(0, "Refaire " + dates.french(dates.ymd_tuple(self.last[1]))[:5])
        base = 1 if shortcut is None else 0
        menu = entry.Menu("Acte %d: code" % n, items, base=base)
        km = self._km_next()
        km_item = -1  # the item that says the patient's kilometres, if one does
        if km is not None and km[0] in codes:
            km_item = menu.cursor = codes.index(km[0]) + 1 - base
            items[km_item] = "%s %d km" % (km[0], km[1] // 100)

        def picked(i):
            # OK on that item adds them; its digit, or OK on another item, is that item.
            if km is not None and i == km_item and menu.with_ok:
                self._act_coef(km[0], km[1])  # OK on the patient's kilometres: added
            elif shortcut is not None and i == 0:
                shortcut()
            elif codes[i + base - 1] == act_menu.SURCHARGES:
                self._surcharges(self._add_act)
            else:
                self._act_code(codes[i + base - 1])

        self._ask(menu, picked, out=self._unknown)

    def _surcharges(self, back, picked=None):
        """The surcharges' menu (firmware/act_menu.py), the cursor on the one the hour or
        the day calls for; `picked(code)` (default: the act typed) or `back()` on CANCEL."""
        s = self._draft()
        from firmware import act_menu

        codes = act_menu.surcharges(s.nomenclature, s.profession)
        hour = dates.paris_hm(self.board.clock.now())[0]
        cursor = act_menu.proposed(s.nomenclature, s.profession, codes, self._care_day(), hour)
        items = [act_menu.label(s.nomenclature, s.profession, c) for c in codes]
        self._ask(
            entry.Menu("Majoration", items, cursor=cursor),
            lambda i: (picked or self._act_code)(codes[i]),
            back=back,
            out=lambda k: self._say(
                screens.message("Choix %d inconnu." % k), lambda: self._surcharges(back, picked)
            ),
        )

    def _unknown(self, n):
        # R161-42 5°: an act is a code of the nomenclature; the menu lists those allowed.
        path = "acts.%d.code" % (len(self._draft().acts) + 1)
        self.board.emit("EVENT", {"refused": {"field": path, "rule": "unknown"}})
        self._say(
            screens.message("Code d'acte inconnu (%d): choisissez dans la liste." % n),
            self._add_act,
        )

    def _act_code(self, code):
        e = self._tariff(code)
        s = self._draft()
        title = "Acte %d: %s" % (len(s.acts) + 1, code)
        again = lambda *_: self._act_code(code)  # noqa: E731
        if e[T.FLAGS] & T.PRESCRIBED and s.prescription is None:
            # R161-44 2°: asked when the act is chosen, not found missing at payment.
            self._ask_prescription("Prescr. obligatoire", again)
        elif e[T.FLAGS] & T.AGREEMENT and s.agreement is None:
            # R161-42 6°: the prior agreement of this act, asked now too.
            self._ask(
                entry.Digits("Accord obligatoire", "Reference", MAX_REF_DIGITS),
                lambda ref: (setattr(s, "agreement", ref), again()),
            )
        elif code in T.PER_KM:
            self._ask_km(code)
        elif e[T.MIN_COEF] == e[T.MAX_COEF]:
            self._act_coef(code, e[T.MIN_COEF])
        else:
            # The rating proposed is 1 when the code allows it (AMI 1: OK alone).
            one = 100 if e[T.MIN_COEF] <= 100 <= e[T.MAX_COEF] else None
            self._ask(
                entry.Hundredths(title, "Coefficient", 5, "", one),
                lambda c: self._act_coef(code, c),
            )

    def _act_coef(self, code, coef):
        """The act, dated the care date, checked at once: a wrong rating is asked again
        (the code kept); any other problem of the act or the prescription is shown."""
        s = self._draft()
        n = len(s.acts) + 1
        if self._out_of_hours(code):
            self._refused([Problem("acts.%d.code" % n, "out_of_hours", code)], None, self._add_act)
            return
        s.acts.append(Act(code=code, coef=coef, date=self._care_day()))
        rank_acts(s)
        found = self._problems("acts.%d" % n) + self._problems("prescription")

        def undo():
            s.acts.pop()
            rank_acts(s)

        coef_wrong = [p for p in found if p.path.endswith(".coef")]
        if coef_wrong:
            self._refused(coef_wrong, undo, lambda: self._act_code(code))
        elif not self._refused(found, undo):
            self._add_act()

    def _out_of_hours(self, code, day=None):
        """A night surcharge typed today outside its hours (NGAP art. 14, the table's HOURS):
        the clock says the hour; a care date in the past is not checked (no hour on it).
        `day`: the act's date (default: the care date)."""
        if (self._care_day() if day is None else day) != self._today():
            return False
        s = self._draft()
        e = nomenclature.lookup(s.nomenclature, s.profession, code)
        if e is None:
            return False  # a code unknown: the validator says so ('code inconnu')
        hour = dates.paris_hm(self.board.clock.now())[0]
        from protocol import ngap_rules

        return ngap_rules.out_of_hours(e, hour)

    def _hour_problems(self):
        """The draft's acts of today outside their hours now: what a round's entry or the
        last sheet again ("Refaire") brings is checked as a code typed is (the one rule)."""
        found = []
        for i, a in enumerate(self._draft().acts):
            if self._out_of_hours(a.code, a.date):
                found.append(Problem("acts.%d.code" % (i + 1), "out_of_hours", a.code))
        return found

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
        elif index == 3:
            self._ask_prescription("Prescription", self._sheet_menu)
        else:
            self._ask(
                entry.Date("Date des soins", "Date (JJMMAAAA)", self._care_day(), self._today()),
                self._care_day_set,
            )

    def _care_day_set(self, day):
        """The date of the acts added from now on (R161-42 3°), checked at once against
        today, the rights and the nomenclature, with an act standing for them."""
        s = self._draft()
        s.acts.append(Act(code="", coef=100, date=day))
        found = self._problems("acts.%d.date" % len(s.acts))
        s.acts.pop()
        if not self._refused(found, None, lambda: self._option(4)):
            self.care_day = day
            self._sheet_menu()

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
        found = self._card_exemptions()
        exo = self._draft().exemption
        if not found and self.patient is None and exo in EXEMPTION_SHORT:
            # No card to choose from: the round's exemption (the PC's) is kept or removed.
            items = ["Garder " + EXEMPTION_SHORT[exo], "Aucune"]
            self._ask(entry.Menu("Exoneration", items), self._round_exemption)
            return
        if not found:
            self._say(
                screens.message("Aucune exoneration sur la carte pour ce patient."),
                self._sheet_menu,
            )
            return
        items = [e.legal_ref[:16] for e in found] + ["Aucune"]
        self._ask(entry.Menu("Exoneration", items), lambda i: self._exemption_chosen(found, i))

    def _round_exemption(self, index):
        if index == 1:
            self._draft().exemption = None
        self._sheet_menu()

    def _card_exemptions(self):
        found = []
        card = self.patient
        if card is not None and card.exemptions is not None:
            day = self._today()
            for e in card.exemptions:
                if e.rank == self._who().rank and e.active(day):
                    found.append(e)
        return found

    def _exemption_chosen(self, found, index):
        s = self._draft()
        if index >= len(found):
            s.exemption = None
        else:
            code = exemption_code(found[index])
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
