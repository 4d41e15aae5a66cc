"""The practice's local web app (`tla-agent serve`): server-rendered pages in French over the
same domain functions as the CLI (terminals, overview, sealing, dispatch, paper, acks...).

Every page: a signed session cookie, a CSRF token in every form (a POST without it: 403),
a login per person once the practice has accounts (or when the app listens beyond this PC),
each route's roles checked and its viewing of health data logged (web/access.py), no caching (health data), nothing from
another site (Content-Security-Policy 'self': every asset is served from the package).
"""

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from host_agent import people, pieces_check
from host_agent.errors import EXIT_DATABASE, AgentError
from host_agent.web import access, render, security
from host_agent.web.jobs import Jobs

log = logging.getLogger("tla.web")
OPEN_PATHS = ("/connexion", "/static/")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


# The largest POST read: a return file (1 MiB) and the form around it. Checked on the
# Content-Length before anything is read: any site the practice visits can make its browser
# post to 127.0.0.1, and the form is read (spooled to the disk) before its token is checked.
MAX_BODY = 1024 * 1024 + 64 * 1024
# A scanned prescription's upload (web/pages_pieces.py): its 10 Mo and the form around it.
MAX_PIECE_BODY = pieces_check.MAX_BYTES + 64 * 1024
_PIECE_UPLOAD = re.compile(r"/feuilles/[0-9]{1,19}/pieces", re.ASCII)
_LENGTH = re.compile(r"[0-9]{1,10}", re.ASCII)  # str.isdigit() takes "²" and "٣"


def _body_refusal(request: Request) -> tuple[int, str] | None:
    """(status, French sentence) when a POST's one Content-Length is absent, malformed or
    too big; None otherwise."""
    if request.method != "POST":
        return None
    lengths = request.headers.getlist("content-length")
    if len(lengths) != 1 or not _LENGTH.fullmatch(lengths[0]):
        return 411, "Cette demande ne dit pas sa taille : rien n'a été fait."
    if _PIECE_UPLOAD.fullmatch(request.url.path):
        if int(lengths[0]) > MAX_PIECE_BODY:
            return 413, pieces_check.TOO_BIG + " Rien n'a été enregistré."
    elif int(lengths[0]) > MAX_BODY:
        return (
            413,
            "Cette demande est trop grosse pour cette application (plus de 1 Mo) : "
            "rien n'a été fait.",
        )
    return None


def _refused(status: int, sentence: str) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Refusé</title>'
        "<p>%s</p></html>" % sentence,
        status_code=status,
        headers=HEADERS,
    )


class CsrfRefused(Exception):
    pass


async def checked_form(request: Request):
    """The POSTed form, once its CSRF token is this session's; CsrfRefused (403) else."""
    form = await request.form()
    if not security.csrf_ok(request.app.state.config.secret, request.state.sid, form.get("csrf")):
        raise CsrfRefused()
    return form


class Sessions(BaseHTTPMiddleware):
    """A session for every visitor (made on the first request), its login when one is
    needed, and the headers every answer carries."""

    async def dispatch(self, request: Request, call_next):
        try:
            return await self._answer(request, call_next)
        except Exception as exc:
            # Answered here, never past this middleware: Starlette's last handler re-raises
            # after its page, and the server then drops the connection (the browser's next
            # request on it got no answer).
            return unexpected(request, exc)

    async def _answer(self, request: Request, call_next):
        config = request.app.state.config
        host = security.host_of(request.headers)
        if host is None:
            return _refused(
                400,
                "Cette demande ne dit pas à quelle adresse elle s'adresse "
                "(en-tête Host absent ou mal formé) : rien n'a été fait.",
            )
        try:  # the request's one store (one connection), closed once the page is made
            store = await run_in_threadpool(security.request_store, config)
        except AgentError as e:
            return _refused(503, e.french)
        request.state.store = store
        try:
            return await self._with_store(request, call_next, host)
        finally:
            if store is not None:
                await run_in_threadpool(store.close)

    async def _with_store(self, request: Request, call_next, host: str):
        config, store = request.app.state.config, request.state.store
        try:
            login_required = await run_in_threadpool(security.has_accounts, config, store)
        except AgentError as e:
            return _refused(503, e.french)
        if not login_required and not security.is_loopback(host):
            # No login: only this PC's own names. A page of another site that renamed itself
            # to 127.0.0.1 (DNS rebinding) would otherwise read the practice's pages.
            return _refused(421, "Cette application ne répond qu'à l'adresse 127.0.0.1 de ce PC.")
        refusal = _body_refusal(request)
        if refusal is not None:
            return _refused(*refusal)
        session = security.read_session(config.secret, request.cookies.get(security.COOKIE))
        fresh = None
        if session is None:
            fresh = security.new_session(config.secret)
            session = security.read_session(config.secret, fresh)
        assert session is not None
        request.state.sid, signed_in = session
        request.state.csrf = security.csrf_token(config.secret, request.state.sid)
        request.state.login_required = login_required
        try:
            response = await self._guarded(request, call_next, signed_in)
        except AgentError as e:  # the database went away while the visitor was looked up
            response = _refused(503, e.french)
        if fresh is not None:
            response.set_cookie(security.COOKIE, fresh, httponly=True, samesite="strict")
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    async def _guarded(self, request: Request, call_next, signed_in: bool):
        """The page, once the visitor may see it (web/access.py), its viewing in the PC's
        access log before it is sent; a refusal, logged, with nothing done otherwise."""
        config = request.app.state.config
        viewer = people.pc_user("web")  # a practice without accounts: every right, as before
        if request.state.login_required:
            sid = request.state.sid
            viewer = None
            if signed_in:
                viewer = await run_in_threadpool(security.visitor, config, sid, request.state.store)
        request.state.viewer = viewer
        request.state.logged_in = request.state.login_required and viewer is not None
        found = access.route_of(request.app, request.scope)
        if viewer is None:
            if request.url.path.startswith(OPEN_PATHS):
                return await call_next(request)
            return render.redirect(request, "/connexion")
        if found is not None and not viewer.may(found.rule.roles):
            log.warning("refused: %s %s to %s (%s)", request.method, found.path, viewer.who,
                        viewer.role)  # fmt: skip
            what = "refusé : %s %s" % (request.method, found.path)
            await run_in_threadpool(log_view, request, viewer, what, None)
            return render.page(
                request, "error.html", 403, title="Refusé",
                message=access.refusal(viewer, found.rule.roles), detail="",
            )  # fmt: skip
        response = await call_next(request)
        if found is not None and found.rule.shows and response.status_code < 400:
            # R162-1-10 c: who saw what, committed before it is sent (else nothing is shown).
            await run_in_threadpool(log_view, request, viewer, *access.shown(found))
        return response


def log_view(request: Request, viewer, what: str, sheet_id) -> None:
    """The PC's access-log line of this request, on its store (AgentError when the
    database is missing or cannot take it)."""
    store = request.state.store
    if store is None:
        people.log_at(request.app.state.config.db, viewer, what, sheet_id)  # says it is missing
    else:
        people.log_view(store, viewer, what, sheet_id)


async def log_page_shown(request: Request, route: tuple, sheet_id=None) -> None:
    """The PC's access-log line of the page of `route` (access.RULES) shown again with a
    4xx (a form refused with its data): the middleware logs only the pages answered below
    400, and this one shows what that page shows (R162-1-10 c)."""
    what = access.RULES[route].shows.format(sheet_id=sheet_id)
    await run_in_threadpool(log_view, request, request.state.viewer, what, sheet_id)


def unexpected(request: Request, exc: Exception) -> HTMLResponse:
    """The page of an error nothing else answered (a bug): the IT person's log gets the
    traceback, the page one French sentence and the headers of every page."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    response = render.page(
        request,
        "error.html",
        500,
        title="Erreur",
        message="Une erreur imprévue a arrêté cette action (%s) ; rien n'a été fait à "
        "moitié : la base de données garde l'état d'avant." % type(exc).__name__,
        detail="",
    )
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    return response


def create_app(config: security.Config) -> FastAPI:
    from host_agent.web import (
        pages_accounts,
        pages_exports,
        pages_lots,
        pages_misc,
        pages_money,
        pages_pairing,
        pages_pieces,
        pages_round,
        pages_settings,
        pages_sheets,
    )

    app = FastAPI(title="tla-agent", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.state.flashes = render.Flashes()
    app.state.jobs = Jobs()
    app.state.pairings = Jobs()  # one pairing at a time, beside the unloading
    app.mount("/static", StaticFiles(directory=str(render.HERE / "static")), name="static")
    app.add_middleware(Sessions)
    pages = (pages_sheets, pages_pieces, pages_lots, pages_misc, pages_exports, pages_money)
    pages += (pages_accounts, pages_settings, pages_pairing, pages_round)
    for module in pages:
        app.include_router(module.router)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> HTMLResponse:
        return render.page(
            request,
            "error.html",
            403,
            title="Formulaire refusé",
            message="Ce formulaire a expiré ou ne vient pas de cette application : rien n'a "
            "été fait. Rechargez la page et recommencez.",
            detail="",
        )

    @app.exception_handler(AgentError)
    async def _refused(request: Request, exc: AgentError) -> HTMLResponse:
        # The domain's refusal: its French sentence, and the English one for the IT person.
        return render.page(
            request,
            "error.html",
            503 if exc.exit_code == EXIT_DATABASE else 409,
            title="Refusé",
            message=exc.french,
            detail=str(exc),
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> HTMLResponse:
        words = {404: "Cette page n'existe pas.", 405: "Cette action ne se fait pas ainsi."}
        return render.page(
            request,
            "error.html",
            exc.status_code,
            title="Erreur",
            message=words.get(exc.status_code, "La demande n'a pas pu être traitée."),
            detail="",
        )

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, exc: RequestValidationError) -> HTMLResponse:
        # An address whose number is not one (/feuilles/abc): FastAPI's own answer is JSON
        # in English that echoes what was typed; the page says it in French.
        return await _http(request, HTTPException(404))

    return app
