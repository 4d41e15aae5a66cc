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

from firmware import entry, name_entry, round_store, screens
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
FUND_PROPOSED = "OK:garder ou tapez"  # the fund of her latest sheet, shown
NAME_TITLE = "Nom du patient"
NAME_LABEL = "2-9 lettre 0 espace"  # with its ":", 20 characters


def ask_reason(visit, then):
    """Why the card is absent, one key; then(reason code). ANNUL: no sheet."""
    visit._ask(entry.Menu(WHY, REASONS), lambda i: then(CODES[i]), back=visit._clear)


def by_hand(visit):
    """MENU 5: the reason, the NIR, the fund when the terminal knows none."""
    refused = visit._no_room()
    if refused:
        visit._say(refused)
        return
    visit.patient = visit.who = visit.history = None
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
    fund, name, seen, from_round = known(visit, nir)
    if seen:  # the round or the journal knows her: her name taken (if any), not asked
        _with_name(visit, reason, nir, fund, from_round, name)
        return
    # A patient neither knows: her name, so that the PC can file and find the sheet.
    what = name_entry.Name(NAME_TITLE, NAME_LABEL, F.MAX_PATIENT_NAME)
    visit._ask(
        what,
        lambda typed: _with_name(visit, reason, nir, fund, from_round, typed),
        back=visit._clear,
    )


def _with_name(visit, reason, nir, fund, from_round, name):
    take_fund(visit, FUND_TITLE, fund, from_round, lambda f: _begin(visit, reason, nir, f, name))


def take_fund(visit, title, fund, from_round, then):
    """then(fund): the round's fund as it is (the PC showed it when it prepared the round:
    `tla-agent round prepare`); one the terminal found in its journal proposed, shown and
    changeable (OK keeps it, digits replace it); else typed (ask_fund)."""
    if fund is not None and from_round:
        visit.board.emit("EVENT", {"fund_known": fund})
        then(fund)
        return
    ask_fund(visit, title, then, proposed=fund)


def ask_fund(visit, title, then, typed="", proposed=None):
    """The fund's code typed (9 digits), or OK for the one `proposed` (the patient's latest
    sheet's), checked at once: a code no fund has says so and comes back as typed, to be
    corrected; what was asked before it stays (the reason, the NIR, the round's visit, the
    card read). then(fund). ANNUL: no sheet."""
    if proposed is None:
        what = entry.Digits(title, FUND_LABEL, 9, 9, FUND_HINT)
    else:
        what = entry.Proposed(title, FUND_LABEL, 9, proposed, FUND_PROPOSED)
    what.typed = typed

    def typed_in(fund):
        if fund_ok(fund):
            if fund == proposed:
                visit.board.emit("EVENT", {"fund_known": fund})
            then(fund)
            return
        visit.board.emit("EVENT", {"refused": {"field": "fund", "rule": "invalid"}})
        visit._say(
            screens.message(FUND_WRONG), lambda: ask_fund(visit, title, then, fund, proposed)
        )

    visit._ask(what, typed_in, back=visit._clear)


def known(visit, nir):
    """(fund, name, seen, from_round) of the insured `nir` as the holder, fund and name None
    when unknown, seen True when the round or the journal knows her: the round's entry for
    that NIR (the PC knows the practice's patients; from_round True), else her latest sheet
    in the journal (firmware/patient_history.py: not one the PC rejected; its name only
    when it was made without the card)."""
    name = None
    store = round_store.of(visit.storage) if visit.storage.fs is not None else None
    if store is not None and store.id:
        entries = store.entries()
        try:
            for _, e in entries:
                if e[0] == nir and e[1] is None:
                    name = name or _valid(e[2])
                    if rp.fund_of(e) is not None:
                        return rp.fund_of(e), name, True, True
        finally:
            entries.close()
    h = visit._history(nir)
    return h.fund, h.name or name, h.seen() or name is not None, False


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
        from_round = fund is not None
        if fund is None and o.entry[1] is None:
            fund = visit._history(o.entry[0]).fund
        take_fund(visit, FUND_TITLE, fund, from_round, lambda f: offer(reason, f))

    visit.patient = visit.who = visit.history = None
    ask_reason(visit, reason_given)
