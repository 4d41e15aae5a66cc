"""The practice of the settings on paper (docs/agent.md "Settings"): a duplicate of a sheet
made at the settings' practice situation prints its name and address (R161-42 2°), one made
at the professional's other situation leaves the line to fill by hand, as without settings."""

from tests import lots_kit as kit
from tests.test_lots_duplicate import text_of

SETTINGS = """\
[practice]
name = "Cabinet infirmier des Lilas"
address = ["12 rue des Lilas", "69003 Lyon"]
situation = "%s"
"""


def test_the_duplicate_prints_the_practice_of_its_situation(tmp_path, db_where):
    store, filed = kit.store_with_day(db_where)
    nurse = next(i for i, (pro, _, _) in filed.items() if pro == "nurse")
    situation = filed[nurse][2].situation
    store.close()
    config = tmp_path / "agent.toml"
    for mine, expect in ((situation, True), ("999999999", False)):
        config.write_text(SETTINGS % mine)
        pdf = tmp_path / ("dup-%s.pdf" % mine)
        proc = kit.agent(
            db_where,
            "--config",
            str(config),
            "sheets",
            "export",
            str(nurse),
            "-o",
            str(pdf),
        )
        assert proc.returncode == 0, proc.stderr
        text = " ".join(text_of(pdf).split())
        assert ("Cabinet infirmier des Lilas" in text and "69003 Lyon" in text) == expect, text
        assert ("Cabinet et adresse ....." in text) == (not expect)
