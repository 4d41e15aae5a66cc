"""Pages from the Jinja2 templates beside this module, with the French formatting of
host_agent/french.py as filters. Autoescape is on for every template: a patient's name or a
fund's reason that holds markup is shown as text, never run."""

import time
from pathlib import Path

import jinja2
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from host_agent import duplicate, french, lots, names, people, workspace
from host_agent.web import access
from host_agent.web.security import random_id
from protocol import dates

HERE = Path(__file__).resolve().parent
env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / "templates")),
    autoescape=True,  # every template, whatever its name ends with
    undefined=jinja2.StrictUndefined,
)
templates = Jinja2Templates(env=env)


@jinja2.pass_context
def _fund(context, code) -> str:
    """A fund by the name the practice's funds settings give it, else by its code's words."""
    return names.fund(code, context["request"].app.state.config.settings)


env.filters.update(
    fund=_fund,
    iso=lambda ymd: dates.iso(dates.ymd_tuple(ymd)),
    purpose=names.purpose,
    euros=french.euros,
    date=french.date,
    instant=french.instant,
    days_left=french.days_left,
    urgency=french.urgency,
    nir=duplicate.nir_text,
    sheet_state=lambda key: french.SHEET_STATES.get(key, key),
    lot_state=lambda key: french.LOT_STATES.get(key, key),
    act_label=french.act_label,
    lot_name=lots.name,
    rating=lambda act: duplicate.rating(act, None),
)
env.globals.update(
    plural=french.plural,
    professional=names.professional,
    card_name=names.card,
    PAYMENTS=french.PAYMENTS,
    PROFESSIONS=french.PROFESSIONS,
    EXEMPTIONS=duplicate.EXEMPTIONS,
    ACCIDENTS=duplicate.ACCIDENTS,
    UNSIGNED=duplicate.UNSIGNED,
    ABSENT=french.ABSENT_REASONS,
    PIECE_TYPES={"image/jpeg": "image JPEG", "image/png": "image PNG", "application/pdf": "PDF"},
)

NAV = (
    ("/", "Accueil"),
    ("/feuilles", "Feuilles de soins"),
    ("/lots", "Lots"),
    ("/retours", "Retours des caisses"),
    ("/recettes", "Recettes"),
    ("/quarantaine", "Quarantaine"),
    ("/journal", "Journal des accès"),
    ("/verification", "Vérification"),
    ("/exports", "Exports"),
    ("/tournee", "Tournée"),
    ("/appairer", "Terminaux"),
    ("/comptes", "Comptes"),
    ("/reglages", "Réglages"),
)


def now(config) -> int:
    """The clock, or noon (Paris) of the day the app was told it is (tests, `--today`)."""
    if config.today is None:
        return int(time.time())
    day = dates.ymd_to_days(config.today) * 86400 + 12 * 3600
    return day - dates.paris_offset(day)


def today(config) -> int:
    """The day deadlines are counted on (YYYYMMDD): today in France, or the configured one."""
    return config.today if config.today is not None else workspace.today()


async def with_store(request, work):
    """`work(store)`'s result, run in a worker thread on the request's one store
    (web/app.py; the server goes on answering meanwhile). A missing database is an
    AgentError (workspace.open_store creates none)."""
    store = getattr(request.state, "store", None)
    if store is not None:
        return await run_in_threadpool(work, store)
    # No request store (the database was missing when the request came): it says so.
    return await run_in_threadpool(workspace.on_store, request.app.state.config.db, work)


def page(request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    state = request.state
    viewer = getattr(state, "viewer", None)
    context.update(
        request=request,
        nav=access.nav(viewer, NAV) if viewer is not None else [],
        csrf=getattr(state, "csrf", ""),
        logged_in=getattr(state, "logged_in", False),
        login_needed=getattr(state, "login_required", False),
        viewer=viewer,
        ROLES=people.ROLES,
    )
    if not context.get("flash"):
        said = flashes(request.app).pop(request.query_params.get("msg"), "")
        # A refusal ("Code faux : encore 2 essais") is said as an alert on the page it came
        # from, where the user tries again; other messages as a status line.
        context["flash"], context["flash_alert"] = (
            said if isinstance(said, tuple) else (said, False)
        )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


class Flashes(dict):
    """Messages shown once on the page a form redirects to (?msg=ID): kept here, so that a
    link cannot put words of its own in the practice's pages."""

    LIMIT = 200

    def add(self, text) -> str:
        while len(self) >= self.LIMIT:
            self.pop(next(iter(self)))
        key = random_id()
        self[key] = text
        return key


def flashes(app) -> Flashes:
    return app.state.flashes


def download(data: bytes, media_type: str, name: str) -> Response:
    """A file the browser saves as `name` (a PDF, a CSV), with the app's headers."""
    return Response(data, media_type=media_type, headers={"Content-Disposition": attachment(name)})


def attachment(name: str) -> str:
    """A Content-Disposition that saves the file as `name`: its ASCII letters, digits and
    `.-_` in filename (any other character a `_`: a quote or a line break cannot end the
    header), the name whole in filename* (RFC 6266, RFC 5987)."""
    from urllib.parse import quote

    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in name)
    return "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (ascii_name, quote(name, safe=""))


def redirect(request, path: str, message: str = "", alert=False) -> RedirectResponse:
    """303 to `path` (a page of this app), showing `message` once (`alert`: as a refusal)."""
    if message:
        said = (message, True) if alert else message
        path += ("&" if "?" in path else "?") + "msg=" + flashes(request.app).add(said)
    return RedirectResponse(path, status_code=303)
