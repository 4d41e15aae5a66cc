"""The screens' fingerprints (tests/ui_prints.py) catch a change: a screen changed, one
more, an unrecorded flow fail with the screens side by side (old | new); record mode writes
them; two interpreters showing other screens in one recording run fail; the normalisation
keeps a menu's cursor and drops only the boot's idle screens and the time of day."""

import re

import pytest

from tests import ui_prints

MENU = [["Menu", ">1 Appairer un PC", " 2 Synchroniser", " 3 Journal"]]
IDLE = ["tla TLA-T1", "07/12/2026 10:19", "Inserer les cartes", "N/S TLA-EMU-0001"]


@pytest.fixture
def fixtures(tmp_path, monkeypatch):
    monkeypatch.setattr(ui_prints, "FIXTURES", tmp_path)
    monkeypatch.setattr(ui_prints, "SCREENS", tmp_path / "screens")
    monkeypatch.setattr(ui_prints, "INDEX", tmp_path / "screens.json")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return tmp_path


def test_a_changed_screen_fails_with_old_and_new_side_by_side(fixtures):
    ui_prints.UiPrints("record", "run-1").check("t/menu", MENU)
    ui_prints.UiPrints("check", "run-2").check("t/menu", MENU)
    moved = [["Menu", " 1 Appairer un PC", ">2 Synchroniser", " 3 Journal"]]
    with pytest.raises(AssertionError) as e:
        ui_prints.UiPrints("check", "run-2").check("t/menu", moved)
    report = str(e.value)
    assert "ARGS=--ui=record" in report
    assert "%s | %s" % (">1 Appairer un PC".ljust(20), " 1 Appairer un PC") in report
    assert "%s | %s" % (" 2 Synchroniser".ljust(20), ">2 Synchroniser") in report


def test_a_screen_more_and_an_unrecorded_flow_fail(fixtures):
    ui_prints.UiPrints("record", "run-1").check("t/menu", MENU)
    with pytest.raises(AssertionError, match=re.escape("screens none of the record | 2-2 of")):
        ui_prints.UiPrints("check", "run-2").check("t/menu", MENU + [["Fin", "", "", ""]])
    with pytest.raises(AssertionError, match="no screens recorded for flow t/other"):
        ui_prints.UiPrints("check", "run-2").check("t/other", MENU)


def test_two_interpreters_differing_in_one_recording_run_fail(fixtures):
    ui_prints.UiPrints("record", "run-1").check("t/menu", MENU)
    with pytest.raises(AssertionError, match="under another interpreter"):
        ui_prints.UiPrints("record", "run-1").check("t/menu", [["Autre", "", "", ""]])
    ui_prints.UiPrints("record", "run-2").check("t/menu", [["Autre", "", "", ""]])  # a new run
    ui_prints.UiPrints("check", "run-3").check("t/menu", [["Autre", "", "", ""]])


def test_the_normalisation():
    later = ["tla TLA-T1", "18/11/2026 12:07", "Inserer les cartes", "N/S TLA-EMU-0001"]
    left_in = list(ui_prints.HAND_SPEED[0])
    frames = ui_prints.terminal_frames([IDLE, later, MENU[0], left_in, MENU[0], later, later])
    assert frames == [MENU[0], ["tla TLA-T1", "18/11/2026 hh:mm"] + later[2:]]
    assert ui_prints.parse(ui_prints.render(frames)) == frames
