"""The quarantine (sheets refused at the sync, with why), the terminals' access logs and the
PC's, per person (R162-1-10 c), and the database's check (`tla-agent check`)."""

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from host_agent import check, names, sheets
from host_agent.web import render

router = APIRouter()
LIMIT = 500  # rows a page shows, newest first


@router.get("/quarantaine")
async def quarantine(request: Request):
    rows = await render.with_store(request, lambda store: sheets.quarantined(store, None, LIMIT))
    return render.page(request, "quarantine.html", title="Quarantaine", rows=rows)


@router.get("/journal")
async def access_log(request: Request):
    """The terminals' access logs, and the PC's: who saw what on these pages and commands,
    of one person when `personne` names one (R162-1-10 c)."""
    person = request.query_params.get("personne", "")[:64]

    def read(store):
        rows = sheets.access_log(store, None, LIMIT)
        shown = [r["who"] for r in rows] + [r["card_id"] for r in rows]  # their names only
        return (
            rows,
            names.holders_of(store, shown),
            store.views(person or None, LIMIT),
            (store.viewers()),
        )

    rows, holders, views, viewers = await render.with_store(request, read)
    return render.page(
        request,
        "access_log.html",
        title="Journal des accès",
        rows=rows,
        holders=holders,
        views=views,
        viewers=viewers,
        person=person,
    )


@router.get("/verification")
async def check_page(request: Request):
    config = request.app.state.config
    report, root = await run_in_threadpool(check.check_files, config.db, config.root)
    return render.page(
        request, "check.html", title="Vérification", report=report, with_root=root is not None
    )
