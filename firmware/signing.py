"""Signing a validated care sheet with both cards and saving it (R161-43, R161-44 1°): the order
number reserved durably first, the CPS then the Vitale card sign, the bundle saved, the copy
written onto the Vitale card, the access log anchored.

Order, and why (docs/visit.md): certificates are stored before anything is reserved; the
order number is reserved before any card signs, so a number is never used twice; the sheet
is saved as soon as both signatures exist, before the copy goes onto the patient's card,
so a card pulled or a power cut after the signatures costs a copy, never a signed sheet,
and a card never holds the copy of a sheet the terminal does not have.
"""

from firmware.cards.errors import CpsNotVerified, MalformedCardData
from hw import hal
from protocol import bundle
from protocol import sheet_fields as F


class Signed:
    """The outcome of a saved sheet: record and order numbers, the bundle's bytes, and
    whether the copy went onto the Vitale card (None: not asked, the holder objects or no
    card)."""

    def __init__(self, rec_no, order_no, record, copied):
        self.rec_no = rec_no
        self.order_no = order_no
        self.record = record
        self.copied = copied


def _certificate_id(der, expected):
    cid = bundle.cert_id(der)
    if cid != bytes(expected):
        raise MalformedCardData("certificat")
    return cid


def _certified(der, expected):
    _certificate_id(der, expected)
    return der


def sign_and_save(sheet, cps, vitale, patient, journal, certs):
    """Sign `sheet` (a validated protocol.sheet.Sheet, order_no not yet set) and save it.

    `cps`: the CpsApp (PIN verified, in its slot); `vitale`: the VitaleApp of the patient's
    card and `patient` the VitaleCard read from it, or None for a degraded sheet. The
    Vitale card signs unless the sheet records why not (`unsigned_reason`). Card errors
    (hal.CardError) raised before the sheet is saved leave nothing saved: the reserved
    order number is a gap, never reused. Returns a Signed once the journal committed it."""
    # R161-43: never without the CPS, and never before its PIN.
    if not cps.ready():
        raise CpsNotVerified()
    card = cps.card
    if card is None:
        raise CpsNotVerified()
    vitale_signs = patient is not None and sheet.unsigned_reason is None
    if patient is not None and not vitale.slot.present():
        raise hal.CardRemoved("vitale")  # the patient's card left: both must be there
    # Certificates first, read from a card only when the store lacks them: a sheet is
    # never saved without the certificates that verify it.
    cps_cert = bytes(card.cert_id)
    if not certs.has(cps_cert):
        certs.add(_certified(cps.certificate(), cps_cert))
    cps.certificate_stored()  # a CPS3 then drops its copy: certificate() reads it again
    vitale_cert = None
    vitale_read = None
    if patient is not None and sheet.unsigned_reason == F.SIGNED_BY_READING:
        # R161-43: a card without a public signing function signs by being read; the
        # bundle names it and the certificate read from it (stored like any other).
        vitale_read = patient.serial
        vitale_cert = bytes(patient.cert_id)
        if not certs.has(vitale_cert):
            certs.add(_certified(patient.cert, vitale_cert))
    elif vitale_signs and patient is not None:
        vitale_cert = bytes(patient.cert_id)
        if not certs.has(vitale_cert):
            der = vitale.read_certificate()
            _certificate_id(der, vitale_cert)
            certs.add(der)
    # R161-44 1°: durably reserved before any card signs.
    sheet.order_no = journal.reserve_order(card.holder_id)
    data = sheet.encode()
    digest = bundle.digest(data)
    cps_signature = cps.sign(digest)
    vitale_signature = vitale.sign(digest, cps) if vitale_signs else None
    record = bundle.encode(
        data,
        cps_signature,
        cps_cert,
        vitale_signature,
        vitale_cert,
        cps.alg,
        vitale_read=vitale_read,
    )
    rec_no = journal.append_sheet(
        record, sheet.order_no, card.holder_id, sheet.completion, sheet.third_party_paid()
    )
    # Saved. The copy for the patient's card comes after (R161-33-1 2° d); a card pulled
    # now costs the copy only.
    copied = None
    if patient is not None and patient.writes_copies and not patient.objects_to_copies:
        try:
            vitale.write_copy(patient, data, cps)
            copied = True
        except hal.CardError:
            copied = False
    return Signed(rec_no, sheet.order_no, record, copied)


def unsigned_reason_for(patient):
    """The reason the Vitale card cannot sign, known before signing: a card without a
    signature key, or one that signs by being read (a Vitale 2: R161-43); None otherwise."""
    if patient is None:
        return None
    if patient.signs_by_reading:
        return F.SIGNED_BY_READING
    if patient.cert_id is None:
        return F.NO_SIGNATURE_KEY
    return None
