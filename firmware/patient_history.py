"""What the journal knows of one patient, found in a single scan of its last LOOK_BACK
sheets (issue 23): the fund and the name of her latest sheet as the holder (a visit without
the card, or a Carte Vitale 2, types none), and her latest sheet by this professional (the
act menu's "Refaire", the prescription and prescriber proposed), with this professional's
latest sheet for any patient (its prescriber proposed to a patient the journal does not
know). A sheet the PC rejected is never used: its fund or its acts may be wrong.

Only numbers and short strings are kept (the record and its sheet are decoded one at a
time and dropped): a sheet is decoded again when it is repeated.
"""

import gc

from firmware.journal import REJECTED
from protocol import bundle, sheet_validation
from protocol import sheet as sheet_codec
from protocol.fund_code import fund_ok

LOOK_BACK = 200  # the journal's last sheets searched


def decoded(payload):
    return sheet_codec.decode(bundle.decode(payload).sheet)


class History:
    """The scan's findings for (nir, beneficiary, professional): `fund` and `name` (None
    when no sheet gives them), `last` (record number, completion date) or None, and
    `last_other` (a record number) or None."""

    fund: "str | None"
    name: "str | None"
    last: "tuple | None"
    last_other: "int | None"

    def __init__(self, nir, beneficiary, professional):
        self.nir = nir
        self.beneficiary = beneficiary
        self.professional = professional
        self.fund = None
        self.name = None
        self.last = None
        self.last_other = None

    def of(self, nir, beneficiary, professional):
        """True when these findings answer for this patient and professional."""
        return (
            self.nir == nir
            and self.beneficiary == beneficiary
            and self.professional == professional
        )

    def seen(self):
        """True when a sheet of the journal names her as the holder (fund or name)."""
        return self.fund is not None or self.name is not None


def scan(journal, nir, beneficiary, professional):
    """The History of insured `nir` (None: no patient, only `last_other`), `beneficiary`
    (None for the holder, else the sheet's Beneficiary) for `professional`'s sheets."""
    h = History(nir, beneficiary, professional)
    if journal is None:
        return h
    key = nir.encode() if nir else None
    gc.collect()  # the scan's garbage (a record at a time) is laid low in the heap
    start = max(0, journal.next_rec_no - 1 - LOOK_BACK)
    for r in journal.records_after(start, 0, 0, None):
        if r.status == REJECTED:
            continue
        mine = r.pro_id == professional
        if mine:
            h.last_other = r.rec_no
        if key is None or key not in r.payload:
            continue
        s = decoded(r.payload)
        if s.insured != nir:
            continue
        if s.beneficiary is None and fund_ok(s.fund):
            h.fund = s.fund
            # Her name only from a card-less sheet (a card's names her on the PC).
            if sheet_validation.name_ok(s.patient_name):
                h.name = s.patient_name
        if mine and s.beneficiary == beneficiary:
            h.last = (r.rec_no, r.completion_date)
    gc.collect()
    return h
