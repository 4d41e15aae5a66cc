# pyright: reportAttributeAccessIssue=false
# (its methods run as part of firmware.visit.Visit, whose state and helpers they use)
"""The sheet being typed (firmware/visit.py): its menu, the acts and the optional items
(accident, exemption, prior agreement, prescription), each checked as it is entered.
"""

from firmware import entry, screens
from protocol import nomenclature
from protocol import sheet_fields as F
from protocol import tariffs as T
from protocol.sheet import Accident, Act, Prescription

PER_KM = ("IK",)  # codes rated by distance: the coefficient is km x 100 (protocol/tariffs.py)
MAX_REF_DIGITS = 20  # references typed on the keypad (the sheet allows 32 characters)
_EXEMPTION_OF_CARD = {1: F.LONG_TERM_ILLNESS, 2: F.MATERNITY, 3: F.WORK_RELATED}
SHEET_MENU = ("Ajouter un acte", "Options", "Retirer un acte", "Paiement, signer")
OPTIONS_MENU = ("Accident", "Exoneration", "Accord prealable", "Prescription")
ACCIDENT_MENU = ("Cause: un tiers", "Travail, mal. pro", "Pas d'accident")
PAYMENT_MENU = ("Patient paie tout", "Tiers payant tout", "Tiers p.: montant", "Part du patient")


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
