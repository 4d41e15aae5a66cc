"""The home page (terminals, "Décharger le terminal" and its progress) and the sheets: the
list searched, filtered, sorted and in pages, a sheet's page, its patient's copy and its paper duplicate (PDF).

Each handler parses the request, calls one domain function (host_agent/overview.py,
terminals.py through the unloading job, paper.py) and renders what it returns."""

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool

from host_agent import overview, paper, ports, sheet_list, todo, workspace
from host_agent.web import render, sheet_filters
from host_agent.web.app import checked_form

router = APIRouter()
# A sheet's number as SQLite holds it: a bigger one would fail inside the database (500).
SheetId = Annotated[int, Path(ge=0, le=2**63 - 1)]


def _config(request: Request):
    return request.app.state.config


def _funds(request: Request):
    """The funds settings (their names on the paper), beside the database."""
    return _config(request).db.parent / "funds.toml"


@router.get("/")
async def home(request: Request):
    config = _config(request)
    terminals = await render.with_store(request, overview.terminal_lines)
    day, now = render.today(config), render.now(config)
    tasks = await render.with_store(request, lambda store: todo.tasks(store, day, now))
    found = await run_in_threadpool(ports.found_by, config.find_ports, config.settings)
    return render.page(
        request,
        "home.html",
        title="Accueil",
        terminals=terminals,
        tasks=tasks,
        port=config.terminal_port or ports.likeliest(found),
        ports=found,
        running=request.app.state.jobs.running(),
    )


@router.post("/decharger")
async def unload(request: Request):
    form = await checked_form(request)
    config = _config(request)
    port = ports.page_port(str(form.get("port", "")))
    if port is None:
        return render.redirect(request, "/", ports.PORT_FRENCH)
    root = workspace.root_certificate(config.root, config.db)
    if request.state.store is None:  # a missing database: said now, not in the thread
        workspace.open_store(config.db).close()
    caps = config.settings.caps() if config.settings is not None else None  # [caps]
    job = request.app.state.jobs.start(config.db, root, port, caps)
    return render.redirect(request, "/decharger/%s" % job.id)


@router.get("/decharger/{job_id}")
async def unload_page(request: Request, job_id: str):
    return request.app.state.jobs.page(request, job_id, "unload.html", "Déchargement du terminal")


@router.get("/decharger/{job_id}/etat")
async def unload_state(request: Request, job_id: str):
    return request.app.state.jobs.state(job_id)


@router.get("/feuilles")
async def sheets(request: Request):
    """The sheets searched, filtered, sorted, in pages (host_agent/web/sheet_filters.py
    reads the address; a wrong value is said on the page with a 4xx, nothing queried)."""
    day = render.today(_config(request))
    params = request.query_params
    shown = dict(
        title="Feuilles de soins",
        asked={k: str(params.get(k, "")) for k in (*sheet_filters.FIELDS, "page")},
        STATES=sheet_filters.STATES,
        SORTS=sheet_filters.SORTS,
        PAGE_SIZES=sheet_filters.PAGE_SIZES,
        link=lambda **changes: sheet_filters.link(params, **changes),
    )
    try:
        filters = sheet_filters.parse(params)
        found = await render.with_store(
            request, lambda store: sheet_list.sheet_page(store, filters, day)
        )
    except sheet_filters.FilterError as e:
        return render.page(request, "sheets.html", e.status, error=e.french, found=None, **shown)
    except sheet_list.OutOfRange as e:
        said = "La page %s n'existe pas : %s." % (
            params.get("page"),
            "il n'y en a qu'une" if e.pages == 1 else "il y en a %d" % e.pages,
        )
        return render.page(
            request, "sheets.html", 404, error=said, last=e.pages, found=None, **shown
        )
    return render.page(request, "sheets.html", error="", found=found, filters=filters, **shown)


@router.get("/feuilles/{sheet_id}")
async def sheet_page(request: Request, sheet_id: SheetId):
    day = render.today(_config(request))
    detail = await render.with_store(
        request, lambda store: overview.sheet_detail(store, sheet_id, day)
    )
    if detail is None:
        raise HTTPException(404)
    return render.page(
        request,
        "sheet.html",
        title="Feuille n° %d" % detail.line.row["order_no"],
        d=detail,
        piece_error="",
    )


def _pdf(data: bytes, name: str):
    return render.download(data, "application/pdf", name)


@router.get("/feuilles/{sheet_id}/copie.pdf")
async def copy_pdf(request: Request, sheet_id: SheetId):
    funds, loaded = _funds(request), _config(request).settings
    _, pdf = await render.with_store(
        request, lambda store: paper.patient_copy(store, sheet_id, funds, practice=loaded)
    )
    return _pdf(pdf, "copie-%d.pdf" % sheet_id)


@router.post("/feuilles/{sheet_id}/duplicata")
async def duplicate_pdf(request: Request, sheet_id: SheetId):
    form = await checked_form(request)
    reason = str(form.get("reason", ""))  # cut and kept on one line by paper.print_duplicate
    funds, loaded = _funds(request), _config(request).settings
    made: list[bytes] = []  # the PDF, handed over before the duplicate is noted
    await render.with_store(
        request,
        lambda store: paper.print_duplicate(
            store, sheet_id, reason, funds, made.append, int(time.time()), practice=loaded
        ),
    )
    return _pdf(made[0], "duplicata-%d.pdf" % sheet_id)
