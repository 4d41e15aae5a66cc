"""A round patient's visit (docs/round.md): when the Vitale card just read is a patient of
the day's round, the visit (firmware/visit.py) offers the sheet the PC prepared, filled
in; OK takes it to the review (then OK signs), MENU opens it on the sheet menu to change
it, CANCEL leaves it for a normal visit. Imported only when a round is held.

The card is the truth, never the round: the insured, the beneficiary, the fund and the
rights are the card's; the round only says which acts, prescription and payment. An entry
whose NIR matches the card but whose beneficiary is not on it, a name of the round on a
card with another NIR, a prescription used up today, a round of another professional or
another day: a plain screen, then the normal visit. Every value goes through the same
checks as one typed (protocol/sheet_validation), on the draft and before signing.
"""

from firmware import act_menu, entry, round_store, screens
from firmware.visit_items import rank_acts
from firmware.visit_patient import birth_rank, card_exemption_codes
from hw import hal
from protocol import dates, sheet_validation
from protocol import round as rp
from protocol import tariffs as T
from protocol.sheet import Act, Beneficiary, Prescription

# What the screen says when the round cannot serve the card (screens.message: 3 x 20).
NIR_DIFFERS = "Carte differente de la tournee (NIR): visite normale."
RANK_DIFFERS = "Carte differente de la tournee (rang): visite normale."
OTHER_DAY = "Tournee d'un autre jour: visite normale."
OTHER_PRO = "Tournee d'un autre professionnel: visite normale."
DONE_ALREADY = "Visite de la tournee deja faite: visite normale."
USED_UP = "Prescription epuisee: visite normale."
NIR_WRONG = "NIR de la tournee faux (cle): visite normale."
NO_SITUATION = "Lieu de la tournee absent de la CPS: visite normale."
NO_EXEMPTION = "Exoneration absente de la carte: verifiez."
OTHER_EXEMPTION = "Exoneration de la carte autre que la tournee: choisissez."
# The offer's keys: OK takes it, 4 adds a surcharge (act_menu: the act menu's key 4 too),
# MENU opens it on the sheet menu to change it.
KEYS = "OK 4:majo MENU:modif"
MESSAGES = (
    NIR_DIFFERS,
    RANK_DIFFERS,
    OTHER_DAY,
    OTHER_PRO,
    DONE_ALREADY,
    USED_UP,
    NIR_WRONG,
    NO_SITUATION,
    NO_EXEMPTION,
    OTHER_EXEMPTION,
)


def _name(b):
    first = b.first_names[0] if b.first_names else ""
    return ("%s %s" % (b.usage_name or "", first)).strip()


def _beneficiary(card, ben):
    """The card's beneficiary an entry names: the holder, or the dependant of that birth
    date and birth rank; None when the card has no such person."""
    for b in card.beneficiaries:
        if ben is None and b.rank == 1:
            return b
        if ben is not None and b.rank != 1 and b.birth_date == ben[0]:
            if birth_rank(card, b) == ben[1]:
                return b
    return None


def _money(cents):
    return "%d,%02d" % (cents // 100, cents % 100)


class Offer:
    """The round's sheet offered for this card: entry `index` of `count`, its draft."""

    def __init__(self, card, who, index, count, entry, left, round_id=0, day=0):
        self.card = card
        self.who = who
        self.index = index
        self.count = count
        self.entry = entry
        self.left = left  # sessions of the prescription left, this visit included
        self.round_id = round_id  # the round the entry is in: marks go to it only
        self.day = day  # the day the offer was made for (Visit._today while it stands)
        self.added = []  # the surcharges added on the offer's screen (key 4), codes
        self.picking = None  # the surcharges' menu while it shows (an entry.Menu)
        self.codes = []  # ... and the codes of its items
        self.reason = 0  # without the card (card None): why (sheet_fields.ABSENT_REASONS)
        self.fund = None  # ... and the fund, the round's or typed (firmware/visit_nocard.py)

    def screen(self, fees):
        top = "Tournee %d/%d" % (self.index + 1, self.count)
        if self.entry[5] is not None:
            tail = "reste %d" % self.left
            if len(top) + 1 + len(tail) <= 20:
                top += " " * (20 - len(top) - len(tail)) + tail
        codes = " ".join([a[0] for a in self.entry[4]] + self.added)
        price = _money(fees)
        if len(codes) + 1 + len(price) > 20:
            codes = codes[: 19 - len(price)]
        acts = codes + " " * (20 - len(codes) - len(price)) + price
        name = _name(self.who) if self.who is not None else self.entry[2]
        return [top[:20], name[:20], acts, KEYS]


def offer(visit):
    """The card just read (visit.reading.patient): offer its round visit when it has one;
    say plainly why not when the round names it but cannot serve it. Returns True when a
    screen of the round shows. The entries are read one at a time: only the one offered
    stays in RAM."""
    card = visit.reading.patient
    store = round_store.of(visit.storage)
    if store is None or not store.id:
        return False
    entries = store.entries()
    try:
        why = _choose(visit, store, card, entries)
    finally:
        entries.close()  # closes the round's file now, not at garbage collection
    if why is None:
        visit.round_fees = _draft(visit, visit.round).fees
        visit.sheet = visit.patient = visit.who = None  # drafted again when taken
        return True
    return _refuse(visit, why) if why else False


def _choose(visit, store, card, entries):
    """Put the offer for `card` in visit.round (None), or say why not (a sentence), or ""
    when the card is outside the round."""
    names = [_name(b) for b in card.beneficiaries]
    named = False
    left_out = ""
    for index, e in entries:
        if e[0] != card.nir:
            named = named or e[2] in names
            continue
        why, who, left = _check(visit, store, index, e, card)
        if why in (OTHER_DAY, OTHER_PRO, ""):
            return why
        if why is not None:
            left_out = left_out or why if why == DONE_ALREADY else why
            continue
        visit.round = Offer(card, who, index, store.count, e, left, store.id, store.day)
        return None
    return left_out or (NIR_DIFFERS if named else "")


def _check(visit, store, index, e, card):
    """(why, who, left) of entry `index` for `card` (None: without the card): why None
    when a visit may take it, else the sentence that says why not ("": the normal visit
    says it, the rights closed); `who` the card's beneficiary, `left` the sessions of the
    prescription left with this visit. The one rule for both ways to a round's visit."""
    if store.day != visit._today():
        return OTHER_DAY, None, 0
    if store.professional != visit._cps().holder_id:
        return OTHER_PRO, None, 0
    if rp.refusal(e) is not None:
        return NIR_WRONG, None, 0  # refused when it came (the PC was told): never offered
    if index in store.done:
        return DONE_ALREADY, None, 0
    who = None
    if card is not None:
        who = _beneficiary(card, e[1])
        if who is None:
            return RANK_DIFFERS, None, 0
    left = e[6] - store.used_today(e[5])
    if e[5] is not None and left < 1:
        return USED_UP, None, 0
    if who is not None and not who.rights_valid(visit._today()):
        return "", None, 0
    return None, who, left


def card_less(visit, index):
    """(Offer, None) of entry `index` for a visit without the card, or (None, why): the
    same refusals as for a card (_check)."""
    store = round_store.of(visit.storage)
    if store is None or not store.id:
        return None, ""
    found = None
    entries = store.entries()
    try:
        for i, e in entries:
            if i == index:
                found = e
                break
    finally:
        entries.close()
    if found is None:
        return None, ""
    why, _, left = _check(visit, store, index, found, None)
    if why is not None:
        return None, why
    return Offer(None, None, index, store.count, found, left, store.id, store.day), None


def show(visit, o):
    """Put up offer `o` (without the card: its identity checked as if typed first)."""
    s = _draft(visit, o)
    found = visit._problems("insured") + visit._problems("fund")
    if visit._refused(found, visit._clear, visit._clear):
        return
    visit.round_fees = s.fees
    visit.sheet = visit.patient = visit.who = None  # drafted again when taken
    visit.round = o


def _refuse(visit, text):
    visit.board.emit("EVENT", {"round_refused": text})
    visit._say(screens.message(text))
    return True


def screen(visit):
    o = visit.round
    return screens.menu(o.picking) if o.picking is not None else o.screen(visit.round_fees)


def _situation(visit, sit):
    situations = visit._cps().situations
    for s in situations:
        if s.billing == sit:
            return s.billing
    if len(situations) == 1:
        return situations[0].billing
    return None


def _draft(visit, o):
    """The sheet of offer `o`, as the keypad would have made it."""
    e = o.entry
    visit.patient = o.card
    visit.who = o.who
    visit._new_sheet(o.who)
    s = visit._draft()
    day = visit._today()
    if o.card is None:
        # R161-43: no card, the round's identity (the PC's); the CPS alone signs.
        s.insured, s.fund, s.degraded, s.absent_reason = e[0], o.fund, True, o.reason
        if sheet_validation.name_ok(e[2]):  # no card names her: the round's name does
            s.patient_name = e[2]
        if e[1] is not None:
            s.beneficiary = Beneficiary(nir=None, birth=e[1][0], birth_rank=e[1][1])
    for code, coef, _ in e[4]:
        s.acts.append(Act(code=code, coef=coef, date=day))
    for code in o.added:
        s.acts.append(Act(code=code, coef=visit._tariff(code)[T.MIN_COEF], date=day))
    rank_acts(s)  # NGAP 11 B, computed as for acts typed (the round's rank is not used)
    if e[5] is not None:
        s.prescription = Prescription(date=e[5][0], prescriber=e[5][1], ref=e[5][2])
    return s


def key(visit, k):
    """A key on the offer's screen."""
    o = visit.round
    if o.picking is not None:
        _picking(visit, o, k)
        return
    if k == "4":
        _surcharges(visit, o)
        return
    if k == hal.KEY_CANCEL:
        visit.round = None
        visit.patient = visit.who = visit.sheet = None
        visit.board.emit("EVENT", {"round_declined": o.index})
        return
    if k not in (hal.KEY_OK, hal.KEY_MENU):
        return
    refused = visit._no_room()  # as for a visit keyed by hand
    if refused:
        visit.round = None
        visit._say(refused)
        return
    s = _draft(visit, o)  # while the offer stands: the sheet is of the offer's day
    visit.round = None
    situation = _situation(visit, o.entry[3])
    if situation is None:
        visit._clear()
        _refuse(visit, NO_SITUATION)
        return
    s.situation = situation
    visit.round_index, visit.round_id = o.index, o.round_id
    visit.board.emit("EVENT", {"visit": {"degraded": o.card is None, "round": o.index}})
    exo = o.entry[8]
    card = card_exemption_codes(visit)
    if o.card is None:
        s.exemption = exo or None  # no card to read it from: the PC's, from her sheets
    elif exo:
        s.exemption = exo if exo in card else None
    elif len(card) == 1:
        s.exemption = card[0]  # the round knew none (a first visit): the card's
    late = visit._hour_problems()  # a surcharge the PC put in the entry, at this hour
    if late:
        # Said on the problem screen, the draft kept: the sheet menu removes the act.
        visit._refused(late, None, visit._sheet_menu)
    elif k == hal.KEY_MENU:
        visit._sheet_menu()
    elif exo and s.exemption is None and card:
        # The round's exemption is not the card's: the card's, or none, the nurse says.
        visit._say(screens.message(OTHER_EXEMPTION), visit._exemption)
    elif exo and s.exemption is None:
        visit._say(screens.message(NO_EXEMPTION), visit._sheet_menu)
    else:
        visit._paid(s.fees if o.entry[7] else 0)  # as 'Patient paie tout' / 'Tiers payant tout'


def taking(visit):
    """OK on the review of a round's sheet: the entry is marked taken, with the record
    number its sheet will get, before the cards sign (a power cut then leaves it settled
    against the journal at the next boot: firmware/round_store.py)."""
    store = _same_round(visit)
    if store is not None:
        store.mark_taken(visit.round_index, visit._journal().next_rec_no)


def _same_round(visit):
    """The store, while it holds the round the visit's entry comes from; else None: an
    entry is named by its index in one round, never marked in another (a ROUND replacing
    the round mid-visit is refused, firmware/round_sync.py: this is the second guard)."""
    store = round_store.of(visit.storage)
    if store is None or not store.id or store.id != visit.round_id:
        return None
    return store


def ended(visit):
    """The round's visit is over: its sheet saved (the entry done, so that it is not
    offered again and the PC learns it), or abandoned, or not saved (offered again)."""
    store = _same_round(visit)
    index, visit.round_index, visit.round_id = visit.round_index, None, 0
    if store is None:
        return
    if visit.saved is not None and visit.saved.rec_no:
        store.mark_done(index, visit.saved.rec_no)
        visit.board.emit("EVENT", {"round_done": index})
    else:
        store.untake(index)


def _surcharges(visit, o):
    """Key 4 on the offer: the surcharges' menu, on the one the hour or the day calls for."""
    s = _draft(visit, o)
    codes = act_menu.surcharges(s.nomenclature, s.profession)
    hour = dates.paris_hm(visit.board.clock.now())[0]
    cursor = act_menu.proposed(s.nomenclature, s.profession, codes, o.day, hour)
    items = [act_menu.label(s.nomenclature, s.profession, c) for c in codes]
    visit.sheet = visit.patient = visit.who = None  # drafted again when taken
    if codes:
        o.picking = entry.Menu("Majoration", items, cursor=cursor)
        o.codes = codes


def _picking(visit, o, k):
    """A key on the surcharges' menu: the one picked is added to the offer when the hour,
    the day and the other acts allow it (the same checks as typed on the act menu), else
    said plainly; the offer stays as it was either way."""
    got = o.picking.key(k)
    if got == entry.CANCEL:
        o.picking = None
    elif got == entry.OUT:
        visit._say(screens.message("Choix %d inconnu." % o.picking.value))
    elif got == entry.DONE:
        code = o.codes[o.picking.value]
        o.picking = None
        found = _surcharge_problems(visit, o, code)
        if found:
            visit._say(screens.problem(found[0]))
            visit.board.emit("EVENT", {"refused": {"field": found[0].path, "rule": found[0].rule}})
        else:
            o.added.append(code)
            visit.board.emit("EVENT", {"round_added": code})
        visit.round_fees = _draft(visit, o).fees
        visit.sheet = visit.patient = visit.who = None


def _surcharge_problems(visit, o, code):
    """What refuses `code` on the offer's sheet: its hours (the clock), then the sheet's
    rules with it (the night and Sunday ones do not add up, F on a Sunday...)."""
    o.added.append(code)
    try:
        _draft(visit, o)
        late = visit._hour_problems()
        return late + visit._problems("acts") + visit._problems("prescription")
    finally:
        o.added.pop()
