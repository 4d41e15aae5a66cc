"""The settings page (an administrator's): the practice, the funds (code, name), the caps
and the mailbox, read from the settings file and written back by host_agent/settings_edit.py
(checked, atomic, 0600; a value refused is said in French and nothing is written)."""

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from host_agent import settings, settings_edit
from host_agent.errors import AgentError
from host_agent.web import render
from host_agent.web.app import checked_form

router = APIRouter()
NO_FILE = (
    "Cette application a été lancée sans fichier de réglages : lancez-la avec tla-agent "
    "serve (ou --config FICHIER) pour modifier les réglages ici. Rien n'a été écrit."
)


def _path(request: Request):
    loaded = request.app.state.config.settings
    return loaded.path if loaded is not None and loaded.path is not None else None


def _page(request: Request, status: int, fields: dict, error: str = ""):
    return render.page(
        request,
        "settings.html",
        status,
        title="Réglages",
        fields=fields,
        error=error,
        path=str(_path(request) or ""),
        caps=settings_edit.CAPS_LABELS,
        securities=settings.SECURITIES,
    )


def _blank() -> dict:
    return settings_edit.form_values(settings.Settings())


@router.get("/reglages")
async def settings_page(request: Request):
    path = _path(request)
    if path is None:
        return _page(request, 409, _blank(), NO_FILE)
    try:
        loaded = await run_in_threadpool(settings_edit.current, path)
    except settings.SettingsError as e:
        return _page(request, 409, _blank(), e.french)
    return _page(request, 200, settings_edit.form_values(loaded))


@router.post("/reglages")
async def save_settings(request: Request):
    form = await checked_form(request)
    path = _path(request)
    if path is None:
        return _page(request, 409, _blank(), NO_FILE)
    try:
        loaded = await run_in_threadpool(settings_edit.save, path, form)
    except settings.SettingsError as e:
        typed = _typed(form)  # the page again, as typed, to mend the one value
        return _page(request, 422, typed, e.french)
    except OSError as e:
        raise AgentError(
            "cannot write the settings file %s: %s" % (path, e.strerror or e),
            french="Le fichier de réglages n'a pas pu être écrit (%s) : l'ancien reste "
            "entier." % (e.strerror or e),
        ) from None
    request.app.state.config.settings = loaded  # the funds' names, the caps, from now on
    return render.redirect(
        request,
        "/reglages",
        "Réglages enregistrés dans %s. La base de données et le terminal gardent les leurs."
        % Path(path).name,
    )


def _typed(form) -> dict:
    fields = {k: str(form.get(k, "") or "")[:400] for k in _blank() if k != "funds"}
    codes, names = form.getlist("fund_code")[:200], form.getlist("fund_name")[:200]
    fields["funds"] = [(str(c)[:20], str(n)[:100]) for c, n in zip(codes, names, strict=False)]
    return fields
