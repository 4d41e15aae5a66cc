"""The day's round on the practice PC (docs/round.md): prescriptions kept with their acts and
sessions, the sessions used counted from the sheets filed, and a round prepared for one
terminal, one professional and one day from what the PC knows: every prescription of that
professional with sessions left, the patient's name, and from the patient's latest sheet
by that professional the practice situation, the payment and the exemption.

A series is complete when the sheets filed carrying the prescription (prescriber, date and
reference) number its sessions: the PC says so and leaves it out of the next round.
"""

import re

from protocol import bundle, cbor, nomenclature, sheet_validation
from protocol import round as rp
from protocol import sheet as sheets
from protocol import sheet_fields as F
from protocol.ascii import is_digits, is_printable, trim, upper
from protocol.fund_code import fund_ok

# ASCII only: \d and \s would take the digits and spaces of every script, `$` a final newline
_ACT = re.compile(r"([A-Z]{1,4})(?: +([0-9]{1,4}(?:[.,][0-9]{1,2})?))?(?: +([012]))?")
_DEPENDANT = re.compile(r"([0-9]{8})/([1-9])")


def parse_acts(text: str) -> str:
    """The acts typed on the command line ("AMI 2 1 + IFD"): code, coefficient (default 1),
    rank (default 0: none), checked against the nomenclature in force; their stored form
    "AMI 200 1,IFD 100 0". ValueError with a plain sentence."""
    out = []
    for part in re.split(r"[+;]", text):
        m = _ACT.fullmatch(upper(trim(part)))
        if not m:
            raise ValueError("act %r is not CODE [COEFFICIENT] [RANK], e.g. 'AMI 2 1'" % part)
        code, coef, rank = m.group(1), m.group(2) or "1", int(m.group(3) or 0)
        units, _, cents = coef.replace(",", ".").partition(".")
        hundredths = int(units) * 100 + int((cents + "00")[:2])
        if not any(nomenclature.has_code(v, code) for v in nomenclature.versions()):
            raise ValueError("act code %s is not in the nomenclature" % code)
        out.append("%s %d %d" % (code, hundredths, rank))
    if not out or len(out) > rp.MAX_ACTS:
        raise ValueError("a visit has 1 to %d acts" % rp.MAX_ACTS)
    return ",".join(out)


def acts_of(stored: str) -> list:
    """[(code, coef, rank)] of the stored form."""
    acts = []
    for part in stored.split(","):
        code, coef, rank = part.split(" ")
        acts.append((code, int(coef), int(rank)))
    return acts


def show_acts(stored: str) -> str:
    return " + ".join(
        "%s %d,%02d" % (c, k // 100, k % 100) if k != 100 else c for c, k, _ in acts_of(stored)
    )


def new_prescription(professional, insured, dependant, name, prescriber, day, ref, acts, sessions):
    """The row of a prescription typed on the command line, checked (ValueError)."""
    if not is_digits(professional, (11,)):
        raise ValueError("the professional is 11 digits (the CPS holder id)")
    if not is_digits(insured, (15,)):
        raise ValueError("the insured's NIR is 15 digits, its key included")
    if not sheet_validation.nir_ok(insured):
        raise ValueError(rp.NIR_KEY_WRONG + ": check the NIR on the patient's card")
    beneficiary = None
    if dependant:
        m = _DEPENDANT.fullmatch(dependant)
        if not m:
            raise ValueError("a dependant is BIRTHDATE/BIRTHRANK, e.g. 20180305/2")
        beneficiary = "%s/%s" % (m.group(1), m.group(2))
    if not is_printable(name, 1, rp.MAX_NAME):
        raise ValueError("the name is 1 to %d ASCII characters" % rp.MAX_NAME)
    if not is_digits(prescriber, (9, 11)):
        raise ValueError("the prescriber is 9 or 11 digits")
    if not is_digits(ref, range(1, 21)):
        raise ValueError("the prescription's reference is 1 to 20 digits")
    if not 1 <= sessions <= rp.MAX_LEFT:
        raise ValueError("the sessions prescribed are 1 to %d" % rp.MAX_LEFT)
    return {
        "professional": professional,
        "insured": insured,
        "beneficiary": beneficiary,
        "name": upper(name),
        "prescriber": prescriber,
        "day": day,
        "ref": ref,
        "acts": parse_acts(acts),
        "sessions": sessions,
    }


def decode_sheet(data: bytes):
    """The sheet of a filed bundle (verified when it was filed), None if it does not decode."""
    try:
        return sheets.decode(bundle.decode(data).sheet)
    except ValueError:
        return None


def _of_prescription(sheet, p) -> bool:
    presc = sheet.prescription
    return (
        presc is not None
        and presc.prescriber == p["prescriber"]
        and presc.date == p["day"]
        and presc.ref == p["ref"]
    )


def _filed(store, p) -> list:
    """(row, sheet or None) of every sheet filed for the patient of `p`, the latest first:
    decoded once, for both the sessions used and the habits."""
    rows = store.patient_sheets(p["insured"], p["beneficiary"])
    return [(row, decode_sheet(bytes(row["bundle"]))) for row in rows]


def _used(filed, p) -> list:
    return [
        (row["terminal_id"], row["record_no"])
        for row, sheet in filed
        if sheet is not None and _of_prescription(sheet, p)
    ]


def sessions_used(store, p) -> list:
    """(terminal id, record number) of the sheets filed that carried prescription `p`: one
    session each."""
    return _used(_filed(store, p), p)


def _fund(filed) -> str:
    """The fund of the patient's latest sheet filed, by any professional of the practice
    ("" when none): sent with the round so that a visit without the Vitale card needs no
    fund code typed (docs/round.md)."""
    for _, sheet in filed:
        if sheet is not None and fund_ok(sheet.fund):  # else the terminal refuses the round
            return sheet.fund
    return ""


def _habits(filed, p):
    """(situation, payment, exemption) of the patient's latest sheet by the professional;
    ("", patient pays, none) when there is none."""
    for row, sheet in filed:
        if row["professional"] != p["professional"] or sheet is None:
            continue
        pay = 1 if sheet.payment == F.THIRD_PARTY and sheet.third_party == sheet.fees else 0
        return sheet.situation or "", pay, sheet.exemption or 0
    return "", 0, 0


class Plan:
    """A round prepared: its entries, the prescription of each, and the series left out."""

    def __init__(self):
        self.entries = []
        self.prescriptions = []  # ids, one per entry
        self.complete = []  # (prescription row, sessions used)
        self.refused = []  # (prescription row, why): no terminal would take its entry


def prepare(store, professional: str, only=()) -> Plan:
    """The round of every prescription of `professional` with a session left (`only`: of
    these insured NIRs), in the order the prescriptions were kept."""
    plan = Plan()
    for p in store.prescriptions(professional):
        if only and p["insured"] not in only:
            continue
        filed = _filed(store, p)
        used = len(_used(filed, p))
        if used >= p["sessions"]:
            plan.complete.append((p, used))
            continue
        ben = None
        if p["beneficiary"]:
            birth, rank = p["beneficiary"].split("/")
            ben = (int(birth), int(rank))
        sit, pay, exo = _habits(filed, p)
        presc = (p["day"], p["prescriber"], p["ref"])
        left = p["sessions"] - used
        e = rp.entry(
            p["insured"], ben, p["name"], sit, acts_of(p["acts"]), presc, left, pay, exo,
            _fund(filed),
        )  # fmt: skip
        rp.check_entry(e)
        why = rp.refusal(e)  # kept before the NIR's key was checked: left out, said
        if why is not None:
            plan.refused.append((p, why))
            continue
        plan.entries.append(e)
        plan.prescriptions.append(p["id"])
    if len(plan.entries) > rp.MAX_ENTRIES:
        raise ValueError(
            "%d visits: a round holds at most %d" % (len(plan.entries), rp.MAX_ENTRIES)
        )
    size = sum(len(cbor.encode(e)) for e in plan.entries)
    if size > rp.MAX_BYTES:
        raise ValueError("the round takes %d bytes, at most %d" % (size, rp.MAX_BYTES))
    return plan


def complete_series(store, terminal_id=None, record_nos=()) -> list:
    """(prescription row, sessions used) of every series complete; with `terminal_id`, only
    those that one of its sheets `record_nos` served (what a sync says): only the
    prescriptions of the patients of those sheets (their columns) are counted again."""
    out = []
    mine = {(terminal_id, n) for n in record_nos}
    if terminal_id is not None and not mine:
        return out  # the sync filed nothing: no series completed
    patients = None if terminal_id is None else store.patients_of(terminal_id, record_nos)
    for p in store.prescriptions():
        if patients is not None and (p["insured"], p["beneficiary"]) not in patients:
            continue
        used = sessions_used(store, p)
        if len(used) >= p["sessions"] and (terminal_id is None or mine & set(used)):
            out.append((p, len(used)))
    return out


# ---------------------------------------------------------------- what the commands call


def keep_prescription(store, row: dict) -> tuple:
    """Keep a prescription (new_prescription's row); (its id, sessions already used)."""
    pid = store.add_prescription(row)
    return pid, len(sessions_used(store, store.prescription(pid)))


def prepare_for(store, serial: str, professional: str, day: int, only=()) -> tuple:
    """Prepare and keep terminal `serial`'s round of `day` (the next sync sends it):
    (round id, Plan). ValueError for an unknown terminal or a round too large."""
    row = store.terminal_row(serial)
    if row is None:
        raise ValueError("no terminal %s here: pair it first (tla-agent pair)" % serial)
    plan = prepare(store, professional, only)
    rid = store.save_round(
        row["id"], professional, day, cbor.encode(plan.entries), plan.prescriptions
    )
    return rid, plan


def series(store) -> list:
    """(prescription row, sessions used) of every prescription kept."""
    return [(p, len(sessions_used(store, p))) for p in store.prescriptions()]


def rounds_of(store, serial: str) -> list:
    """(round row, entries, entries done) of the terminal's rounds; ValueError if unknown."""
    row = store.terminal_row(serial)
    if row is None:
        raise ValueError("no terminal %s here" % serial)
    out = []
    for r in store.rounds_of(row["id"]):
        entries = store.round_entries(r["id"])
        out.append((r, len(entries), sum(1 for e in entries if e["record_no"] is not None)))
    return out
