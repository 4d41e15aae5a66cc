"""Every PDF field prints any Unicode text (issue 17, item 8): a Vitale whose certificate
names its holder outside windows-1252 (the fixture "foreign-name": Ł, Ś, Ę and an emoji
the font lacks) synced for real from the emulated terminal, then the patient's copy and the
paper duplicate made by the CLI and by the web app, with a reason, a fund's name and a
practice's address in other scripts. Each PDF is read back with pypdf: the name is there,
and a character the font has no glyph for is the replacement character, never an error."""

import io

import pytest
from pypdf import PdfReader

from host_agent import duplicate, pdf_page, settings
from host_agent.store import Store
from tests import lots_kit, sync_kit
from tests import web_kit as web

NAME = "ŁUKASIEWICZ ŚWIĘTOSŁAWA"  # the fixture's certificate name, less its emoji
REASON = "réseau coupé → renvoi ✓ 🦀 漢字\u202e\x07"


def text_of(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


@pytest.fixture
def synced(tmp_path):
    """The database of a sync of two sheets of the foreign-name patient (the real
    terminal's journal, the link, the agent's verification and filing)."""
    world, store, root = sync_kit.paired_world(tmp_path)
    sync_kit.add_sheets(world.app.storage, 2, patients=("foreign-name",))
    sync_kit.agent(world, store, root).run()
    assert store.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0] == 2
    store.close()
    (tmp_path / "root.pem").write_bytes(lots_kit.root_der())
    return store.path


def test_the_cli_prints_the_name_on_the_copy_and_the_duplicate(synced, tmp_path):
    copy, dup = tmp_path / "copie.pdf", tmp_path / "duplicata.pdf"
    done = lots_kit.agent(synced, "sheets", "export", "1", "-o", str(copy))
    assert done.returncode == 0, done.stderr
    assert NAME in text_of(copy.read_bytes())
    done = lots_kit.agent(synced, "duplicate", "2", "--reason", REASON, "-o", str(dup))
    assert done.returncode == 0, done.stderr
    text = text_of(dup.read_bytes())
    assert NAME in text and "réseau coupé → renvoi ✓" in text
    assert pdf_page.REPLACEMENT in text  # the crab and the ideographs: no glyph in the font
    assert "\u202e" not in text and "\x07" not in text
    # A reason typed over lines, or pasted at length, is kept on one line, cut, as the page does.
    done = lots_kit.agent(synced, "duplicate", "1", "--reason", "a\nb " * 400, "-o", str(dup))
    assert done.returncode == 0, done.stderr
    store = Store(synced)
    kept = [r[0] for r in store.db.execute("SELECT reason FROM paper_duplicates ORDER BY sheet_id")]
    store.close()
    assert kept == [("a b " * 75).strip(), " ".join(REASON.split())]


def test_the_web_app_serves_the_copy_and_the_duplicate(synced, tmp_path):
    path = tmp_path / "tla.toml"
    path.write_text(
        '[practice]\nname = "Cabinet Łódź → Ἀθῆναι"\naddress = ["ул. Ленина 3 🦀", "75020 Paris"]\n',
        encoding="utf-8",
    )
    c = web.client(synced, settings=settings.read(path, required=True))
    copy = c.get("/feuilles/1/copie.pdf")
    assert copy.status_code == 200, copy.text[:300]
    text = text_of(copy.content)
    assert NAME in text and "Cabinet Łódź → Ἀθῆναι" in text and "ул. Ленина 3" in text
    token = web.csrf(c, "/feuilles/2")
    dup = c.post("/feuilles/2/duplicata", data={"csrf": token, "reason": REASON})
    assert dup.status_code == 200, dup.text[:300]
    assert NAME in text_of(dup.content) and "renvoi ✓" in text_of(dup.content)
    # The page of the sheet names the patient too, and the connection goes on answering.
    assert NAME in web.text(c.get("/feuilles/2"))


@pytest.mark.parametrize("fonts", ["dejavu", "none"])
def test_any_text_in_any_field_makes_a_page(fonts, tmp_path, monkeypatch, db_where):
    """Every text field of the page at once, each with what windows-1252 and the font lack;
    also on a PC without DejaVu, where the letters lose their accents instead (Ł -> L)."""
    store, filed = lots_kit.store_with_day(db_where)
    row = store.sheet_row(next(iter(filed)))
    store.close()
    hostile = "Ł→🦀漢\ud800\u202e\x00\r\n\tx" * 20
    facts = duplicate.Facts(
        professional_name=hostile,
        insured_name=hostile,
        fund_name=hostile,
        lot=hostile,
        reason=hostile,
        practice=[hostile, hostile],
    )
    if fonts == "none":
        monkeypatch.setattr(pdf_page, "unicode_fonts", lambda folders=None: None)
    pdf = duplicate.render(row["bundle"], facts, duplicate.DUPLICATE)
    assert ("L?" if fonts == "none" else "Ł→") in text_of(pdf)
    assert text_of(pdf).startswith("DUPLICATA")


def test_the_font_is_the_systems_dejavu():
    fonts = pdf_page.unicode_fonts()
    assert fonts is not None, "DejaVu Sans is missing: apt-get install fonts-dejavu-core"
    assert pdf_page.unicode_fonts([fonts[0].parent / "nowhere"]) is None
