"""The lot slip (bordereau) as a PDF (issue 20 item 5): what a lot holds, for the practice's
files or the fund's letter: the lot's name, professional, fund, state and dates, its file's
digest, then one line per sheet (order number, date of care, payment, fees, the part
expected from the fund) and the totals. No patient's name or NIR: a slip travels beside the
lot, the sheets themselves carry the patient (R161-42).
"""

from host_agent import french, lots, names, pdf_page
from protocol import sheet_fields as F

COLUMNS = (
    ("N° de facture", 32),
    ("Date des soins", 32),
    ("Paiement", 46),
    ("Honoraires", 38),
    ("Part caisse", 38),
)


def slip_pdf(store, ref: str, settings=None, fonts=None) -> bytes:
    """The slip of lot `ref` (LotError when there is none)."""
    row = lots.find(store, ref)
    sheets = store.lot_sheets(row["id"])
    holders = names.holders_of(store, [row["professional"]])
    pdf = pdf_page.Page(fonts)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 14)
    pdf.cell(0, 9, "Bordereau du lot %s" % lots.name(row), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    for label, value in (
        ("Professionnel", names.professional(row["professional"], holders)),
        ("Caisse", names.fund(row["fund"], settings)),
        ("État", french.LOT_STATES.get(row["status"], row["status"])),
        ("Construit, scellé, envoyé", "%s ; %s ; %s" % tuple(
            french.instant(row[k]) if row[k] else "-" for k in ("built", "sealed", "sent")
        )),
        ("Empreinte du fichier", row["file_digest"].hex() if row["file_digest"] else "-"),
    ):  # fmt: skip
        pdf.set_font(pdf.family, "B", 10)
        pdf.cell(48, 6, label)
        pdf.set_font(pdf.family, "", 10)
        pdf.multi_cell(0, 6, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.family, "B", 10)
    for title, width in COLUMNS:
        pdf.cell(width, 7, title, border="B")
    pdf.ln(7)
    pdf.set_font(pdf.family, "", 10)
    fees = expected = 0
    for s in sheets:
        third = s["third_party"] if s["payment"] == F.THIRD_PARTY else 0
        fees, expected = fees + s["fees"], expected + third
        for (_, width), text in zip(
            COLUMNS,
            (
                str(s["order_no"]),
                french.date(s["completion"]),
                "tiers payant" if s["payment"] == F.THIRD_PARTY else "payée par le patient",
                french.euros(s["fees"]),
                french.euros(third),
            ),
            strict=True,
        ):
            pdf.cell(width, 6, text)
        pdf.ln(6)
    pdf.set_font(pdf.family, "B", 10)
    pdf.cell(110, 7, "Total : %s" % french.plural(len(sheets), "feuille"), border="T")
    pdf.cell(38, 7, french.euros(fees), border="T")
    pdf.cell(38, 7, french.euros(expected), border="T")
    return bytes(pdf.output())
