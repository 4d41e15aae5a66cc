"""The "Feuilles de soins" page's address: its search, filters, sort and page read from the
query string (every value hostile until checked: a wrong one is one French sentence and a
400, never a query), and the links that keep them (docs/web.md "Feuilles de soins").

    /feuilles?q=dupont&du=2026-01-01&au=2026-03-31&caisse=011750000&pro=10001234565
             &etat=impayee&tri=honoraires&ordre=desc&page=2&par=50
"""

import unicodedata
from urllib.parse import urlencode

from host_agent import french
from host_agent.store.sheet_search import Filters, fold
from protocol import dates
from protocol.ascii import is_digits

MAX_SEARCH = 200  # characters: a name or a NIR is far shorter
PAGE_SIZES = (25, 50, 100, 200)
STATES = {  # the page's words for host_agent/store/sheet_search.STATE_FILTERS
    "a-mettre-en-lot": ("filed", "à mettre en lot"),
    "en-lot": ("in_lot", "en lot (à sceller ou à envoyer)"),
    "transmise": ("sent", "transmise"),
    "accusee": ("acknowledged", "accusée"),
    "rejetee": ("rejected", "rejetée"),
    "payee": ("paid", "payée"),
    "impayee": ("unpaid", "impayée (tiers payant transmis, non payé)"),
    "duplicata": ("duplicate", "duplicata papier"),
    "effacee": ("purged", "double électronique effacé"),
}
SORTS = {  # the page's words: (host_agent/store/sheet_search.SORTS key, column heading)
    "patient": ("patient", "Patient"),
    "date": ("date", "Date des soins"),
    "numero": ("numero", "N°"),
    "professionnel": ("professionnel", "Professionnel"),
    "caisse": ("caisse", "Caisse"),
    "honoraires": ("honoraires", "Honoraires"),
    "etat": ("etat", "État"),
}
FIELDS = ("q", "du", "au", "caisse", "pro", "etat", "tri", "ordre", "par")


class FilterError(ValueError):
    """A value of the address the page cannot take: `french` says which and why."""

    def __init__(self, french: str, status: int = 400):
        super().__init__(french)
        self.french = french
        self.status = status


def _shown(value: str) -> str:
    """A value quoted back in a message: cut short (it is escaped by the template)."""
    return value if len(value) <= 30 else value[:30] + "…"


def _date(value: str, which: str):
    if not value:
        return None
    try:
        y, m, d = dates.parse_iso(value)
    except ValueError:
        raise FilterError(
            "La date %s « %s » n'est pas une date du calendrier (AAAA-MM-JJ)."
            % (which, _shown(value))
        ) from None
    return y * 10000 + m * 100 + d


def _search(value: str) -> tuple[tuple, str]:
    """(words of a name, digits of a NIR) searched for."""
    if len(value) > MAX_SEARCH:
        raise FilterError(
            "La recherche est trop longue (%d caractères) : un nom ou un NIR, %d caractères "
            "au plus." % (len(value), MAX_SEARCH)
        )
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in value):
        raise FilterError("La recherche contient des caractères invisibles ou invalides.")
    digits = "".join(value.split())
    if is_digits(digits):
        if len(digits) > 15:
            raise FilterError("Un NIR a 13 chiffres, 15 avec sa clé : « %s » en a %d."
                              % (_shown(digits), len(digits)))  # fmt: skip
        return (), digits
    return tuple(w for w in value.split() if fold(w)), ""


def _code(value: str, lengths, what: str) -> str:
    if value and not is_digits(value, lengths):
        raise FilterError("%s « %s » n'existe pas." % (what, _shown(value)))
    return value


def parse(params) -> Filters:
    """The page's Filters from the query string `params` (a mapping); FilterError else."""
    get = {k: str(params.get(k, "") or "").strip() for k in (*FIELDS, "page")}
    words, nir = _search(get["q"])
    start, end = _date(get["du"], "de début"), _date(get["au"], "de fin")
    if start is not None and end is not None and start > end:
        raise FilterError(
            "La période est à l'envers : le %s est après le %s. Mettez la date la plus "
            "ancienne en premier." % (french.date(start), french.date(end))
        )
    state = get["etat"]
    if state and state not in STATES:
        raise FilterError("L'état « %s » n'existe pas : choisissez-en un dans la liste."
                          % _shown(state))  # fmt: skip
    sort = get["tri"] or "date"
    if sort not in SORTS:
        raise FilterError("On ne peut pas trier par « %s »." % _shown(sort))
    order = get["ordre"] or ("desc" if sort == "date" else "asc")
    if order not in ("asc", "desc"):
        raise FilterError("L'ordre « %s » n'existe pas (croissant : asc, décroissant : desc)."
                          % _shown(order))  # fmt: skip
    size = _number(get["par"] or "50", "Le nombre de feuilles par page")
    if size not in PAGE_SIZES:
        raise FilterError("%d feuilles par page : choisissez 25, 50, 100 ou 200." % size)
    return Filters(
        words=words,
        nir=nir,
        start=start,
        end=end,
        fund=_code(get["caisse"], (9,), "La caisse"),
        professional=_code(get["pro"], (9, 11), "Le professionnel"),
        state=STATES[state][0] if state else "",
        sort=SORTS[sort][0],
        descending=order == "desc",
        page=_number(get["page"] or "1", "Le numéro de page"),
        size=size,
    )


def _number(value: str, what: str) -> int:
    if not is_digits(value, range(1, 10)) or int(value) < 1:
        raise FilterError("%s « %s » n'est pas un nombre entier positif." % (what, _shown(value)))
    return int(value)


def link(params, **changes) -> str:
    """/feuilles with the query string `params`'s filters, `changes` applied (a value
    None takes it out): the page's links keep what the user chose."""
    kept = {k: str(params.get(k, "")) for k in (*FIELDS, "page") if params.get(k)}
    for key, value in changes.items():
        if value is None:
            kept.pop(key, None)
        else:
            kept[key] = str(value)
    return "/feuilles" + ("?" + urlencode(kept) if kept else "")
