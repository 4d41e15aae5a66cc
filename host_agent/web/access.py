"""Who may use each route of the web app, and what each route shows of health data: one
table, enforced by the app's middleware (app.py) before any handler runs, and written into
the PC's access log (R162-1-10 c) after a page is made and before it is sent.

A route the table does not name is refused (the app's test enumerates its routes: a new
route without its line fails tests/test_web_people.py).
"""

from typing import NamedTuple

from starlette.routing import Match

from host_agent import people

EVERYONE = people.EVERYONE
SEAL = frozenset({people.PROFESSIONAL})  # only the professional's CPS seals (R161-47 I)
ACCOUNTS = frozenset({people.ADMINISTRATOR})
SETUP = frozenset({people.ADMINISTRATOR, people.SECRETARY})  # pairing a terminal


class Rule(NamedTuple):
    roles: frozenset
    shows: str = ""  # what the PC's access log says was seen ("" : no health data)


OPEN = Rule(EVERYONE)
RULES = {
    ("GET", "/connexion"): OPEN,
    ("POST", "/connexion"): OPEN,
    ("POST", "/deconnexion"): OPEN,
    ("GET", "/"): Rule(EVERYONE),
    ("POST", "/decharger"): Rule(EVERYONE),
    ("GET", "/decharger/{job_id}"): Rule(EVERYONE),
    ("GET", "/decharger/{job_id}/etat"): Rule(EVERYONE),
    ("GET", "/feuilles"): Rule(EVERYONE, "la liste des feuilles de soins"),
    ("GET", "/feuilles/{sheet_id}"): Rule(EVERYONE, "la feuille de soins {sheet_id}"),
    ("GET", "/feuilles/{sheet_id}/copie.pdf"): Rule(
        EVERYONE, "la copie patient de la feuille {sheet_id}"
    ),
    ("POST", "/feuilles/{sheet_id}/duplicata"): Rule(
        EVERYONE, "le duplicata papier de la feuille {sheet_id}"
    ),
    ("POST", "/feuilles/{sheet_id}/pieces"): Rule(EVERYONE),
    ("GET", "/feuilles/{sheet_id}/pieces/{piece_id}"): Rule(
        EVERYONE, "l'ordonnance numérisée {piece_id} de la feuille {sheet_id}"
    ),
    ("GET", "/lots"): Rule(EVERYONE),
    ("GET", "/lots/{ref}"): Rule(EVERYONE, "les feuilles du lot {ref}"),
    ("GET", "/lots/{ref}/bordereau.pdf"): Rule(EVERYONE, "le bordereau du lot {ref}"),
    ("POST", "/lots/construire"): Rule(EVERYONE),
    ("POST", "/lots/sceller"): Rule(SEAL),
    ("POST", "/lots/envoyer"): Rule(EVERYONE),
    ("GET", "/retours"): Rule(EVERYONE, "les retours des caisses"),
    ("POST", "/retours/boite"): Rule(EVERYONE),
    ("POST", "/retours"): Rule(EVERYONE),
    ("GET", "/recettes"): Rule(EVERYONE, "les recettes et les feuilles impayées"),
    ("GET", "/quarantaine"): Rule(EVERYONE, "les feuilles en quarantaine"),
    ("GET", "/journal"): Rule(EVERYONE, "le journal des accès"),
    ("GET", "/verification"): Rule(EVERYONE),
    ("GET", "/exports"): Rule(EVERYONE),
    ("GET", "/exports/feuilles.csv"): Rule(EVERYONE, "l'export des feuilles de soins"),
    ("GET", "/exports/recettes.csv"): Rule(EVERYONE, "l'export des recettes"),
    ("GET", "/comptes"): Rule(ACCOUNTS),
    ("POST", "/comptes/ajouter"): Rule(ACCOUNTS),
    ("POST", "/comptes/{login}/desactiver"): Rule(ACCOUNTS),
    ("POST", "/comptes/{login}/activer"): Rule(ACCOUNTS),
    ("POST", "/comptes/{login}/mot-de-passe"): Rule(ACCOUNTS),
    ("GET", "/appairer"): Rule(SETUP),
    ("POST", "/appairer"): Rule(SETUP),
    ("GET", "/appairer/{job_id}"): Rule(SETUP),
    ("GET", "/appairer/{job_id}/etat"): Rule(SETUP),
    ("POST", "/appairer/{job_id}/codes"): Rule(SETUP),
    ("GET", "/tournee"): Rule(EVERYONE, "les prescriptions et les patients de la tournée"),
    ("POST", "/tournee/prescription"): Rule(EVERYONE),
    ("POST", "/tournee/preparer"): Rule(EVERYONE),
    ("POST", "/feuilles/{sheet_id}/prescription"): Rule(EVERYONE),
    ("GET", "/reglages"): Rule(ACCOUNTS),
    ("POST", "/reglages"): Rule(ACCOUNTS),
}
NO_RULE = Rule(frozenset())  # a route nobody may use: it has no line above


class Found(NamedTuple):
    rule: Rule
    params: dict  # the path's parameters, as typed
    path: str  # the route's path, as RULES names it


def routes(app) -> list:
    """The app's (or a router's) routes that answer a method, in the order they are tried:
    those of the routers it includes (no prefix) in their place."""
    out = []
    for route in getattr(app, "router", app).routes:
        included = getattr(route, "original_router", None)  # FastAPI's included router
        if included is not None:
            out += routes(included)
        elif getattr(route, "methods", None):
            out.append(route)
    return out


def route_of(app, scope) -> Found | None:
    """The rule of the route `scope` reaches, or None when it reaches none (404, static)."""
    for route in routes(app):
        match, child = route.matches(scope)
        if match == Match.FULL:
            key = (scope["method"], route.path)
            if scope["method"] == "HEAD":
                key = ("GET", route.path)
            return Found(RULES.get(key, NO_RULE), child.get("path_params", {}), route.path)
    return None


def shown(found: Found) -> tuple[str, int | None]:
    """(what the access log says was seen, the sheet's id if one)."""
    params = {k: str(v)[:40] for k, v in found.params.items()}
    sheet = str(found.params.get("sheet_id", ""))
    number = int(sheet) if sheet.isascii() and sheet.isdigit() and len(sheet) < 19 else None
    return found.rule.shows.format(**params), number


def refusal(viewer: people.Viewer, roles) -> str:
    """The French sentence of a route this viewer's role may not use."""
    role = people.ROLES.get(viewer.role or "", "")
    who = ", ".join(people.ROLES[r] for r in sorted(roles)) or "personne"
    return "Votre compte (%s) ne permet pas cette action, réservée à : %s. Rien n'a été fait." % (
        role,
        who,
    )


def nav(viewer, items):
    """The menu's pages this viewer may open."""
    return [(path, label) for path, label in items if viewer is None or _may(viewer, path)]


def _may(viewer, path) -> bool:
    rule = RULES.get(("GET", path))
    return rule is not None and viewer.may(rule.roles)
