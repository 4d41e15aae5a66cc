"""Bad input on the "Feuilles de soins" page (issue 20 "Bad input"; docs/web.md "Feuilles
de soins"), on both backends: every hostile value of its address is a French sentence on
the page, a 4xx when the request is wrong, never a 500; a search is matched literally (its
quotes, LIKE's % and _ and unicode are letters); the sheets found are real rows."""

import re

import pytest

from tests import web_kit as web

_ROW = re.compile(r'data-sheet="(\d+)"')


@pytest.fixture()
def client(tmp_path, db_where):
    return web.client(web.day(tmp_path, db_where))


def _rows(r) -> list:
    return [int(i) for i in _ROW.findall(r.text)]


WRONG = [  # (query, status, the sentence said)
    ("q=" + "a" * 10000, 400, "La recherche est trop longue (10000 caractères)"),
    ("q=%00dupont", 400, "caractères invisibles ou invalides"),
    ("q=" + "1" * 16, 400, "Un NIR a 13 chiffres, 15 avec sa clé"),
    ("du=2026-11-30&au=2026-11-01", 400, "La période est à l'envers : le 30/11/2026 est après"),
    ("du=2026-02-30", 400, "La date de début « 2026-02-30 » n'est pas une date du calendrier"),
    ("au=demain", 400, "La date de fin « demain » n'est pas une date"),
    ("page=abc", 400, "Le numéro de page « abc » n'est pas un nombre entier positif."),
    ("page=0", 400, "Le numéro de page « 0 » n'est pas un nombre entier positif."),
    ("page=-1", 400, "Le numéro de page « -1 »"),
    ("page=99999999999999999999", 400, "n'est pas un nombre entier positif"),
    ("page=2", 404, "La page 2 n'existe pas : il n'y en a qu'une."),
    ("page=999999999", 404, "La page 999999999 n'existe pas"),
    ("etat=perdue", 400, "L'état « perdue » n'existe pas"),
    ("etat=filed", 400, "L'état « filed » n'existe pas"),  # the page's words, not the code's
    ("tri=bundle", 400, "On ne peut pas trier par « bundle »."),
    ("tri=date;DROP", 400, "On ne peut pas trier par"),
    ("ordre=up", 400, "L'ordre « up » n'existe pas"),
    ("par=7", 400, "7 feuilles par page : choisissez 25, 50, 100 ou 200."),
    ("par=1e9", 400, "Le nombre de feuilles par page « 1e9 »"),
    ("caisse=CPAM", 400, "La caisse « CPAM » n'existe pas."),
    ("pro=%27%20OR%201=1", 400, "Le professionnel « ' OR 1=1 » n'existe pas."),
]


@pytest.mark.parametrize("query,status,said", WRONG, ids=[w[0][:30] for w in WRONG])
def test_a_wrong_address_is_a_french_sentence_and_a_4xx(client, query, status, said):
    r = client.get("/feuilles?" + query)
    assert r.status_code == status, web.text(r)[:500]
    page = web.text(r)
    assert said in page
    assert 'role="alert"' in r.text and _rows(r) == []  # said, and nothing listed
    assert 'href="/feuilles"' in r.text  # the way back to every sheet


def test_a_long_value_is_quoted_back_cut_and_escaped(client):
    r = client.get("/feuilles", params={"etat": web.HOSTILE * 5})
    assert r.status_code == 400
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    assert web.HOSTILE * 2 not in web.text(r)  # cut to 30 characters


SEARCHES = [  # (search, the patients' names it finds on the day, tests/lots_kit.py)
    ("martin", {"MARTIN PAUL"}),
    ("MÂRTÎN  paul", {"MARTIN PAUL"}),
    ("paul martin", {"MARTIN PAUL"}),
    ("%", set()),
    ("_", set()),
    ("%a%", set()),
    ("'", set()),
    ('"martin"', set()),
    ("\\", set()),
    ("mart%", set()),
    ("日本語", set()),
    ("🙂", set()),
    ("é" * 200, set()),
]


@pytest.mark.parametrize("search,names", SEARCHES, ids=[s[0][:12] for s in SEARCHES])
def test_a_search_is_matched_literally(client, search, names):
    r = client.get("/feuilles", params={"q": search, "par": 200})
    assert r.status_code == 200, web.text(r)[:300]
    page = web.text(r)
    found = {m for m in re.findall(r'<a href="/feuilles/\d+">([^<]+)</a>', page)}
    assert found == names
    if names:
        assert re.search(r"\d+ feuilles? trouvées?", page)
    else:
        assert "Aucune feuille de soins ne correspond à cette recherche." in page


def test_a_page_past_the_last_with_filters_links_to_the_last_with_them(client):
    r = client.get("/feuilles?q=martin&par=25&page=3")
    assert r.status_code == 404
    assert 'href="/feuilles?q=martin&amp;par=25&amp;page=1"' in r.text
