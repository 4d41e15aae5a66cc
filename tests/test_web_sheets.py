"""The "Feuilles de soins" page at scale (issue 20 item 1, docs/web.md "Feuilles de soins"),
on both backends: a seeded practice of 2,000 sheets (bench/seed_sheets.py) searched by name
(accents and case aside) and NIR, filtered, sorted, in pages, its count and totals; every
answer checked against what host_agent/overview.py reads from the bundles themselves. Bad
input (tests/test_web_sheets_bad.py) and the state kept by the store through a sheet's
life (tests/test_store_sheet_state.py) beside it."""

import re

import pytest

from bench import seed_sheets
from host_agent import accounting, french, overview
from host_agent.store import Store
from host_agent.store.sheet_search import Filters, fold
from tests import postgres_kit
from tests import web_kit as web

DAY = seed_sheets.DAY
SEEDED = 2000
_ROW = re.compile(r'data-sheet="(\d+)"')


class Practice:
    def __init__(self, where, seeded):
        self.where, self.seeded = where, seeded
        store = Store(where)
        try:  # what the sheets are, read the old way: every bundle decoded
            self.lines = {line.id: line for line in overview.sheet_lines(store, DAY)}
        finally:
            store.close()
        self.client = web.client(where)

    def ids(self, query: str) -> list:
        """The sheet ids the page lists for `query`, every page followed (200 a page)."""
        out, page = [], 1
        while True:
            r = self.client.get("/feuilles?%s&par=200&page=%d" % (query, page))
            assert r.status_code == 200, (query, r.status_code, web.text(r)[:300])
            out += [int(i) for i in _ROW.findall(r.text)]
            if 'rel="next"' not in r.text:
                return out
            page += 1


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def practice(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeded")
    if request.param == "sqlite":
        where = folder / "agent.db"
        yield Practice(where, seed_sheets.seed(where, SEEDED))
        return
    if postgres_kit.missing():
        request.getfixturevalue("postgres")  # skips (or fails under CI) saying why
    from host_agent.store.location import Server

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder / "data"))
        where = Server(request.getfixturevalue("postgres").new_database(True))
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        yield Practice(where, seed_sheets.seed(where, SEEDED))


def test_every_state_is_there_and_the_state_column_is_overviews(practice):
    store = Store(practice.where)
    try:
        rows = store.search_sheets(Filters(size=SEEDED))
    finally:
        store.close()
    column = {r["id"]: r["state"] for r in rows}
    assert column == {i: line.state for i, line in practice.lines.items()}
    assert column == practice.seeded.states
    assert set(column.values()) == set(overview_states())
    unpaid = practice.ids("etat=impayee")
    assert unpaid and all(
        practice.lines[i].state in ("sent", "acknowledged") and practice.lines[i].fund.third_party
        for i in unpaid
    )


def overview_states():
    return ("filed", "open", "sealed", "sent", "acknowledged", "rejected", "paid", "duplicate",
            "purged")  # fmt: skip


def test_a_name_is_found_whatever_its_accents_and_case(practice):
    name = next(n for n, _, _ in practice.seeded.patients if "Ç" in n or "É" in n)
    want = sorted(i for i, line in practice.lines.items() if line.patient == name)
    assert want  # the patient has sheets (filed with the name the certificate gives)
    typed = fold(name).upper().replace(" ", "  ")  # FRANCOIS  HELENE: no accent, capitals
    assert sorted(practice.ids("q=" + typed)) == want
    surname, first = name.split(" ", 1)
    both = sorted(practice.ids("q=%s+%s" % (fold(first), fold(surname))))  # any order
    assert both == want
    assert set(want) <= set(practice.ids("q=" + fold(surname)[:4]))  # a part of it


def test_a_name_with_a_quote_is_found_and_wildcards_are_letters(practice):
    quoted = sorted(i for i, line in practice.lines.items() if "'" in line.patient)
    assert quoted  # D'ALEMBERT, N'DIAYE
    assert sorted(practice.ids("q=%27")) == quoted  # a quote alone: those names, no error
    assert practice.ids("q=%25") == [] and practice.ids("q=_") == []  # not "every sheet"
    assert practice.ids("q=%5C") == []  # a backslash, LIKE's escape, is a letter too


def test_a_nir_finds_its_patients_sheets(practice):
    _, nir, _ = practice.seeded.patients[3]
    want = sorted(i for i, line in practice.lines.items() if line.row["insured"] == nir)
    assert want
    assert sorted(practice.ids("q=" + nir)) == want
    spaced = "%s %s %s" % (nir[:1], nir[1:5], nir[5:13])  # as printed, without its key
    assert set(want) <= set(practice.ids("q=" + spaced))


def test_filters_together_count_and_total_what_they_select(practice):
    pro = practice.seeded.professionals[2]
    fund = practice.seeded.funds[5]
    want = sorted(
        i
        for i, line in practice.lines.items()
        if line.row["professional"] == pro
        and line.row["fund"] == fund
        and 20260301 <= line.row["completion"] <= 20261031
        and line.state == "paid"
    )
    assert want
    query = "pro=%s&caisse=%s&du=2026-03-01&au=2026-10-31&etat=payee" % (pro, fund)
    assert sorted(practice.ids(query)) == want
    page = web.text(practice.client.get("/feuilles?" + query))
    fees = sum(practice.lines[i].row["fees"] for i in want)
    totals = re.search(r'<p id="totals">([^<]*)', page).group(1)
    assert totals.startswith("%d feuille" % len(want))
    assert french.euros(fees) in totals


def test_sorted_by_fees_in_pages_that_keep_the_filters(practice):
    fund = practice.seeded.funds[1]
    query = "caisse=%s&tri=honoraires&ordre=asc" % fund
    ids = practice.ids(query)
    fees = [practice.lines[i].row["fees"] for i in ids]
    assert fees == sorted(fees) and len(ids) == sum(
        1 for line in practice.lines.values() if line.row["fund"] == fund
    )
    first = web.text(practice.client.get("/feuilles?caisse=%s&tri=honoraires&par=25" % fund))
    assert "Page 1 sur %d" % -(-len(ids) // 25) in first
    nxt = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert "caisse=%s" % fund in nxt and "tri=honoraires" in nxt and "page=2" in nxt
    second = practice.client.get(nxt)
    assert [int(i) for i in _ROW.findall(second.text)] == ids[25:50]


def test_the_last_page_and_one_past_it(practice):
    r = practice.client.get("/feuilles?par=200&page=10")
    assert r.status_code == 200 and "Page 10 sur 10" in web.text(r)
    assert len(_ROW.findall(r.text)) == 200
    oldest = min(line.row["completion"] for line in practice.lines.values())
    assert french.date(oldest) in web.text(r)  # newest first: the oldest at the end
    past = practice.client.get("/feuilles?par=200&page=11")
    assert past.status_code == 404
    assert "La page 11 n'existe pas : il y en a 10." in web.text(past)
    assert 'href="/feuilles?par=200&amp;page=10"' in past.text


def test_the_takings_are_what_each_sheet_holds(practice):
    """The Recettes page's sums, made by the store per month, are those of the sheets read
    one by one (host_agent/accounting.py before it summed in SQL)."""
    want: dict = {}
    for line in practice.lines.values():
        r = line.row
        key = ("%02d/%04d" % (r["completion"] // 100 % 100, r["completion"] // 10000),
               r["professional"], r["fund"])  # fmt: skip
        total = want.setdefault(key, [0, 0, 0, 0])
        total[0] += 1
        total[1] += r["fees"]
        total[2] += r["third_party"] if r["payment"] == 1 else 0
        paid = line.fund is not None and line.fund.state == "paid"
        total[3] += int(line.fund.amount or 0) if paid else 0
    store = Store(practice.where)
    try:
        got = accounting.takings(store, accounting.Period(20251101, DAY), DAY, "month")
    finally:
        store.close()
    assert {(a, b, c): list(v) for a, b, c, *v in got} == want
    assert sum(v[3] for v in want.values()) > 0


def test_a_page_is_a_few_statements_whatever_its_rows_and_reads_no_patients_card(
    practice, monkeypatch
):
    """The page's rows, their rejection reasons and the professionals' names: as many
    statements for 200 rows as for 1 (no question per row), each row's reason the one the
    store gives it alone, and no patient's card certificate read to name the professionals."""
    from host_agent import names, sheet_list

    store = Store(practice.where)
    said: list = []
    execute = store.db.execute
    store.db.execute = lambda sql, args=(): said.append(sql) or execute(sql, args)
    parsed: list = []
    named = names._named
    monkeypatch.setattr(names, "_named", lambda der: parsed.append(der) or named(der))
    try:
        counts = []
        for size in (1, 200):
            said.clear()
            page = sheet_list.sheet_page(store, Filters(sort="date", size=size), DAY)
            counts.append(len(said))
            for line in page.lines:
                assert line.rejected == store.rejected_reason(line.id), line.id
        assert counts[0] == counts[1], counts
        left = [
            s for s in range(1, 1 + -(-SEEDED // 200))
            for line in sheet_list.sheet_page(store, Filters(page=s, size=200), DAY).lines
            if line.rejected is not None
        ]  # fmt: skip
        professionals = set(store.sheet_choices()[1])
        cps = store.certificates_naming(professionals)
    finally:
        store.close()
    assert left, "the seeded practice has sheets that left a rejected lot"
    assert parsed and set(parsed) <= set(cps.values()), "a patient's card read"
    assert len(cps) < len(practice.seeded.patients)
    assert {n for der in cps.values() for n, _ in names._named(der)} >= professionals
