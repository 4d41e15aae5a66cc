"""Pairing a terminal from the page (administrators and secretaries): the port found by
itself (host_agent/ports.py), the pairing in a job of its own (web/pair_job.py) whose page
shows this PC's code to compare with the terminal's, asks whether they are the same, counts
down the OK on the terminal and says the outcome."""

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from host_agent import overview, ports, workspace
from host_agent.web import pair_job, render
from host_agent.web.app import checked_form

router = APIRouter()


@router.get("/appairer")
async def pairing_page(request: Request):
    return await _page(request, 200, "")


async def _page(request: Request, status: int, error: str):
    config = request.app.state.config
    found = await run_in_threadpool(ports.found_by, config.find_ports, config.settings)
    terminals = await render.with_store(request, overview.terminal_lines)
    return render.page(
        request,
        "pairing.html",
        status,
        title="Appairer un terminal",
        error=error,
        ports=found,
        port=ports.likeliest(found) or config.terminal_port,
        terminals=terminals,
        running=request.app.state.pairings.running(),
    )


@router.post("/appairer")
async def start_pairing(request: Request):
    form = await checked_form(request)
    config = request.app.state.config
    port = ports.page_port(str(form.get("port", "")))
    if port is None:
        return await _page(request, 422, ports.PORT_FRENCH)
    await run_in_threadpool(lambda: workspace.open_store(config.db, create=True).close())
    job = pair_job.start(request.app.state.pairings, config.db, port)
    return render.redirect(request, "/appairer/%s" % job.id)


@router.get("/appairer/{job_id}")
async def pairing_job_page(request: Request, job_id: str):
    pairings = request.app.state.pairings
    return pairings.page(request, job_id, "pairing_job.html", "Appairage du terminal")


@router.get("/appairer/{job_id}/etat")
async def pairing_state(request: Request, job_id: str):
    return request.app.state.pairings.state(job_id)


@router.post("/appairer/{job_id}/codes")
async def compare_codes(request: Request, job_id: str):
    form = await checked_form(request)
    job = request.app.state.pairings.find(job_id)
    answer = str(form.get("same", ""))
    if answer not in ("oui", "non"):
        return render.redirect(request, "/appairer/%s" % job.id, "Répondez oui ou non.", alert=True)
    if not job.say(answer == "oui"):
        return render.redirect(
            request,
            "/appairer/%s" % job.id,
            "Cet appairage ne demande plus de comparer les codes.",
            alert=True,
        )
    return render.redirect(request, "/appairer/%s" % job.id)
