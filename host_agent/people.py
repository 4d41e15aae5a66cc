"""The practice's people (issue 19 item 4; docs/agent.md "Accounts"): an account per person,
its role, its password, and the PC's access log of who saw what (R162-1-10 c).

Roles: a secretary unloads terminals, builds and sends lots, imports returns and prints
duplicates; a professional does the same and alone seals, with their own CPS (their RPPS
number is the lot's professional); an administrator does a secretary's work and manages the
accounts. Passwords are argon2id hashes (argon2-cffi's RFC 9106 parameters, kept in each
hash: docs/architecture.md "Decisions"); a password is never stored, logged or shown.
"""

import getpass
import re
import time
from typing import NamedTuple

from firmware.cards import fields
from host_agent.errors import AgentError

PROFESSIONAL, SECRETARY, ADMINISTRATOR = "professional", "secretary", "administrator"
ROLES = {PROFESSIONAL: "professionnel", SECRETARY: "secrétaire", ADMINISTRATOR: "administrateur"}
EVERYONE = frozenset(ROLES)
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
FIRST_LOGIN = "admin"  # today's single password becomes this administrator at upgrade
LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}", re.ASCII)
NAME_MAX = 80
WHAT_MAX = 200  # an access-log line's "what": a lot's reference typed in the address is bounded


class PeopleError(AgentError):
    """An account's change refused: nothing was changed."""

    french_default = "Ce changement de compte est refusé ; rien n'a été modifié."


class Viewer(NamedTuple):
    """Who is looking: an account (id, login, role, rpps) on the web, the PC's own user
    on the command line or on a practice without accounts (account_id None, role None:
    every right, as before accounts existed)."""

    account_id: int | None
    who: str
    via: str
    role: str | None = None
    rpps: str | None = None
    name: str = ""

    def may(self, roles) -> bool:
        return self.role is None or self.role in roles


def of_account(row, via: str = "web") -> Viewer:
    return Viewer(row["id"], row["login"], via, row["role"], row["rpps"], row["name"])


def pc_user(via: str) -> Viewer:
    """The PC's own user (who runs the command, or the web app without accounts)."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        who = "?"
    return Viewer(None, who[:64], via)


# ---------------------------------------------------------------- what an account holds


def check_login(login: str) -> str:
    if not LOGIN.fullmatch(login or ""):
        raise PeopleError(
            "the login %r is not one: 1 to 32 lower-case ASCII letters, digits, '.', '_' or "
            "'-', starting with a letter or digit" % (login or "")[:40],
            french="Identifiant refusé : de 1 à 32 lettres minuscules sans accent, chiffres, "
            "« . », « _ » ou « - ».",
        )
    return login


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise PeopleError(
            "the person's name must be 1 to %d printable characters" % NAME_MAX,
            french="Nom refusé : de 1 à %d caractères imprimables." % NAME_MAX,
        )
    return name


def check_role(role: str, rpps: str | None) -> str | None:
    """The RPPS number to keep: a professional's, checked (11 digits, Luhn key); None for
    the other roles, which have none."""
    if role not in ROLES:
        raise PeopleError(
            "the role %r is not one: %s" % ((role or "")[:40], ", ".join(ROLES)),
            french="Rôle refusé : professionnel, secrétaire ou administrateur.",
        )
    if role != PROFESSIONAL:
        if rpps:
            raise PeopleError(
                "only a professional has an RPPS number (%s has none)" % role,
                french="Seul un professionnel a un numéro RPPS.",
            )
        return None
    rpps = (rpps or "").strip()
    if not (len(rpps) == 11 and rpps.isascii() and rpps.isdigit() and fields.luhn_valid(rpps)):
        raise PeopleError(
            "a professional needs their RPPS number: 11 digits whose last is the Luhn key "
            "(as on their CPS)",
            french="Un professionnel a besoin de son numéro RPPS : 11 chiffres, comme sur sa "
            "carte CPS.",
        )
    return rpps


def check_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        raise PeopleError(
            "the password must be %d to %d characters" % (PASSWORD_MIN, PASSWORD_MAX),
            french="Mot de passe refusé : %d caractères au moins." % PASSWORD_MIN,
        )
    return password


# ---------------------------------------------------------------- passwords (argon2id)

_hasher = None


def _argon():
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher  # only where a password is hashed or checked

        _hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory choice: t=3, 64 MiB, p=4
    return _hasher


def hash_password(password: str) -> str:
    return _argon().hash(check_password(password))


# A hash to check a password against when the login names no account: the answer then takes
# as long as for a real account, and does not tell which logins exist.
_decoy: list[str] = []


def password_ok(stored: str | None, given: str) -> bool:
    from argon2 import exceptions

    if len(given) > PASSWORD_MAX:
        return False
    if stored is None:
        if not _decoy:
            _decoy.append(hash_password("decoy password"))
        stored, given = _decoy[0], given + "\0"  # never equal
    try:
        return _argon().verify(stored, given)
    except (exceptions.VerificationError, exceptions.InvalidHashError):
        return False


# ---------------------------------------------------------------- changes


def add(store, login, name, role, rpps, password, now: int | None = None) -> int:
    """A new account's id; PeopleError (nothing added) for a bad field or a taken login."""
    login, name = check_login(login), check_name(name)
    rpps = check_role(role, rpps)
    made = store.add_account(
        login, name, role, rpps, hash_password(password), now or int(time.time())
    )
    if made is None:
        raise PeopleError(
            "the login %s is taken: choose another" % login,
            french="L'identifiant %s est déjà pris : choisissez-en un autre." % login,
        )
    return made


def first_administrator(store, password_hash: str, now: int | None = None) -> bool:
    """Today's single password (`serve --password-file`) made the first administrator,
    `admin`, when the practice has no account yet. True when it was made now."""
    if store.has_accounts():
        return False
    made = store.add_account(
        FIRST_LOGIN, "Administrateur", ADMINISTRATOR, None, password_hash,
        now or int(time.time()), only_first=True,
    )  # fmt: skip
    return made is not None


def known(store, login: str):
    row = store.account(login)
    if row is None:
        raise PeopleError(
            "no account has the login %s (tla-agent users list)" % login[:40],
            french="Aucun compte n'a cet identifiant.",
        )
    return row


def set_password(store, login: str, password: str, now: int | None = None) -> None:
    known(store, login)
    store.set_password(login, hash_password(password), now or int(time.time()))


def set_disabled(store, login: str, disabled: bool, now: int | None = None) -> None:
    """Disable (or enable again) an account: its sessions end at their next page. The last
    enabled administrator stays: nobody could manage the accounts any more."""
    known(store, login)
    if store.set_disabled(login, disabled, now or int(time.time())) is None:
        raise PeopleError(
            "%s is the last administrator: add another before disabling it" % login,
            french="C'est le dernier administrateur : ajoutez-en un autre avant de le désactiver.",
        )


def sealer(store, rpps: str) -> str:
    """Who seals with the CPS whose holder is `rpps` (`lots seal`, in English): the
    professional's account tied to that RPPS number; "" for a practice without accounts."""
    if not store.has_accounts():
        return ""
    rows = [r for r in store.accounts() if r["role"] == PROFESSIONAL and r["rpps"] == rpps]
    if not rows:
        return (
            "no account of the practice has RPPS %s (tla-agent users add LOGIN --role "
            "professional --rpps %s)" % (rpps, rpps)
        )
    return ", ".join(
        "account %s (%s, RPPS %s%s)"
        % (r["login"], r["name"], rpps, ", disabled" if r["disabled"] else "")
        for r in rows
    )


# ---------------------------------------------------------------- the PC's access log


def log_view(store, viewer: Viewer, what: str, sheet_id=None, now: int | None = None) -> None:
    """Who saw (or was refused) what, committed before it is shown (R162-1-10 c)."""
    store.log_view(
        now or int(time.time()),
        viewer.account_id,
        viewer.who,
        viewer.via,
        " ".join(what.split())[:WHAT_MAX],
        sheet_id,
    )


def log_at(db, viewer: Viewer, what: str, sheet_id=None) -> None:
    """log_view on the database at `db`, opened for it (a web page's worker thread, a
    command): AgentError when it cannot be opened or written."""
    from host_agent import workspace

    workspace.on_store(db, lambda store: log_view(store, viewer, what, sheet_id))


def accounts(store) -> list:
    """Every account, by login (`tla-agent users list`, the page Comptes)."""
    return store.accounts()


def views(store, who: str | None = None, limit: int = 0) -> list:
    """The PC's access log, newest first, of `who` only if given."""
    return store.views(who or None, limit)
