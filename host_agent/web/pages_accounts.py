"""Logging in and out per person, and the administrator's page of the practice's accounts
(list, add, disable or enable, a new password): host_agent/people.py does the changes.

A wrong password, a disabled account, a held login: refused, written into the PC's access
log (who tried, as typed) and the app's log, nothing else changed."""

import logging

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from host_agent import people
from host_agent.errors import AgentError
from host_agent.web import render, security
from host_agent.web.app import checked_form, log_view

router = APIRouter()
log = logging.getLogger("tla.web")
WRONG = "Identifiant ou mot de passe incorrect."


def _login_page(request: Request, status: int, error: str):
    return render.page(request, "login.html", status, title="Connexion", error=error)


@router.get("/connexion")
async def login_page(request: Request):
    return _login_page(request, 200, "")


@router.post("/connexion")
async def login(request: Request):
    form = await checked_form(request)
    config = request.app.state.config
    login = " ".join(str(form.get("login", "")).split()).lower()[:64]
    given = str(form.get("password", ""))
    client = request.client.host if request.client else "?"
    keys = security.hold_keys(login, client)
    mark = config.holds.reserve(keys)  # counted before the check (argon2id)
    if mark is None:
        log.warning("login held: %r from %s", login, client)
        return _login_page(
            request, 429, "Trop d'essais de mot de passe : attendez une minute et recommencez."
        )
    # argon2id takes a moment: in a worker thread, the other pages go on answering.
    row, right = await run_in_threadpool(
        security.check_login, config, login, given, request.state.store
    )
    tried = people.Viewer(row["id"] if row else None, login or "?", "web")
    if not right or row is None:
        log.warning("wrong password for %r from %s", login, client)
        await run_in_threadpool(log_view, request, tried, "connexion refusée : mot de passe", None)
        return _login_page(request, 403, WRONG)
    if row["disabled"]:
        log.warning("disabled account %r tried to log in from %s", login, client)
        await run_in_threadpool(
            log_view, request, tried, "connexion refusée : compte désactivé", None
        )
        return _login_page(
            request, 403, "Ce compte est désactivé : demandez à l'administrateur du cabinet."
        )
    config.holds.release(keys, mark)
    await run_in_threadpool(log_view, request, tried, "connexion", None)
    response = render.redirect(request, "/")
    cookie = security.new_session(config.secret, logged_in=True)
    config.logins[cookie.split(".")[0]] = (row["id"], row["changed"])
    response.set_cookie(security.COOKIE, cookie, httponly=True, samesite="strict")
    return response


@router.post("/deconnexion")
async def logout(request: Request):
    await checked_form(request)
    request.app.state.config.logins.pop(request.state.sid, None)
    response = render.redirect(request, "/connexion")
    response.delete_cookie(security.COOKIE)
    return response


# ---------------------------------------------------------------- the administrator's page


@router.get("/comptes")
async def accounts_page(request: Request):
    rows = await render.with_store(request, lambda store: store.accounts())
    return render.page(request, "accounts.html", title="Comptes", rows=rows, roles=people.ROLES)


async def _change(request: Request, work, done: str):
    """Do `work(store)` (a change of people.py); back to the page saying `done`, or the
    refusal's French sentence (nothing changed)."""
    try:
        await render.with_store(request, work)
    except people.PeopleError as e:
        return render.redirect(request, "/comptes", e.french, alert=True)
    except AgentError:
        raise
    log.info("accounts: %s by %s", done, request.state.viewer.who)
    return render.redirect(request, "/comptes", done)


@router.post("/comptes/ajouter")
async def add_account(request: Request):
    form = await checked_form(request)
    login = str(form.get("login", "")).strip()
    fields = [str(form.get(k, "")) for k in ("name", "role", "rpps", "password")]
    return await _change(
        request,
        lambda store: people.add(store, login, fields[0], fields[1], fields[2] or None, fields[3]),
        "Compte %s ajouté." % login,
    )


@router.post("/comptes/{login}/desactiver")
async def disable_account(request: Request, login: str):
    await checked_form(request)
    return await _change(
        request,
        lambda store: people.set_disabled(store, login, True),
        "Compte %s désactivé : ses sessions sont fermées." % login,
    )


@router.post("/comptes/{login}/activer")
async def enable_account(request: Request, login: str):
    await checked_form(request)
    return await _change(
        request, lambda store: people.set_disabled(store, login, False), "Compte %s activé." % login
    )


@router.post("/comptes/{login}/mot-de-passe")
async def reset_password(request: Request, login: str):
    form = await checked_form(request)
    password = str(form.get("password", ""))
    return await _change(
        request,
        lambda store: people.set_password(store, login, password),
        "Nouveau mot de passe du compte %s : ses sessions sont fermées." % login,
    )
