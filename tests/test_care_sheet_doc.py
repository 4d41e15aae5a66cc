"""docs/care-sheet.md says what the code does: its key tables are the layouts of
protocol/sheet_fields.py and protocol/bundle.py, its example's diagnostic notation and hex are
the encoding of the sample sheet, and its rules and nomenclature tables are the code's."""

import ast
import re
import sys
from pathlib import Path

from host_agent.verify import RULE_TEXT
from protocol import bundle, cbor, tariffs
from protocol import sheet_fields as F
from protocol.sheet_validation import RULES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "portable"))
import _sheets  # noqa: E402

DOC = (ROOT / "docs" / "care-sheet.md").read_text(encoding="utf-8")


def _table_after(marker):
    """The rows (lists of cells) of the first Markdown table after `marker`."""
    start = DOC.index(marker)
    rows = []
    for line in DOC[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append([c.replace("\\|", "|") for c in cells])
    return rows[2:]  # header and rule


def test_key_tables_match_the_layouts():
    layouts = {
        "SHEET": F.SHEET,
        "ACT": F.ACT,
        "BENEFICIARY": F.BENEFICIARY,
        "ACCIDENT": F.ACCIDENT,
        "PRESCRIPTION": F.PRESCRIPTION,
        "BUNDLE": bundle.FIELDS,
    }
    for name, fields in layouts.items():
        rows = _table_after("<!-- fields: %s -->" % name)
        documented = [(int(r[0]), r[1].strip("`"), r[2], r[3] == "yes", r[4]) for r in rows]
        in_code = [(f[0], f[1], f[2], f[3], f[4]) for f in fields]
        assert documented == in_code, name


def test_the_example_is_the_sample_sheet():
    start = DOC.index("<!-- example: nurse_visit -->")
    blocks = re.findall(r"```(\w*)\n(.*?)```", DOC[start:], re.S)
    diagnostic, hex_block = blocks[0][1], blocks[1][1]
    data = _sheets.nurse_visit().encode()
    assert bytes.fromhex("".join(hex_block.split())) == data
    value = ast.literal_eval(re.sub(r"/[^/\n]*/", "", diagnostic))
    assert cbor.encode(value) == data
    assert "%d bytes" % len(data) in DOC


def test_rules_table_matches_the_messages():
    rows = _table_after("<!-- rules -->")
    documented = {r[0].strip("`"): (r[1], r[2], r[3]) for r in rows}
    assert documented == {rule: RULES[rule] + (RULE_TEXT[rule],) for rule in RULES}


def test_nomenclature_table_matches_the_data():
    rows = _table_after("<!-- nomenclature -->")
    documented = [(int(r[0]), int(r[1]), r[2], int(r[3]), int(r[4]), r[5], r[7]) for r in rows]
    in_code = []
    for version, effective, entries in tariffs.VERSIONS:
        for e in entries:
            low, high = e[tariffs.MIN_COEF], e[tariffs.MAX_COEF]
            coef = "%d" % low if low == high else "%d-%d" % (low, high)
            in_code.append((version, effective, e[0], e[1], e[2], coef, e[tariffs.LABEL]))
    assert documented == in_code
