"""`make bench ARGS=pages`: the practice's pages at a year's scale (issue 20 item 1; docs/web.md
"Feuilles de soins"): 100,000 sheets seeded (bench/seed_sheets.py; the SQLite file kept in
build/bench/ for the next run, made again when the schema or the seed changes), then each
page asked REPEAT times through the app (FastAPI's TestClient: routing, the store, the
templates), p50 and p95 printed beside the goal, 200 ms. Then the same on PostgreSQL when
its binaries are here (tests/postgres_kit.py), seeded anew. Figures for reading, never
pass/fail."""

import os
import statistics
import time
from pathlib import Path

from bench import seed_sheets
from host_agent.store import Store, migrations
from host_agent.store.sheet_search import fold

ROOT = Path(__file__).resolve().parent.parent
SHEETS = 100000
REPEAT = 20
GOAL_MS = 200
SEED_VERSION = 3  # bump when seed_sheets.py seeds something else


def pages(seeded) -> list:
    """(name, address) of every page measured, on the seeded practice."""
    pro, fund = seeded.professionals[3], seeded.funds[7]
    name = seeded.patients[11][0]
    nir = seeded.patients[12][1]
    some = min(seeded.states)  # an old sheet: paid, with its lot and answer
    return [
        ("Feuilles de soins", "/feuilles"),
        ("  search: a name, no accents", "/feuilles?q=" + fold(name).split()[0]),
        ("  search: a name, two words", "/feuilles?q=" + fold(name)),
        ("  search: a NIR", "/feuilles?q=" + nir),
        ("  filter: a month", "/feuilles?du=2026-06-01&au=2026-06-30"),
        ("  filter: a fund", "/feuilles?caisse=" + fund),
        ("  filter: a professional", "/feuilles?pro=" + pro),
        ("  filter: à mettre en lot", "/feuilles?etat=a-mettre-en-lot"),
        ("  filter: en lot", "/feuilles?etat=en-lot"),
        ("  filter: transmise", "/feuilles?etat=transmise"),
        ("  filter: accusée", "/feuilles?etat=accusee"),
        ("  filter: rejetée", "/feuilles?etat=rejetee"),
        ("  filter: payée", "/feuilles?etat=payee"),
        ("  filter: impayée", "/feuilles?etat=impayee"),
        ("  all filters at once", "/feuilles?pro=%s&caisse=%s&du=2026-01-01&au=2026-12-31"
         "&etat=payee" % (pro, fund)),
        ("  sort: patient", "/feuilles?tri=patient"),
        ("  sort: fees, largest first", "/feuilles?tri=honoraires&ordre=desc"),
        ("  sort: state", "/feuilles?tri=etat"),
        ("  sort: fund", "/feuilles?tri=caisse"),
        ("  last page (50 a page)", "/feuilles?page=%d" % -(-len(seeded.states) // 50)),
        ("  last page sorted by patient", "/feuilles?tri=patient&page=%d"
         % -(-len(seeded.states) // 50)),
        ("A sheet's page", "/feuilles/%d" % some),
        ("Accueil (the day's to-do)", "/"),
        ("Recettes (this year)", "/recettes"),
    ]  # fmt: skip


def measure(where, seeded, title) -> None:
    from tests import web_kit

    client = web_kit.client(where, today=seed_sheets.DAY)
    load = "%.1f %.1f %.1f" % os.getloadavg()  # figures of a busy machine are read as such
    print("-- %s, %d sheets, %d requests a page (ms); load average %s on %d cores"
          % (title, len(seeded.states), REPEAT, load, os.cpu_count()))  # fmt: skip
    print("   %-34s %7s %7s  %s" % ("page", "p50", "p95", "goal <= %d ms" % GOAL_MS))
    for name, address in pages(seeded):
        times = []
        for i in range(REPEAT + 1):
            began = time.perf_counter()
            r = client.get(address)
            if i:  # the first one warms the caches (the certificates' names, the pages)
                times.append((time.perf_counter() - began) * 1000)
            if r.status_code != 200:
                print("   %-34s answered %d" % (name, r.status_code))
                break
        else:
            p95 = statistics.quantiles(times, n=20)[-1]
            print("   %-34s %7.0f %7.0f  %s" % (name, statistics.median(times), p95,
                                              "ok" if p95 <= GOAL_MS else "OVER"))  # fmt: skip


def sqlite_practice():
    """The seeded SQLite file of this schema and seed, made once; (path, Seeded)."""
    folder = ROOT / "build" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("pages-%d-r%s-s%d.db" % (SHEETS, migrations.HEAD, SEED_VERSION))
    if not path.exists():
        began = time.monotonic()
        part = path.with_suffix(".part")
        for old in folder.glob(part.name + "*"):
            old.unlink()
        seeded = seed_sheets.seed(part, SHEETS)
        Store(part).close()  # its WAL checkpointed into the file
        part.rename(path)
        print("seeded %s in %.0f s" % (path.name, time.monotonic() - began))
    else:
        # The same seed gives the same practice: its description without seeding again.
        seeded = seed_sheets.describe(path, SHEETS)
    return path, seeded


def postgresql() -> None:
    from host_agent.store.location import Server
    from tests import postgres_kit

    why = postgres_kit.missing()
    if why:
        print("-- PostgreSQL skipped: %s" % why)
        return
    server = postgres_kit.Server()
    try:
        server.start()
        where = Server(server.new_database(True))
        began = time.monotonic()
        seeded = seed_sheets.seed(where, SHEETS)
        print("seeded PostgreSQL in %.0f s" % (time.monotonic() - began))
        measure(where, seeded, "PostgreSQL %s" % server_version(where))
    finally:
        server.stop()


def server_version(where) -> str:
    store = Store(where)
    try:
        return store.db.execute("SHOW server_version").scalar()
    finally:
        store.close()


def main() -> None:
    path, seeded = sqlite_practice()
    measure(path, seeded, "SQLite")
    postgresql()
