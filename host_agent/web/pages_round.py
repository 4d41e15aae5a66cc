"""The nurse's round (docs/round.md, docs/web.md "Tournée"): the prescriptions kept with
their sessions used, a prescription typed or chosen from earlier sheets' patients and
prescribers (host_agent/round_form.py checks it in French), a day's round prepared for a
terminal (round_plan.prepare_for: the next unloading sends it), and a sheet's prescription
made the one of the next rounds from the sheet's page."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from host_agent import french, round_form, round_plan
from host_agent.web import render
from host_agent.web.app import checked_form, log_page_shown

router = APIRouter()
SheetId = Annotated[int, Path(ge=0, le=2**63 - 1)]


def _read(store):
    return round_form.choices(store), round_plan.series(store)


async def _page(request: Request, status: int = 200, error: str = "", typed=None):
    offered, series = await render.with_store(request, _read)
    if status >= 400:
        await log_page_shown(request, ("GET", "/tournee"))  # the form again, its patients
    return render.page(
        request,
        "round.html",
        status,
        title="Tournée",
        error=error,
        offered=offered,
        series=series,
        show_acts=round_plan.show_acts,
        typed=typed or {},
        day=render.today(request.app.state.config),
    )


@router.get("/tournee")
async def round_page(request: Request):
    return await _page(request)


def _typed(form) -> dict:
    return {k: str(form.get(k, "") or "")[:200] for k in form.keys() if k != "csrf"}


@router.post("/tournee/prescription")
async def add_prescription(request: Request):
    form = await checked_form(request)
    try:
        pid, row, used = await render.with_store(
            request, lambda store: round_form.keep_typed(store, form)
        )
    except round_form.RoundFormError as e:
        return await _page(request, 422, e.french, _typed(form))
    return render.redirect(request, "/tournee", _kept(row, used))


def _kept(row, used) -> str:
    return "Prescription gardée : %s, %s, %s (%s déjà faite%s)." % (
        row["name"],
        round_plan.show_acts(row["acts"]),
        french.plural(row["sessions"], "séance"),
        used,
        "s" if used > 1 else "",
    )


@router.post("/tournee/preparer")
async def prepare(request: Request):
    form = await checked_form(request)
    config = request.app.state.config
    serial = str(form.get("terminal", "") or "")[:40]
    professional = str(form.get("professional", "") or "")[:40]
    day_text = str(form.get("day", "") or "")[:40]

    def work(store):
        offered = round_form.choices(store)
        if serial not in offered.terminals:
            raise round_form.RoundFormError(
                "no paired terminal %r" % serial,
                french="Choisissez un terminal appairé avec ce PC (page Terminaux). Aucune "
                "tournée n'a été préparée.",
            )
        if professional not in [n for n, _ in offered.professionals]:
            raise round_form.RoundFormError(
                "unknown professional", french="Choisissez le professionnel de la tournée."
            )
        day = round_form.day_of(day_text) if day_text else render.today(config)
        try:
            return round_plan.prepare_for(store, serial, professional, day), day
        except ValueError as e:  # a round too large for the terminal
            raise round_form.RoundFormError(
                str(e),
                french="Cette tournée ne tient pas dans le terminal (%s) : préparez-la pour "
                "moins de patients. Rien n'a été préparé." % e,
            ) from None

    try:
        (rid, plan), day = await render.with_store(request, work)
    except round_form.RoundFormError as e:
        return await _page(request, 422, e.french, _typed(form))
    said = ["Tournée du %s pour le terminal %s : %s, envoyée au prochain déchargement." % (
        french.date(day), serial, french.plural(len(plan.entries), "visite"))]  # fmt: skip
    for p, used in plan.complete:
        said.append("Série de %s complète (%d séances sur %d) : laissée de côté." % (
            p["name"], used, p["sessions"]))  # fmt: skip
    return render.redirect(request, "/tournee", " ".join(said))


@router.post("/feuilles/{sheet_id}/prescription")
async def from_sheet(request: Request, sheet_id: SheetId):
    form = await checked_form(request)
    sessions = str(form.get("sessions", "") or "")
    try:
        pid, row, used = await render.with_store(
            request, lambda store: round_form.keep_from_sheet(store, sheet_id, sessions)
        )
    except round_form.RoundFormError as e:
        return render.redirect(request, "/feuilles/%d" % sheet_id, e.french, alert=True)
    return render.redirect(request, "/tournee", _kept(row, used))
