"""The lots (build, seal with the CPS, send) and the funds' returns (import a file).

The CPS's PIN comes in a password field; it is turned into a bytearray at once, handed to
host_agent.practice (which wipes it), and never logged, stored or put back in a page."""

import time

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from host_agent import acks, french, lots, overview, practice, sending
from host_agent.web import render
from host_agent.web.app import checked_form

router = APIRouter()
MAX_RETURN_BYTES = acks.MAX_FILE_BYTES


def _config(request: Request):
    return request.app.state.config


@router.get("/lots")
async def lots_page(request: Request):
    with practice.opened(_config(request).db) as store:
        lines = overview.lot_lines(store)
    counts = {s: sum(1 for r, _ in lines if r["status"] == s) for s in lots.STATUSES}
    return render.page(request, "lots.html", title="Lots", lines=lines, counts=counts)


@router.post("/lots/construire")
async def build(request: Request):
    await checked_form(request)
    with practice.opened(_config(request).db) as store:
        try:
            made = lots.build(store, int(time.time()))
        except lots.LotError as e:
            raise practice.PracticeError(str(e), "Aucun lot construit : %s" % e) from None
    if not made:
        return render.redirect(request, "/lots", "Aucune feuille n'attend d'être mise en lot.")
    return render.redirect(
        request,
        "/lots",
        "%s : %s. Il reste à les sceller avec la carte CPS."
        % (
            french.plural(len(made), "lot construit", "lots construits"),
            ", ".join(lots.name(r) for r in made),
        ),
    )


@router.post("/lots/sceller")
async def seal(request: Request):
    form = await checked_form(request)
    config = _config(request)
    pin = bytearray(str(form.get("pin", "")).strip().encode())
    try:
        root = practice.load_root(config.root)
        with practice.opened(config.db) as store:
            options = {"slots": config.slots} if config.slots is not None else {}
            done = practice.seal_open_lots(store, pin, root, **options)
    finally:
        practice.wipe(pin)  # also when the root or the database is missing
    if not done.sealed:
        text = "Aucun lot ouvert de %s à sceller." % done.holder
    else:
        text = "%s par la carte CPS de %s : %s. Il reste à les envoyer." % (
            french.plural(len(done.sealed), "lot scellé", "lots scellés"),
            done.holder,
            ", ".join(lots.name(r) for r in done.sealed),
        )
    if done.others:
        text += " %s d'autres professionnels attend%s leur carte CPS." % (
            french.plural(done.others, "lot ouvert", "lots ouverts"),
            "" if done.others == 1 else "ent",
        )
    return render.redirect(request, "/lots", text)


@router.post("/lots/envoyer")
async def send(request: Request):
    await checked_form(request)
    config = _config(request)
    root = practice.load_root(config.root)
    with practice.opened(config.db) as store:
        results = practice.send_sealed(store, sending.Outbox(config.outbox), root)
    if not results:
        return render.redirect(request, "/lots", "Aucun lot scellé n'attend d'être envoyé.")
    parts = [
        "Lot %s %s." % (lots.name(row), "envoyé à la caisse %s" % row["fund"] if where else problem)
        for row, where, problem in results
    ]
    return render.redirect(request, "/lots", " ".join(parts))


@router.get("/retours")
async def returns_page(request: Request):
    with practice.opened(_config(request).db) as store:
        sent = [r for r, _ in overview.lot_lines(store) if r["status"] != lots.OPEN]
        acknowledged = {r["id"]: lots.acks(store, r["id"]) for r in sent}
    return render.page(
        request, "returns.html", title="Retours des caisses", lots=sent, acks=acknowledged
    )


@router.post("/retours")
async def import_return(request: Request):
    form = await checked_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render.redirect(request, "/retours", "Choisissez le fichier de retour à importer.")
    data = await upload.read(MAX_RETURN_BYTES + 1)
    if len(data) > MAX_RETURN_BYTES:
        raise practice.PracticeError(
            "return file too large",
            "Ce fichier est trop gros pour un retour de caisse (plus de 1 Mo) : rien n'a changé.",
        )
    with practice.opened(_config(request).db) as store:
        outcome = practice.import_return(store, data, upload.filename)
    return render.redirect(request, "/retours", _said(outcome))


def _said(outcome) -> str:
    """The import's outcome in French, one sentence per lot."""
    out = []
    for a in outcome.acks:
        name = lots.name(a.lot)
        if a.already:
            out.append("Lot %s : déjà enregistré." % name)
        elif a.accepted:
            out.append("Lot %s accepté par la caisse le %s." % (name, french.date(a.day)))
        else:
            out.append(
                "Lot %s rejeté par la caisse le %s : %s." % (name, french.date(a.day), a.reason)
            )
    for row in outcome.new_lots:
        out.append(
            "Ses feuilles sont dans le nouveau lot %s (%s) : à sceller et envoyer."
            % (lots.name(row), french.plural(row["sheets"], "feuille"))
        )
    if outcome.build_problem:
        out.append("Aucun nouveau lot construit : %s" % outcome.build_problem)
    return " ".join(out)
