"""`tla-agent serve` in a real browser (Debian's chromium, driven by Playwright): the
practice unloads an emulated terminal on a pty with the page's button and watches it go, sees
the new sheets by patient, builds the lots, seals them with the nurse's virtual CPS served
to pcscd (PIN typed into the page), sends them, imports the funds' returns (one lot of one
sheet rejected) and sees each sheet's state, and downloads a paper duplicate (a PDF); the
unloading page follows a sync's progress as it changes. Then the PIN is in no page, no log
record and no byte of the database.

Screenshots of the main pages go to the test's folder, and to $TLA_SCREENSHOTS when set
(tools/web-screenshots.sh regenerates docs/img/ with it). pcscd's virtual readers are one
per machine: the test holds /tmp/tla-pcsc.lock while it runs (tests/parallel.py)."""

import io
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from emulator.cards import fixtures
from emulator.cardserver import VPCD_PORTS, CardServer
from emulator.pcscd import VPCD_READERS, pcscd
from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from emulator.waiting import until
from host_agent import lots
from host_agent.store import Store
from host_agent.web.security import Config
from hw.pcsc import PcscSlot
from tests import sync_kit
from tests import web_kit as web
from tests import web_server as served
from tests.dom_prints import dom_lines

pytestmark = pytest.mark.skipif(
    not os.path.exists(served.CHROMIUM) and not os.environ.get("CI"),
    reason="no %s (apt-get install chromium)" % served.CHROMIUM,
)
SHEETS = 6  # the nurse's: 5 for the Paris fund, 1 for the Lyon fund (tests/sync_kit.py)
PIN = fixtures.pin("nurse")
# The browser's pages as kept (tests/dom_prints.py): the PC's date (the funds' returns are
# dated today; the app's day is DAY), an unloading's id, the test's folder.
DAY = 20261118
TODAY = (("<today>", web.TODAY_FR), ("<today>", web.TODAY_ISO))
_JOB = re.compile(r"(?<=/decharger/)[0-9a-f]+")
LIVE_S = 120_000  # ms: a bound on what must happen, far above its time on a loaded machine


@pytest.fixture
def terminal(tmp_path):
    """An emulated terminal on a pty, its flash holding the day's sheets, paired with a
    fresh database: (port, database, root certificate)."""
    image = tmp_path / "flash.img"
    sync_kit.flash_image(image, SHEETS)
    bridge = PtyBridge().start()
    t = make_terminal(
        "cpython", bridge.terminal_path, serial_number=sync_kit.SERIAL, flash_path=str(image)
    )
    try:
        t.start()
        t.wait_event("READY", 30)
        t.set_time(sync_kit.NOW)
        db = tmp_path / "practice" / "agent.db"
        db.parent.mkdir(mode=0o700)
        store = Store(db)
        sync_kit.pair_over_port(t, store, bridge.host_path)
        store.close()
        yield bridge.host_path, db, sync_kit.write_root(db.parent)
    finally:
        t.stop()
        bridge.close()


def _returns(db, folder: Path) -> list:
    """The funds' returns (tla-return/1, docs/returns.md), one file per fund: Lyon rejects
    its lot (of one sheet) whole; Paris receives its own, rejects its first sheet, pays the
    next and accepts the others."""
    store = Store(db)
    try:
        sent = [(r, lots.sheets_of(store, r["id"])) for r in lots.all_lots(store, (lots.SENT,))]
    finally:
        store.close()
    paths = []
    for lot, members in sent:
        if lot["fund"] == "011690000":  # rejected whole: its sheet goes into a new lot
            data = {
                "format": "tla-return/1",
                "fund": lot["fund"],
                "lots": [
                    {
                        "lot": lots.name(lot),
                        "arl": "rejected",
                        "date": web.TODAY_ISO,
                        "code": "L03",
                        "label": "NIR inconnu de la caisse",
                    }
                ],
                "sheets": [],
            }
            path = folder / ("retour-%s.json" % lot["fund"])
            path.write_text(json.dumps(data))
            paths.append(path)
            continue
        answers = []
        for i, s in enumerate(members):
            answer = {"lot": lots.name(lot), "order_no": s["order_no"], "date": web.TODAY_ISO}
            if i == 0:
                answer.update(result="rejected", code="R12", label="Droits non ouverts")
            elif i == 1:
                answer.update(result="paid", amount=s["fees"])
            else:
                answer.update(result="accepted")
            answers.append(answer)
        data = {
            "format": "tla-return/1",
            "fund": lot["fund"],
            "lots": [{"lot": lots.name(lot), "arl": "received", "date": web.TODAY_ISO}],
            "sheets": answers,
        }
        path = folder / ("retour-%s.json" % lot["fund"])
        path.write_text(json.dumps(data))
        paths.append(path)
    return paths


def test_a_day_at_the_practice_in_chromium(tmp_path, terminal, ui_prints):
    from playwright.sync_api import expect, sync_playwright

    port, db, root = terminal
    config = Config(
        db,
        root=root,
        terminal_port=port,
        outbox=tmp_path / "outbox",
        today=DAY,
        find_ports=lambda ids: [],
    )
    shots = served.Shots(tmp_path / "shots")
    html = []  # every page the browser was given

    def keep(response):
        if "text/html" in response.headers.get("content-type", ""):
            html.append(response.text())

    with served.Server(config) as server, sync_playwright() as p:
        browser = served.browser(p)
        page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="fr-FR")
        page.set_default_timeout(LIVE_S)
        page.on("response", keep)
        try:
            page.goto(server.url + "/")
            expect(page.locator("h1")).to_have_text("Accueil")
            expect(page.locator("input[name=port]")).to_have_value(port)
            shots.take(page, "accueil")

            # Unload the terminal with the button; the page follows the sync, then says it.
            page.click("#unload-button")
            page.wait_for_url(re.compile(r"/decharger/[0-9a-f]+$"))
            result = page.locator("#result")
            expect(result).to_contain_text("%d feuilles rangées" % SHEETS)
            shots.take(page, "dechargement")

            page.click("#to-sheets")
            rows = page.locator("#sheets tbody tr")
            expect(rows).to_have_count(SHEETS)
            page.click("#sheets thead a:has-text('Patient')")  # newest first, then by patient
            expect(page.locator("#sheets thead th[aria-sort=ascending]")).to_contain_text("Patient")
            names = rows.locator("td:first-child").all_inner_texts()
            assert names == sorted(names, key=lambda n: (n.startswith("("), n.casefold())), names
            assert "MARTIN PAUL" in names and "DUPONT MARIE" in names, names
            expect(page.locator("#sheets")).to_contain_text("à mettre en lot")
            shots.take(page, "feuilles")
            page.click("#sheets tbody tr:first-child a")
            expect(page.locator("#fees")).to_contain_text("€")
            expect(page.locator("main")).to_contain_text("Acte médico-infirmier (lettre clé)")
            shots.take(page, "feuille")

            # Build, seal with the nurse's CPS in pcscd's second virtual reader, send.
            page.goto(server.url + "/lots")
            page.click("#build")
            expect(page.locator(".flash")).to_contain_text("2 lots construits")
            with pcscd():
                cps = CardServer(fixtures.make("nurse"), VPCD_PORTS[1])
                cps.start()
                try:
                    assert until(PcscSlot("probe", VPCD_READERS[1]).present, 10), "no CPS in pcscd"
                    _assert_inside(page, "#pin", "form:has(#pin)")  # the code box fits its card
                    page.fill("#pin", "0000")
                    page.click("#seal")
                    expect(page.locator(".error")).to_contain_text("Code faux : encore 2 essais")
                    assert page.url.endswith("/lots") or "/lots?" in page.url  # typed again here
                    page.fill("#pin", PIN)
                    page.click("#seal")
                    expect(page.locator(".flash")).to_contain_text("2 lots scellés")
                finally:
                    cps.remove()
            expect(page.locator("#pin")).to_have_value("")  # never put back in the page
            page.click("#send")
            expect(page.locator(".flash")).to_contain_text("envoyé à la caisse")
            expect(page.locator("#lots")).not_to_contain_text("scellé")
            shots.take(page, "lots")
            assert len(list((tmp_path / "outbox").glob("*/*.tla"))) == 2
            page.click("#lots tbody tr:first-child a")
            expect(page.locator("#lot-check")).to_contain_text(
                "jusqu'au certificat racine vérifiés"
            )
            shots.take(page, "lot")

            # The funds' returns, each file through the page's upload.
            for path in _returns(db, tmp_path):
                page.goto(server.url + "/retours")
                page.set_input_files("#return-file", str(path))
                page.click("#import")
                expect(page.locator(".flash")).to_contain_text("Lot ")
            expect(page.locator("#returns")).to_contain_text("L03: NIR inconnu de la caisse")
            shots.take(page, "retours")
            page.goto(server.url + "/feuilles")
            states = list(
                zip(
                    rows.locator("td:first-child").all_inner_texts(),
                    rows.locator("td.state").all_inner_texts(),
                    strict=True,
                )
            )
            assert sum(s.startswith("rejetée") for _, s in states) == 1, states
            assert sum(s.startswith("payée") for _, s in states) == 1, states
            assert sum(s.startswith("accusée") for _, s in states) == 3, states
            rejected = [n for n, s in states if "rejetée une fois" in s]  # its lot, in a new one
            assert len(rejected) == 1, states
            expect(page.locator("#sheets")).to_contain_text("Droits non ouverts")
            shots.take(page, "feuilles-etats")

            # The rejected sheet's paper duplicate, downloaded.
            page.click("#sheets a:text-is('%s')" % rejected[0])
            page.fill("input[name=reason]", "lot rejeté par la caisse")
            with page.expect_download() as download:
                page.click("#duplicate")
            pdf = tmp_path / "duplicata.pdf"
            download.value.save_as(pdf)
            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
            assert "DUPLICATA" in text and "lot rejeté par la caisse" in text
            for path, name in (("/quarantaine", "quarantaine"), ("/journal", "journal")):
                page.goto(server.url + path)
                shots.take(page, name)
            page.goto(server.url + "/verification")
            expect(page.locator("#verdict")).to_contain_text("La base de données est cohérente")
            shots.take(page, "verification")
            kept = list(shots.pages)  # (the live progress' pages change with the machine's speed)
            _live_progress(page, server, shots)
        except Exception:  # what the page and the server said, to read the failure by
            print("page %s:\n%s" % (page.url, page.inner_text("body")[:3000]))
            print("\n".join(server.logs.lines[-60:]))
            raise
        browser.close()
        logs = list(server.logs.lines)

    assert len(shots.taken) == 12 and all(p.stat().st_size > 5000 for p in shots.taken)
    assert any("POST /lots/sceller" in line for line in logs), logs[-20:]
    _assert_pin_nowhere(html, logs, db)
    for name, page_html in kept:  # each page as the browser had it, kept by fingerprint
        at = (("<tmp>", str(tmp_path)),) + TODAY  # the outbox is in the test's folder
        ui_prints.check("browser/" + name, [dom_lines(_JOB.sub("<job>", page_html), at)])


def _live_progress(page, server, shots):
    """The unloading page follows a sync as it goes: a job held half-way (its progress set
    by hand, as the sync's Progress calls set it) is shown, then each change of it, then
    its end, without reloading by hand."""
    from playwright.sync_api import expect

    from host_agent.web.jobs import Job

    jobs = server.app.state.jobs
    done = next(iter(jobs.jobs.values()))  # the real unloading, ended
    job = Job(done.port)
    job.stage("pulling sheets")
    job.expect(SHEETS)
    job.advance(3, 6000)
    with jobs.lock:
        jobs.jobs[job.id] = job
    page.goto(server.url + "/decharger/" + job.id)
    expect(page.locator("#stage")).to_have_text("Réception des feuilles de soins")
    expect(page.locator("#count")).to_have_text("3 feuilles reçues sur %d" % SHEETS)
    shots.take(page, "progression")
    job.advance(2, 4000)
    expect(page.locator("#count")).to_have_text("5 feuilles reçues sur %d" % SHEETS)
    expect(page.locator("#bar")).to_have_attribute("value", "5")
    with job.lock:
        job.summary, job.finished = done.summary, True
    expect(page.locator("#result")).to_contain_text("%d feuilles rangées" % SHEETS)


def _assert_inside(page, inner, outer):
    """The box of `inner` lies within the box of `outer` (nothing overflows its card)."""
    a, b = page.locator(inner).bounding_box(), page.locator(outer).bounding_box()
    assert a and b, (inner, outer)
    assert b["x"] <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"], (a, b)
    assert b["y"] <= a["y"] and a["y"] + a["height"] <= b["y"] + b["height"], (a, b)


def _assert_pin_nowhere(html, logs, db):
    """The PIN as a word of its own (a NIR or an amount holding its digits is not it) in no
    page and no log line; in the database's files, only inside the bytes of a stored value
    that came from the cards (a signature, a certificate), never in a text."""
    alone = re.compile(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % PIN)
    assert len(html) >= 15
    for text in html:
        assert not alone.search(text), alone.search(text)
    for line in logs:
        assert not alone.search(line), line
    blobs, texts = [], []
    with sqlite3.connect("file:%s?mode=ro" % db, uri=True) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute("SELECT * FROM %s" % table):
                for value in row:
                    (blobs if isinstance(value, bytes) else texts).append(value)
    assert not any(isinstance(v, str) and alone.search(v) for v in texts)
    # The database, its journal and WAL, and the sync leases' lock files (<db>-leases/).
    beside = list(db.parent.glob(db.name + "*"))
    for path in [f for p in beside for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]:
        data = path.read_bytes()
        for m in re.finditer(PIN.encode(), data):
            # Its bytes with those before, or those after (it may end or start a value).
            before, after = data[max(m.start() - 8, 0) : m.end()], data[m.start() : m.end() + 8]
            assert any(before in b or after in b for b in blobs), (path.name, before, after)


def test_search_filter_and_pages_of_a_year_in_chromium(tmp_path):
    """A year's 2,000 sheets (bench/seed_sheets.py): the secretary types a name without
    its accent, picks a state and a page size, goes to the next page and back, sorts by
    fees; each page keeps what she chose, and the rows are those sheets."""
    from playwright.sync_api import expect, sync_playwright

    from bench import seed_sheets

    db = tmp_path / "practice" / "agent.db"
    seeded = seed_sheets.seed(db, 2000)
    name = next(n for n, _, _ in seeded.patients if n.startswith("FRAN"))  # FRANÇOIS
    config = Config(db, today=seed_sheets.DAY)
    with served.Server(config) as server, sync_playwright() as p:
        browser = served.browser(p)
        page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="fr-FR")
        page.set_default_timeout(LIVE_S)
        try:
            page.goto(server.url + "/feuilles")
            expect(page.locator("#totals")).to_contain_text("2000 feuilles")
            expect(page.locator("#pages")).to_contain_text("Page 1 sur 40")
            page.fill("input[name=q]", "francois")
            page.select_option("select[name=etat]", "payee")
            page.select_option("select[name=par]", "25")
            page.click("#filters button[type=submit]")
            totals = page.locator("#totals")
            expect(totals).to_contain_text("trouvées")
            found = int(totals.inner_text().split()[0])
            assert found > 25, totals.inner_text()  # more than a page
            rows = page.locator("#sheets tbody tr")
            expect(rows).to_have_count(25)
            first = rows.locator("td:first-child").all_inner_texts()
            ids = "rows => rows.map(r => r.dataset.sheet)"
            first_ids = set(rows.evaluate_all(ids))
            assert all(n.startswith("FRANÇOIS") or "François" in n for n in first), first
            assert all(s.startswith("payée") for s in rows.locator("td.state").all_inner_texts())
            page.click("#pages a[rel=next]")
            expect(page.locator("#pages")).to_contain_text("Page 2 sur %d" % -(-found // 25))
            assert "q=francois" in page.url and "etat=payee" in page.url and "par=25" in page.url
            expect(page.locator("input[name=q]")).to_have_value("francois")
            expect(page.locator("select[name=etat]")).to_have_value("payee")
            second = set(rows.evaluate_all(ids))
            assert len(second) == min(25, found - 25) and second.isdisjoint(first_ids)
            page.click("#sheets thead a:has-text('Honoraires')")
            expect(page.locator("#pages")).to_contain_text("Page 1 sur")
            assert "tri=honoraires" in page.url and "q=francois" in page.url
            fees = [
                float(t.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
                      .replace("€", "").replace(",", "."))
                for t in rows.locator("td:nth-child(6)").all_inner_texts()
            ]  # fmt: skip
            assert fees == sorted(fees), fees
            page.fill("input[name=q]", "%")
            page.click("#filters button[type=submit]")
            expect(page.locator("#none")).to_contain_text("Aucune feuille de soins ne correspond")
            page.goto(server.url + "/feuilles?page=999")
            expect(page.locator("#problem")).to_contain_text("La page 999 n'existe pas")
            page.click("#problem a:has-text('dernière page')")
            expect(page.locator("#pages")).to_contain_text("Page 40 sur 40")
        except Exception:
            print("page %s:\n%s" % (page.url, page.inner_text("body")[:3000]))
            raise
        browser.close()
    assert name
