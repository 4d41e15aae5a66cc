"""Setting up without a command line, in a real browser (Debian's chromium through
Playwright, as tests/test_web_browser.py; issue 20 item 6): the secretary opens Terminaux,
finds the emulated terminal's pty chosen already, pairs it comparing this PC's code with the
terminal's screen, and the pairing is in the database; then Réglages names a fund, and the
Tournée page keeps a prescription of an earlier sheet's patient, each said on its page."""

import os

import pytest

from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from emulator.waiting import until
from host_agent import ports, settings
from host_agent.store import Store
from host_agent.web.security import Config
from tests import web_kit as web
from tests import web_server as served

pytestmark = pytest.mark.skipif(
    not os.path.exists(served.CHROMIUM) and not os.environ.get("CI"),
    reason="no %s (apt-get install chromium)" % served.CHROMIUM,
)
SERIAL = "TLA-EMU-0077"
LIVE_S = 120_000  # ms: a bound on what must happen, never a timing


def test_pair_name_a_fund_and_keep_a_prescription_in_chromium(tmp_path, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv(ports.FOLDER_ENV, str(tmp_path / "emulators"))
    db = web.day(tmp_path)
    path = tmp_path / "agent.toml"
    path.write_text('database = "agent.db"\n')
    bridge = PtyBridge().start()
    t = make_terminal("cpython", bridge.terminal_path, serial_number=SERIAL)
    announced = None
    config = Config(
        db, today=web.kit.DAY, settings=settings.read(path), find_ports=ports.candidates
    )
    try:
        t.start()
        t.wait_event("READY", 30)
        announced = ports.announce(SERIAL, bridge.host_path)
        with served.Server(config) as server, sync_playwright() as p:
            browser = served.browser(p)
            page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="fr-FR")
            page.set_default_timeout(LIVE_S)
            try:
                page.goto(server.url + "/")
                page.click("nav a[href='/appairer']")
                choice = page.get_by_label("Terminal émulé %s" % SERIAL, exact=False)
                expect(choice).to_be_checked()
                t.press("MENU")
                t.press("1")
                assert until(lambda: t.screen[0] == "Appairage d'un PC", 60), t.screen
                page.click("#pair-button")
                code = page.locator("#code")
                expect(code).to_be_visible()  # the page reloaded at the comparison
                assert until(lambda: t.screen[0].startswith("Code: "), 60), t.screen
                assert t.screen[0] == "Code: " + code.inner_text().strip()
                t.press("OK")
                page.click("#same")
                expect(page.locator("#result")).to_contain_text(
                    "Terminal %s appairé avec ce PC" % SERIAL
                )
                t.press("OK")
                store = Store(db)
                try:
                    assert store.pairing(SERIAL) is not None
                finally:
                    store.close()

                page.click("nav a[href='/reglages']")
                page.locator("input[name=fund_code]").last.fill("011750000")
                page.locator("input[name=fund_name]").last.fill("CPAM de Paris")
                page.click("#save-settings")
                expect(page.locator(".flash")).to_contain_text("Réglages enregistrés")
                assert settings.read(path).funds["011750000"]["name"] == "CPAM de Paris"

                page.click("nav a[href='/tournee']")
                options = page.locator("#patient option")
                page.select_option("#patient", index=1)  # the first patient already seen
                page.fill("input[name=prescriber]", "10009876543")
                page.fill("input[name=date]", "2026-11-02")
                page.fill("input[name=ref]", "1102")
                page.fill("input[name=acts]", "AMI 2 1 + IFD")
                page.fill("input[name=sessions]", "10")
                assert options.count() > 1
                page.click("#keep-prescription")
                expect(page.locator(".flash")).to_contain_text("Prescription gardée")
                expect(page.locator("#series")).to_contain_text("10 séances à faire")
            finally:
                browser.close()
    finally:
        ports.withdraw(announced)
        t.stop()
        bridge.close()
