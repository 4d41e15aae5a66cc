"""The practice's French (host_agent/french.py): amounts from cents, dates from YYYYMMDD,
plurals, deadlines in words, and an accented label for every act code of every nomenclature
version (the terminal's are ASCII)."""

from host_agent import french
from protocol import tariffs as T

NBSP = "\u00a0"


def test_amounts_in_euros():
    assert french.euros(4732) == "47,32" + NBSP + "€"
    assert french.euros(5) == "0,05" + NBSP + "€"
    assert french.euros(123456789) == "1%s234%s567,89%s€" % (NBSP, NBSP, NBSP)
    assert french.euros(-150) == "-1,50" + NBSP + "€"
    assert french.euros(None) == "-" and french.euros(True) == "-"


def test_dates_and_instants():
    assert french.date(20261201) == "01/12/2026"
    assert french.date(20260231) == "-" and french.date(None) == "-"
    assert french.instant(1795024800) == "18/11/2026 à 19:00"  # Paris, winter time
    assert french.instant(1782900000) == "01/07/2026 à 12:00"  # summer time
    assert french.instant(None) == "-"


def test_plurals_and_deadlines():
    assert french.plural(0, "feuille") == "0 feuille"
    assert french.plural(1, "feuille") == "1 feuille"
    assert french.plural(2, "lot scellé", "lots scellés") == "2 lots scellés"
    assert french.days_left(3) == "encore 3 jours ouvrés"
    assert french.days_left(1) == "encore 1 jour ouvré"
    assert french.days_left(0) == "dernier jour"
    assert french.days_left(-2) == "en retard de 2 jours ouvrés"
    assert [french.urgency(n) for n in (None, 5, 1, 0, -1)] == ["", "", "near", "near", "overdue"]


def test_every_act_code_has_an_accented_label():
    for version, _, entries in T.VERSIONS:
        for entry in entries:
            key = (entry[T.CODE], entry[T.PROFESSION])
            assert key in french.ACT_LABELS, (version, key, entry[T.LABEL])
    assert french.act_label("AMI", 60) == "Acte médico-infirmier (lettre clé)"
    assert french.act_label("ZZZ", 60) == "ZZZ"


def test_the_sync_stages_read_in_french():
    assert french.sync_stage("pulling sheets") == "Réception des feuilles de soins"
    assert french.sync_stage("sending the opposition list (version 3)") == (
        "Envoi de la liste d'opposition"
    )
