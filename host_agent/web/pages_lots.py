"""The lots (build, seal with the CPS, send) and the funds' returns (import a file).

The CPS's PIN comes in a password field; it is turned into a bytearray at once, handed to
host_agent/sealing.py (which wipes it), and never logged, stored or put back in a page."""

import logging
import threading
import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from host_agent import (
    cps_reader,
    dispatch,
    french,
    lots,
    mailbox,
    names,
    overview,
    returns,
    sealing,
    workspace,
)
from host_agent.errors import EXIT_DATABASE, EXIT_REFUSED, AgentError
from host_agent.web import render
from host_agent.web.app import checked_form, log_view

router = APIRouter()
log = logging.getLogger("tla.web")
MAX_RETURN_BYTES = returns.MAX_FILE_BYTES
# One sealing or sending at a time: a second click (or tab) while the first sends would
# read the same lots still sealed and hand them to the fund again (billed twice, R161-47 I).
LOTS_LOCK = threading.Lock()


def _one_at_a_time(work):
    def run(store):
        with LOTS_LOCK:
            return work(store)

    return run


def _config(request: Request):
    return request.app.state.config


def _names(rows) -> str:
    return ", ".join(lots.name(r) for r in rows)


def _reader(config):
    """The CPS reader's state (host_agent/cps_reader.py), None while a sealing uses it."""
    if not LOTS_LOCK.acquire(blocking=False):
        return None
    try:
        return cps_reader.read_state(config.slots)
    except Exception as e:  # a reader's driver that fails its own way: said, never a 500
        log.warning("the CPS reader could not be read", exc_info=e)
        return cps_reader.ReaderState(cps_reader.UNREADABLE, [], type(e).__name__)
    finally:
        LOTS_LOCK.release()


@router.get("/lots")
async def lots_page(request: Request):
    lines = await render.with_store(request, overview.lot_lines)
    counts = {s: sum(1 for r, _ in lines if r["status"] == s) for s in lots.STATUSES}
    reader = None
    if counts[lots.OPEN]:  # the reader is read where sealing needs it: lots to seal
        reader = await run_in_threadpool(_reader, _config(request))
    return render.page(
        request, "lots.html", title="Lots", lines=lines, counts=counts, reader=reader
    )


@router.get("/lots/{ref}")
async def lot_page(request: Request, ref: str):
    config = _config(request)
    root = workspace.root_certificate(config.root, config.db, required=False)

    def read(store):
        d = lots.detail(store, ref, root)
        return d, names.holders_of(store, [d.row["professional"]])

    d, holders = await render.with_store(request, read)
    return render.page(request, "lot.html", title="Lot %s" % lots.name(d.row), d=d, holders=holders)


@router.get("/lots/{ref}/bordereau.pdf")
async def lot_slip(request: Request, ref: str):
    from host_agent import lot_slip  # fpdf2 only when a PDF is asked for

    settings = _config(request).settings
    data = await render.with_store(request, lambda store: lot_slip.slip_pdf(store, ref, settings))
    return render.download(data, "application/pdf", "bordereau-%s.pdf" % ref)


@router.post("/lots/construire")
async def build(request: Request):
    await checked_form(request)
    made = await render.with_store(request, lambda store: lots.build(store, int(time.time())))
    if not made:
        return render.redirect(request, "/lots", "Aucune feuille n'attend d'être mise en lot.")
    return render.redirect(
        request,
        "/lots",
        "%s : %s. Il reste à les sceller avec la carte CPS."
        % (french.plural(len(made), "lot construit", "lots construits"), _names(made)),
    )


def _seal(store, pin: bytearray, root, make_slot, rpps):
    """(the CPS holder, the lots sealed, how many open lots of others wait). `rpps`: the
    logged-in professional's, which the CPS's must be (None: a practice without accounts)."""
    options = {"reader": "", "make_slot": make_slot} if make_slot is not None else {}
    session = sealing.open_session(store, [], **options)
    try:
        card = session.app.card
        if rpps is not None and (card is None or card.holder_id != rpps):
            raise sealing.SealError(
                "the CPS in the reader is %s's, not the logged-in professional's (%s): "
                "nothing was sealed" % (session.holder, rpps),
                EXIT_REFUSED,
                french="La carte CPS du lecteur est celle de %s, pas la vôtre : rien n'a été "
                "scellé. Chacun scelle ses lots avec sa propre carte." % session.holder,
            )
        done = sealing.seal_lots(store, session, pin, root) if session.chosen else []
        return session.holder, done, len(session.others)
    finally:
        session.app.forget()


@router.post("/lots/sceller")
async def seal(request: Request):
    form = await checked_form(request)
    config = _config(request)
    pin = bytearray(str(form.get("pin", "")).strip().encode())
    del form  # what can be dropped of the typed text goes now; the bytearray is wiped below
    viewer = request.state.viewer
    rpps = viewer.rpps if viewer.role is not None else None  # a professional's (access.py)
    try:
        root = workspace.root_certificate(config.root, config.db)
        slots = config.slots() if config.slots is not None else None
        make_slot = slots[1] if slots else None
        holder, done, others = await render.with_store(
            request, _one_at_a_time(lambda store: _seal(store, pin, root, make_slot, rpps))
        )
    except AgentError as e:
        if e.exit_code == EXIT_DATABASE:
            raise  # the app's error page: nothing of the lots page can be shown
        await run_in_threadpool(log_view, request, viewer, "scellement refusé : " + e.french, None)
        # A wrong code, no card, a card that refused: said on the lots page, where the code
        # is typed again (the tries left in the sentence), nothing sealed.
        return render.redirect(request, "/lots", e.french, alert=True)
    finally:
        sealing.wipe(pin)  # also when the root or the database is missing
    if not done:
        text = "Aucun lot ouvert de %s à sceller." % holder
    else:
        text = "%s par la carte CPS de %s : %s. Il reste à les envoyer." % (
            french.plural(len(done), "lot scellé", "lots scellés"),
            holder,
            _names(done),
        )
    if others:
        text += " %s d'autres professionnels attend%s leur carte CPS." % (
            french.plural(others, "lot ouvert", "lots ouverts"),
            "" if others == 1 else "ent",
        )
    return render.redirect(request, "/lots", text)


@router.post("/lots/envoyer")
async def send(request: Request):
    await checked_form(request)
    config = _config(request)
    root = workspace.root_certificate(config.root, config.db)
    loaded = config.settings
    via = loaded.route() if loaded is not None else "outbox"  # the settings' route
    route = dispatch.transport(via, config.db, config.outbox, None, loaded)
    results = await render.with_store(
        request, _one_at_a_time(lambda store: dispatch.send_lots(store, [], route, root))
    )
    if not results:
        return render.redirect(request, "/lots", "Aucun lot scellé n'attend d'être envoyé.")
    return render.redirect(request, "/lots", " ".join(r.french() for r in results))


@router.get("/retours")
async def returns_page(request: Request):
    def read(store):
        sent = [r for r, _ in overview.lot_lines(store) if r["status"] != lots.OPEN]
        return sent, {r["id"]: lots.acks(store, r["id"]) for r in sent}

    sent, answered = await render.with_store(request, read)
    loaded = _config(request).settings
    return render.page(
        request,
        "returns.html",
        title="Retours des caisses",
        lots=sent,
        acks=answered,
        mailbox=bool(loaded is not None and loaded.mailbox().get("host")),
    )


@router.post("/retours/boite")
async def fetch_returns(request: Request):
    """The returns attached to the unread messages of the settings' [mailbox]
    (host_agent/mailbox.py, as `tla-agent returns fetch`; password from $TLA_IMAP_PASSWORD)."""
    await checked_form(request)
    loaded = _config(request).settings
    box = loaded.mailbox() if loaded is not None else {}
    done = await render.with_store(
        request, lambda store: mailbox.fetch(store, box, int(time.time()))
    )
    out = []
    for f in done.found:
        if f.error is not None:
            out.append("%s refusé, rien n'a changé : %s." % (f.name, f.error.french))
        else:
            out.append("%s : %s" % (f.name, _said(f.outcome)))
    if not done.found:
        out.append("Aucun retour de caisse dans les messages non lus.")
    if done.left:
        out.append("%s restent pour le prochain relevé." % french.plural(done.left, "message"))
    return render.redirect(request, "/retours", " ".join(out))


@router.post("/retours")
async def import_return(request: Request):
    form = await checked_form(request)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return render.redirect(request, "/retours", "Choisissez le fichier de retour à importer.")
    data = await file.read(MAX_RETURN_BYTES + 1)
    if len(data) > MAX_RETURN_BYTES:
        raise AgentError(
            "the return file is larger than %d bytes" % MAX_RETURN_BYTES,
            french="Ce fichier est trop gros pour un retour de caisse (plus de 1 Mo) : rien "
            "n'a changé.",
        )
    name = file.filename
    outcome = await render.with_store(
        request, lambda store: returns.apply(store, data, name, int(time.time()))
    )
    return render.redirect(request, "/retours", _said(outcome))


SHEET_RESULTS = {"accepted": "acceptée", "rejected": "rejetée", "paid": "payée"}


def _said(outcome) -> str:
    """The import's outcome (host_agent/returns.py) in French: a sentence per lot, one for
    the sheets answered."""
    out = []
    for a in outcome.lots:
        name = lots.name(a.lot)
        if a.already:
            out.append("Lot %s : déjà enregistré." % name)
        elif a.received:
            out.append("Lot %s reçu par la caisse le %s." % (name, french.date(a.day)))
        else:
            out.append(
                "Lot %s rejeté par la caisse le %s : %s." % (name, french.date(a.day), a.reason)
            )
    news = [a for a in outcome.sheets if not a.already]
    for result, word in SHEET_RESULTS.items():
        these = [a for a in news if a.result == result]
        if these:
            out.append(
                "%s : %s."
                % (
                    french.plural(len(these), "feuille " + word, "feuilles " + word + "s"),
                    ", ".join(
                        "n° %d%s"
                        % (
                            a.sheet["order_no"],
                            " (%s)" % a.label if a.label else "",
                        )
                        + (" %s" % french.euros(a.amount) if a.amount is not None else "")
                        for a in these
                    ),
                )
            )
    if not outcome.changed:
        out.append("Ce retour avait déjà été importé : rien de nouveau.")
    for row in outcome.new_lots:
        out.append(
            "Ses feuilles sont dans le nouveau lot %s (%s) : à sceller et envoyer."
            % (lots.name(row), french.plural(row["sheets"], "feuille"))
        )
    if outcome.build_problem:
        out.append("Aucun nouveau lot construit : %s" % outcome.build_problem)
    return " ".join(out)
