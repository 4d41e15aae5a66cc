"""A sheet without the Vitale card (R161-43; docs/visit.md "Without the card"): the CPS
alone signs, the sheet is marked degraded and says why the card was absent (forgotten,
unreadable, no card yet: sheet_fields.ABSENT_REASONS), asked first in one key.

Two ways in, both with a verified CPS and no Vitale card: MENU 5 "Sans la Vitale", where
the insured's NIR is typed (its key checked at once: a wrong key says so and gives back
what was typed) and the fund is taken from what the terminal knows of the patient (the
round's entry for that NIR, else the patient's latest sheet in the journal), asked only
when it knows none; or a patient picked on the round's list (firmware/roundlist.py),
whose NIR, beneficiary, name and fund the round carries (firmware/visit_round.py offers
the visit). Loaded on the first sheet without a card only.
"""

import gc

from firmware import entry, name_entry, round_store, screens
from firmware.journal import REJECTED
from protocol import round as rp
from protocol import sheet_fields as F
from protocol import sheet_validation
from protocol.fund_code import fund_ok

NIR_WRONG = "NIR faux (cle): corrigez les chiffres."
FUND_WRONG = "Code de caisse faux: voyez l'attestation de droits."
TITLE = "Sans carte Vitale"
# At most 16 characters an item (screens.menu); in the order of sheet_fields' codes.
REASONS = ("Carte oubliee", "Carte illisible", "Pas encore carte")
CODES = (F.CARD_FORGOTTEN, F.CARD_UNREADABLE, F.NO_CARD_YET)
WHY = "Pourquoi sans carte?"
FUND_TITLE = "Caisse du patient"
FUND_LABEL = "Code (attestation)"  # on the patient's paper certificate of rights
FUND_HINT = "9 chiffres puis OK"
NAME_TITLE = "Nom du patient"
NAME_LABEL = "2-9 lettre 0 espace"  # with its ":", 20 characters
LOOK_BACK = 200  # the journal's last sheets searched for the patient's fund


def ask_reason(visit, then):
    """Why the card is absent, one key; then(reason code). ANNUL: no sheet."""
    visit._ask(entry.Menu(WHY, REASONS), lambda i: then(CODES[i]), back=visit._clear)


def by_hand(visit):
    """MENU 5: the reason, the NIR, the fund when the terminal knows none."""
    refused = visit._no_room()
    if refused:
        visit._say(refused)
        return
    visit.patient = None
    visit.who = None
    ask_reason(visit, lambda reason: _ask_nir(visit, reason, ""))


def _ask_nir(visit, reason, typed):
    what = entry.Digits(TITLE, "NIR assure + cle", 15, 15)
    what.typed = typed  # a NIR refused comes back as typed, to be corrected
    visit._ask(what, lambda nir: _nir_typed(visit, reason, nir), back=visit._clear)


def _nir_typed(visit, reason, nir):
    if not sheet_validation.nir_ok(nir):
        # Checked at once, before the fund: the key (97 - number mod 97) catches a slip.
        visit.board.emit("EVENT", {"refused": {"field": "insured", "rule": "invalid"}})
        visit._say(screens.message(NIR_WRONG), lambda: _ask_nir(visit, reason, nir))
        return
    fund, name, seen = known(visit, nir)
    if seen:  # the round or the journal knows her: her name taken (if any), not asked
        _with_name(visit, reason, nir, fund, name)
        return
    # A patient neither knows: her name, so that the PC can file and find the sheet.
    what = name_entry.Name(NAME_TITLE, NAME_LABEL, F.MAX_PATIENT_NAME)
    visit._ask(what, lambda typed: _with_name(visit, reason, nir, fund, typed), back=visit._clear)


def _with_name(visit, reason, nir, fund, name):
    if fund is not None:
        visit.board.emit("EVENT", {"fund_known": fund})
        _begin(visit, reason, nir, fund, name)
        return
    ask_fund(visit, FUND_TITLE, lambda fund: _begin(visit, reason, nir, fund, name))


def ask_fund(visit, title, then, typed=""):
    """The fund's code typed (9 digits), checked at once: a code no fund has says so and
    comes back as typed, to be corrected; what was asked before it stays (the reason, the
    NIR, the round's visit, the card read). then(fund). ANNUL: no sheet."""
    what = entry.Digits(title, FUND_LABEL, 9, 9, FUND_HINT)
    what.typed = typed

    def typed_in(fund):
        if fund_ok(fund):
            then(fund)
            return
        visit.board.emit("EVENT", {"refused": {"field": "fund", "rule": "invalid"}})
        visit._say(screens.message(FUND_WRONG), lambda: ask_fund(visit, title, then, fund))

    visit._ask(what, typed_in, back=visit._clear)


def known_fund(visit, nir):
    """The fund of the insured `nir` as the holder (see known); None when none knows it."""
    return known(visit, nir)[0]


def known(visit, nir):
    """(fund, name, seen) of the insured `nir` as the holder, fund and name None when
    unknown, seen True when the round or the journal knows her: the round's entry for that
    NIR (the PC knows the practice's patients), else the latest sheet of the journal with
    that NIR (not one the PC rejected; its name only when it was made without the card)."""
    name = None
    store = round_store.of(visit.storage) if visit.storage.fs is not None else None
    if store is not None and store.id:
        entries = store.entries()
        try:
            for _, e in entries:
                if e[0] == nir and e[1] is None:
                    name = name or _valid(e[2])
                    if rp.fund_of(e) is not None:
                        return rp.fund_of(e), name, True
        finally:
            entries.close()
    j = visit.journal
    if j is None:
        return None, name, name is not None
    from firmware.visit_patient import _decoded

    found = None
    key = nir.encode()
    gc.collect()
    for r in j.records_after(max(0, j.next_rec_no - 1 - LOOK_BACK), 0, 0, None):
        if r.status != REJECTED and key in r.payload:  # a rejected one's fund may be wrong
            s = _decoded(r.payload)
            if s.insured == nir and s.beneficiary is None and fund_ok(s.fund):
                found = s.fund
                name = _valid(s.patient_name) or name
    gc.collect()
    return found, name, found is not None or name is not None


def _valid(name):
    """`name` when a sheet may carry it (a round's name is any ASCII), else None."""
    return name if sheet_validation.name_ok(name) else None


def _begin(visit, reason, nir, fund, name=None):
    visit._new_sheet(None)
    s = visit._draft()
    s.insured = nir
    s.fund = fund
    s.degraded = True
    s.absent_reason = reason
    s.patient_name = name
    found = visit._problems("insured") + visit._problems("fund")

    def again():  # both are checked as typed: the last guard, and it keeps them too
        ask_fund(visit, FUND_TITLE, lambda f: _begin(visit, reason, nir, f, name), fund)

    if visit._refused(found, visit._clear, again):
        return
    visit._choose_situation()


def round_entry(visit, index):
    """OK on entry `index` of the round's list: the reason, the fund if the round has
    none, then the round's offer (OK takes it to the review)."""
    refused = visit._no_room()
    if refused:
        visit._say(refused)
        return
    from firmware import visit_round

    o, why = visit_round.card_less(visit, index)
    if o is None:
        if why:  # the card's sentences say 'visite normale' after the colon: not here
            visit_round._refuse(visit, why.split(":")[0] + ".")
        return

    def offer(reason, fund):
        o.reason, o.fund = reason, fund
        visit_round.show(visit, o)

    def reason_given(reason):
        fund = rp.fund_of(o.entry)
        if fund is None and o.entry[1] is None:
            fund = known_fund(visit, o.entry[0])
        if fund is not None:
            offer(reason, fund)
            return
        ask_fund(visit, FUND_TITLE, lambda typed: offer(reason, typed))

    visit.patient = visit.who = None
    ask_reason(visit, reason_given)
