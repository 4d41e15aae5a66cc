"""The nurse's round from the web app (docs/web.md "Tournée"): what the form offers (the
patients and prescribers of earlier sheets, the professionals, the paired terminals), a
prescription typed or chosen there checked in French (NIR key, RPPS key, acts of the
nomenclature) before host_agent/round_plan.py keeps it, and a sheet's prescription (a first
visit keyed on the terminal) made the prescription of the next rounds.

Every value of the form is checked here; a refusal is a RoundFormError with one French
sentence, and nothing is kept."""

import re
import unicodedata
from typing import NamedTuple

from firmware.cards.fields import luhn_valid
from host_agent import names, round_plan, status
from host_agent.errors import EXIT_REFUSED, AgentError
from protocol import dates
from protocol import round as rp
from protocol.ascii import is_digits, is_printable
from protocol.sheet_validation import nir_ok

_DEPENDANT = re.compile(r"[0-9]{8}/[1-9]", re.ASCII)


class RoundFormError(AgentError):
    exit_code = EXIT_REFUSED
    french_default = "Cette prescription n'a pas été gardée."


def _refused(french: str, english: str = "") -> RoundFormError:
    return RoundFormError(english or "round form refused", french=french + " Rien n'a été gardé.")


def _shown(value: str) -> str:
    return value if len(value) <= 30 else value[:30] + "…"


def ascii_name(text: str, cut: bool = True) -> str:
    """A patient's name as the terminal's round shows it: ASCII capitals (accents taken
    off), at most rp.MAX_NAME characters; "" when nothing of it is left."""
    plain = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in plain if " " <= c <= "~")
    name = " ".join(plain.upper().split())
    return name[: rp.MAX_NAME].strip() if cut else name


class Patient(NamedTuple):
    key: str  # the form's value: "NIR" or "NIR/BIRTH/RANK"
    insured: str
    beneficiary: str | None
    name: str  # ASCII, as the round shows it
    label: str  # as the page lists it


class Choices(NamedTuple):
    patients: list
    prescribers: list  # numbers seen on earlier sheets' prescriptions and kept ones
    professionals: list  # (number, 'NAME (n° ...)')
    terminals: list  # serials paired with this PC


def _key(insured: str, beneficiary) -> str:
    return insured + ("/" + beneficiary if beneficiary else "")


def choices(store) -> Choices:
    """What the form offers, from the sheets filed and the prescriptions kept."""
    patients = []
    for r in store.known_patients():
        name = ascii_name(r["patient"])
        if not name or not (is_digits(r["insured"], (15,)) and nir_ok(r["insured"])):
            continue
        label = "%s · NIR %s%s" % (
            r["patient"],
            r["insured"],
            " · ayant droit né le %s" % r["beneficiary"].split("/")[0] if r["beneficiary"] else "",
        )
        patients.append(Patient(_key(r["insured"], r["beneficiary"]), r["insured"],
                                r["beneficiary"], name, label))  # fmt: skip
    seen = set()
    for r in store.latest_bundles():
        sheet = round_plan.decode_sheet(bytes(r["bundle"]))
        presc = sheet.prescription if sheet is not None else None
        if presc is not None and is_digits(presc.prescriber or "", (9, 11)):
            seen.add(presc.prescriber)
    seen.update(p["prescriber"] for p in store.prescriptions())
    holders = names.holders(store.certificates())
    pros = sorted(
        set(store.sheet_professionals()) | {p["professional"] for p in store.prescriptions()}
    )
    paired = [t["serial"] for t in status.terminals(store) if store.pairing(t["serial"])]
    return Choices(
        patients,
        sorted(seen),
        [(n, names.professional(n, holders)) for n in pros],
        paired,
    )


def _field(form, name: str, limit: int = 200) -> str:
    return str(form.get(name, "") or "").strip()[:limit]


def _rpps(value: str, what: str) -> str:
    if not is_digits(value, (11,)) or not luhn_valid(value):
        raise _refused(
            "%s : un numéro RPPS de 11 chiffres dont le dernier est la clé, et non « %s »."
            % (what, _shown(value))
        )
    return value


def _prescriber(value: str) -> str:
    # Digits only: the sheets the terminals file carry prescribers whose last digit is not
    # always an RPPS key (the fixtures' 10009876543), and the round must reach them.
    if not is_digits(value, (9, 11)):
        raise _refused(
            "Le prescripteur : son numéro RPPS (11 chiffres) ou d'assurance maladie "
            "(9 chiffres), et non « %s »." % _shown(value)
        )
    return value


def _patient(store, form) -> tuple[str, str | None, str]:
    """(insured NIR, dependant "birth/rank" or None, name) chosen in the list or typed."""
    chosen = _field(form, "patient", 40)
    typed_name = _field(form, "name", 200)
    if chosen:
        found = next((p for p in choices(store).patients if p.key == chosen), None)
        if found is None:
            raise _refused("Ce patient n'est pas dans la liste : choisissez-le à nouveau.")
        insured, beneficiary, name = found.insured, found.beneficiary, found.name
    else:
        insured, name = _field(form, "insured", 40).replace(" ", ""), typed_name
        if not (is_digits(insured, (15,)) and nir_ok(insured)):
            raise _refused(
                "Le NIR « %s » n'en est pas un : 13 caractères et la clé de 2 chiffres "
                "(97 moins le reste par 97), comme sur la carte Vitale." % _shown(insured)
            )
        beneficiary = _field(form, "dependant", 40) or None
        if beneficiary is not None and not _DEPENDANT.fullmatch(beneficiary):
            raise _refused(
                "L'ayant droit « %s » : sa date de naissance et son rang, comme 20180305/2."
                % _shown(beneficiary)
            )
    if chosen and typed_name:
        name = typed_name
    if (typed_name or not chosen) and len(ascii_name(name, cut=False)) > rp.MAX_NAME:
        raise _refused(
            "Le nom du patient : au plus %d lettres sur l'écran du terminal (écrivez-le plus "
            "court)." % rp.MAX_NAME
        )
    name = ascii_name(name)
    if not is_printable(name, 1, rp.MAX_NAME) or not any("A" <= c <= "Z" for c in name):
        name = ""  # a name is letters: "<>" or digits alone are not one
    if not name:
        raise _refused(
            "Le nom du patient : de 1 à %d lettres (il est affiché sans accents sur le "
            "terminal)." % rp.MAX_NAME
        )
    return insured, beneficiary, name


def day_of(value: str) -> int:
    try:
        y, m, d = dates.parse_iso(value)
    except ValueError:
        raise _refused(
            "La date « %s » n'est pas une date du calendrier (AAAA-MM-JJ)." % _shown(value)
        ) from None
    return y * 10000 + m * 100 + d


def _sessions(value: str) -> int:
    if not is_digits(value, range(1, 4)) or not 1 <= int(value) <= rp.MAX_LEFT:
        raise _refused(
            "Le nombre de séances prescrites : de 1 à %d, et non « %s »."
            % (rp.MAX_LEFT, _shown(value))
        )
    return int(value)


def _kept(store, row: dict) -> tuple:
    try:
        return round_plan.keep_prescription(store, row)
    except ValueError as e:  # the same prescription kept already (store/rounds.py)
        raise _refused(
            "Cette prescription (ce patient, ce prescripteur, cette date, cette référence) "
            "est déjà gardée.",
            str(e),
        ) from None


def keep_typed(store, form) -> tuple:
    """Keep the prescription of the form; (its id, its row, sessions used already)."""
    professional = _rpps(_field(form, "professional", 40), "Le professionnel")
    insured, beneficiary, name = _patient(store, form)
    prescriber = _prescriber(_field(form, "prescriber", 40))
    day = day_of(_field(form, "date", 40))
    ref = _field(form, "ref", 40)
    if not is_digits(ref, range(1, 21)):
        raise _refused("La référence de l'ordonnance : de 1 à 20 chiffres.")
    sessions = _sessions(_field(form, "sessions", 10))
    acts = _field(form, "acts", 200)
    try:
        row = round_plan.new_prescription(
            professional, insured, beneficiary or "", name, prescriber, day, ref, acts, sessions
        )
    except ValueError as e:
        raise _refused(
            "Les actes « %s » : un code de la nomenclature, son coefficient et son rang, "
            "comme « AMI 2 1 + IFD »." % _shown(acts),
            str(e),
        ) from None
    pid, used = _kept(store, row)
    return pid, row, used


def keep_from_sheet(store, sheet_id: int, sessions_text: str) -> tuple:
    """Keep the prescription a filed sheet carries (the first visit of a series, keyed on
    the terminal): its professional, patient, prescriber, date, reference and acts, and the
    sessions the form gives; (its id, its row, sessions used already: that visit's)."""
    sessions = _sessions(sessions_text.strip()[:10])
    row = store.sheet_row(sheet_id)
    sheet = round_plan.decode_sheet(bytes(row["bundle"])) if row is not None else None
    presc = sheet.prescription if sheet is not None else None
    if presc is None or not (presc.prescriber and presc.date and presc.ref):
        raise _refused("Cette feuille ne porte pas de prescription à reprendre.")
    if not is_digits(presc.ref, range(1, 21)):
        raise _refused(
            "La référence de l'ordonnance de cette feuille (« %s ») n'est pas faite de 1 à 20 "
            "chiffres : une tournée ne la reprend pas. Tapez la prescription sur la page "
            "Tournée." % _shown(presc.ref)
        )
    acts = " + ".join(
        "%s %d,%02d %d" % (a.code, (a.coef or 100) // 100, (a.coef or 100) % 100, a.rank or 0)
        for a in sheet.acts
    )
    name = ascii_name(row["patient"])
    if not name:
        raise _refused(
            "Le nom du patient de cette feuille n'est pas connu : tapez la prescription."
        )
    try:
        new = round_plan.new_prescription(
            row["professional"], row["insured"], row["beneficiary"] or "", name,
            presc.prescriber, presc.date, presc.ref, acts, sessions,
        )  # fmt: skip
    except ValueError as e:
        raise _refused(
            "La prescription de cette feuille ne se reprend pas dans une tournée (son NIR, "
            "son prescripteur ou ses actes) : tapez-la sur la page Tournée.",
            str(e),
        ) from None
    pid, used = _kept(store, new)
    return pid, new, used
