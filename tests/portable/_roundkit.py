"""Portable helpers of the round tests (both interpreters): rounds built with
protocol/round.py for the fixture cards, and their chunks fed to a terminal's store."""

from firmware import round_store
from protocol import round as rp
from protocol.round import RoundChunk

SERIAL = "TLA-TEST-0001"
GP = "10001234565"  # the gp fixture's holder id (tests/portable/_visitkit.py PRO)
NURSE = "10006543218"
DAY = 20261118  # NOW's day in Paris
MARTIN = "170047511223384"  # the "single" card's NIR (checked below against the card)
DUPONT = "285056912304514"
GP_SITUATION = "751234560"
PRESC = [20261102, "10009876543", "20261102"]


def gp_martin(left=0, presc=None, pay=0, nir=MARTIN, ben=None, name="MARTIN PAUL"):
    """The recorded visit of _visitkit.VISITS["visit"] as a round entry: VG, MD, IK 7 km,
    the patient pays, the CPS's first situation."""
    return rp.entry(
        nir,
        ben,
        name,
        GP_SITUATION,
        [("VG", 100, 0), ("MD", 100, 0), ("IK", 700, 0)],
        presc,
        left,
        pay,
    )


def keyed(body):
    """The NIR of 13 digits `body` with its key: 97 - (body mod 97), two digits."""
    return "%s%02d" % (body, 97 - int(body) % 97)


OTHER = keyed("2999999999999")  # a NIR of no fixture card, its key right


def other(name, nir=OTHER):
    return rp.entry(nir, None, name, "", [("AMI", 200, 1)], PRESC, 5, 1)


def bodies(entries, round_id=1, serial=SERIAL, pro=GP, day=DAY):
    return rp.chunks(round_id, serial, pro, day, entries)


def install(storage, entries, round_id=1, serial=SERIAL, pro=GP, day=DAY, free=None):
    """Feed a whole round to the storage's RoundStore as the sync would; the replies."""
    store = round_store.of(storage)
    j = storage.journal
    replies = []
    for body in bodies(entries, round_id, serial, pro, day):
        replies.append(
            store.receive(RoundChunk(body), SERIAL, free or j.free_bytes, j.reserve_bytes + 8192)
        )
    return replies


def round_app(entries, transcript="visit"):
    """An App (tests/portable/_visitkit.py) whose cards replay `transcript`, holding the
    round of `entries` (None: no round), settled; (app, vitale slot, CPS slot)."""
    from _cardkit import ReplaySlot, load_transcripts, settle
    from _visitkit import make_visit_app

    t = load_transcripts()[transcript]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    if entries is not None:
        install(app.storage, entries)
    settle(app)
    return app, vitale, cps
