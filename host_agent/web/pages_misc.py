"""The quarantine (sheets refused at the sync, with why), the terminals' access logs
(R162-1-10 c) and the database's check (`tla-agent check`)."""

from fastapi import APIRouter, Request

from host_agent import check, practice
from host_agent.web import render

router = APIRouter()
LIMIT = 500  # rows a page shows, newest first


def _rows(request: Request, read) -> list:
    """`read(store)`'s rows, on a store opened for this request only."""
    with practice.opened(request.app.state.config.db) as store:
        return read(store)


@router.get("/quarantaine")
async def quarantine(request: Request):
    rows = _rows(request, lambda store: store.quarantined(None, LIMIT))
    return render.page(request, "quarantine.html", title="Quarantaine", rows=rows)


@router.get("/journal")
async def access_log(request: Request):
    rows = _rows(request, lambda store: store.access_log(None, LIMIT))
    return render.page(request, "access_log.html", title="Journal des accès", rows=rows)


@router.get("/verification")
async def check_page(request: Request):
    config = request.app.state.config
    practice.open_store(config.db).close()  # a missing or damaged database: said plainly
    root = practice.load_root(config.root) if config.root.exists() else None
    try:
        report = check.check_database(config.db, root)
    except Exception as e:  # sqlite3.Error, a page that cannot be read: damage
        raise practice.PracticeError(
            str(e),
            "La base de données ne se lit pas jusqu'au bout (%s) : elle est endommagée, "
            "restaurez-la depuis une sauvegarde." % type(e).__name__,
            6,
        ) from None
    return render.page(
        request, "check.html", title="Vérification", report=report, with_root=root is not None
    )
