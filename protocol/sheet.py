"""The care sheet (FSE) as objects, and its one encoding: a deterministic CBOR map with the
small int keys of protocol/sheet_fields.py. Those exact bytes are hashed, signed and stored.

Encoding checks types only; what the regulation asks of the values (R161-42, R161-44) is
protocol/sheet_validation.py's job, so a decoded sheet with a missing item can still be
told apart from bytes that are not a sheet at all. Never re-encode a decoded sheet to
verify it: verify the bytes that were signed.
"""

from protocol import cbor
from protocol import sheet_fields as F


class SheetFormatError(ValueError):
    """Bytes or values that are not a care sheet of this format (plain English, for logs)."""


class _Record:
    """A record whose fields are listed in a layout of sheet_fields (FIELDS)."""

    FIELDS = ()

    def __init__(self, **values):
        for field in self.FIELDS:
            setattr(self, field[F.NAME], None)
        for name in values:
            if _field_named(self.FIELDS, name) is None:
                raise TypeError("%s has no field %r" % (type(self).__name__, name))
            setattr(self, name, values[name])

    def __eq__(self, other):
        return type(other) is type(self) and all(
            getattr(self, f[F.NAME]) == getattr(other, f[F.NAME]) for f in self.FIELDS
        )

    def __repr__(self):
        shown = []
        for field in self.FIELDS:
            value = getattr(self, field[F.NAME])
            if value is not None:
                shown.append("%s=%r" % (field[F.NAME], value))
        return "%s(%s)" % (type(self).__name__, ", ".join(shown))


class Act(_Record):
    """One act: code, rating (coef, in hundredths), date, fee (cents), rank when it matters."""

    FIELDS = F.ACT
    code: "str | None"
    coef: "int | None"
    date: "int | None"
    fee: "int | None"
    rank: "int | None"


class Beneficiary(_Record):
    """The dependant treated: own NIR if any, birth date (YYYYMMDD) and birth rank."""

    FIELDS = F.BENEFICIARY
    nir: "str | None"
    birth: "int | None"
    birth_rank: "int | None"


class Accident(_Record):
    """The accident the acts follow: kind (sheet_fields.ACCIDENTS), date, reference."""

    FIELDS = F.ACCIDENT
    kind: "int | None"
    date: "int | None"
    ref: "str | None"


class Prescription(_Record):
    """The prescription carried out: date, prescriber id, reference."""

    FIELDS = F.PRESCRIPTION
    date: "int | None"
    prescriber: "str | None"
    ref: "str | None"


class Sheet(_Record):
    """A care sheet; the fields are those of sheet_fields.SHEET, by name.

    `acts` is a list of Act; `beneficiary`, `accident`, `prescription` are records or None.
    Amounts are int cents, dates int YYYYMMDD; `degraded` is a bool."""

    FIELDS = F.SHEET
    version: "int | None"
    nomenclature: "int | None"
    terminal: "str | None"
    order_no: "int | None"
    completion: "int | None"
    insured: "str | None"
    beneficiary: "Beneficiary | None"
    fund: "str | None"
    professional: "str | None"
    situation: "str | None"
    profession: "int | None"
    accident: "Accident | None"
    acts: "list"
    fees: "int | None"
    third_party: "int | None"
    payment: "int | None"
    exemption: "int | None"
    agreement: "str | None"
    prescription: "Prescription | None"
    unsigned_reason: "int | None"
    degraded: bool
    absent_reason: "int | None"
    patient_name: "str | None"

    def __init__(self, **values):
        super().__init__(**values)
        if self.version is None:
            self.version = F.FORMAT_VERSION
        if self.acts is None:
            self.acts = []
        if self.degraded is None:
            self.degraded = False

    def encode(self) -> bytes:
        """The deterministic CBOR bytes of this sheet (what the cards sign)."""
        return cbor.encode(_to_map(self, "sheet", "sheet"))

    def third_party_paid(self) -> bool:
        """True when the patient did not pay it all (R161-47 I 1° b: the 8-day deadline)."""
        return self.payment == F.THIRD_PARTY


_CLASSES = {
    "sheet": Sheet,
    "acts": Act,
    "beneficiary": Beneficiary,
    "accident": Accident,
    "prescription": Prescription,
}


def _field_named(fields, name):
    for field in fields:
        if field[F.NAME] == name:
            return field
    return None


def _is_int(value):
    # bool is an int on CPython, not on MicroPython: exclude it explicitly.
    return type(value) is int


def _type_error(where, kind, value):
    if kind in _KIND_TEXT:
        expected = _KIND_TEXT[kind]
    else:
        expected = ("an " if kind[0] in "AEIOU" else "a ") + kind
    return SheetFormatError("%s must be %s, not %s" % (where, expected, type(value).__name__))


_KIND_TEXT = {
    "int": "an integer",
    "text": "a text string",
    "bool": "true (false is written as nothing)",
    "acts": "a list of acts",
}


def _scalar(value, kind, where):
    if kind == "int":
        ok = _is_int(value)
    elif kind == "text":
        ok = isinstance(value, str)
    else:  # "bool": only true is ever written, absent means false
        ok = value is True
    if not ok:
        raise _type_error(where, kind, value)
    return value


def _to_map(record, kind, where):
    out = {}
    for field in F.RECORDS[kind]:
        name = field[F.NAME]
        value = getattr(record, name)
        if value is None or (value is False and field[F.KIND] == "bool"):
            continue  # absent; a bool is written only when true: one encoding per sheet
        out[field[F.KEY]] = _value_out(value, field[F.KIND], where + "." + name)
    return out


def _value_out(value, kind, where):
    if kind in _SCALARS:
        return _scalar(value, kind, where)
    if kind == "acts":
        if not isinstance(value, list):
            raise _type_error(where, kind, value)
        result = []
        for i, act in enumerate(value):
            if not isinstance(act, Act):
                raise _type_error("%s[%d]" % (where, i), "Act", act)
            result.append(_to_map(act, "acts", "%s[%d]" % (where, i)))
        return result
    if not isinstance(value, _CLASSES[kind]):
        raise _type_error(where, _CLASSES[kind].__name__, value)
    return _to_map(value, kind, where)


def _from_map(value, kind, where):
    if not isinstance(value, dict):
        raise SheetFormatError("%s must be a map, not %s" % (where, type(value).__name__))
    fields = F.RECORDS[kind]
    record = _CLASSES[kind]()
    for field in fields:
        setattr(record, field[F.NAME], None)  # no defaults: a missing item stays missing
    for key in value:
        field = None
        for candidate in fields:
            if candidate[F.KEY] == key:
                field = candidate
                break
        if field is None:
            raise SheetFormatError("%s has an unknown key %r" % (where, key))
        setattr(
            record, field[F.NAME], _value_in(value[key], field[F.KIND], where + "." + field[F.NAME])
        )
    return record


def _value_in(value, kind, where):
    if kind in _SCALARS:
        return _scalar(value, kind, where)
    if kind == "acts":
        if not isinstance(value, list):
            raise _type_error(where, kind, value)
        return [_from_map(item, "acts", "%s[%d]" % (where, i)) for i, item in enumerate(value)]
    return _from_map(value, kind, where)


_SCALARS = ("int", "text", "bool")


def decode(data) -> Sheet:
    """The Sheet in `data`, which must be deterministic CBOR of this layout: unknown keys,
    wrong types and non-deterministic bytes are refused with SheetFormatError. Missing
    items are left None for the validator to name."""
    try:
        value = cbor.decode(data, max_depth=4, max_items=64)
    except cbor.CBORError as e:
        raise SheetFormatError("sheet is not deterministic CBOR: %s" % e)
    sheet = _from_map(value, "sheet", "sheet")
    if sheet.degraded is None:
        sheet.degraded = False
    return sheet
