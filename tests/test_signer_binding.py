"""Signer binding end to end (host_agent/signers.py, docs/care-sheet.md step 3, docs/cards.md
"Card certificates"): through a real sync, a sheet whose "CPS" signature is a patient's
Vitale key, or another professional's CPS, lands in quarantine with its reason while the
honest sheets are filed; a lot sealed by a card that is not the lot's professional's CPS
does not verify; the fixture cards' certificates have the documented profile."""

from cryptography import x509
from cryptography.x509.oid import NameOID

from emulator.cards import fixtures, pki
from firmware.cards import profile
from host_agent import lotfile, lots, signers, verify
from protocol import bundle
from tests import lots_kit
from tests import sync_kit as kit


def _certificates():
    names = ("nurse", "gp") + lots_kit.PATIENTS
    return [lots_kit.card(n).cert for n in names if lots_kit.card(n).key is not None]


def _forged(pro_signer, patient, order_no):
    """A nurse's sheet for `patient` whose CPS signature and certificate are
    `pro_signer`'s card's (any card of the test PKI), the Vitale one the patient's."""
    sheet = lots_kit.make_sheet("nurse", patient, order_no, lots_kit.DAY)
    data = sheet.encode()
    digest = bundle.digest(data)
    signer = lots_kit.card(pro_signer)
    vitale = lots_kit.card(patient)
    return bundle.encode(
        data,
        pki.sign_digest(signer.key, digest),
        bundle.cert_id(signer.cert),
        pki.sign_digest(vitale.key, digest),
        bundle.cert_id(vitale.cert),
    )


def test_a_sheet_signed_as_cps_by_a_vitale_or_another_professional_is_quarantined(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 2)  # honest sheets, filed
    journal, certs = world.app.storage.journal, world.app.storage.certs
    pro_id = lots_kit.professional("nurse")
    forged = {}
    for signer in ("family", "gp"):  # a patient's Vitale card, the GP's CPS
        order_no = journal.reserve_order(pro_id)
        data = _forged(signer, "single", order_no)
        certs.add(lots_kit.card(signer).cert)
        certs.add(lots_kit.card("single").cert)
        rec_no = journal.append_sheet(data, order_no, pro_id, lots_kit.DAY, False)
        saved[rec_no] = forged[rec_no] = data
    summary = kit.agent(world, store, root).run()
    assert (summary.filed, summary.rejected) == (2, 2)
    assert kit.check_exactly_once(world, store, saved, set(forged)) == []
    reasons = {q["record_no"]: q["reason"] for q in store.quarantined()}
    vitale_rec, gp_rec = sorted(forged)
    assert reasons[vitale_rec] == (
        "the CPS certificate is not a CPS certificate: it has not the CPS policy %s"
        % profile.CPS_CERT_POLICY
    )
    assert reasons[gp_rec] == "the CPS certificate is %s's, not the sheet's professional %s" % (
        lots_kit.professional("gp"),
        pro_id,
    )


def test_the_vitale_signature_of_another_patients_card_is_refused():
    sheet = lots_kit.make_sheet("nurse", "single", 7, lots_kit.DAY)
    data = sheet.encode()
    digest = bundle.digest(data)
    nurse, other = lots_kit.card("nurse"), lots_kit.card("family")
    signed = bundle.encode(
        data,
        pki.sign_digest(nurse.key, digest),
        bundle.cert_id(nurse.cert),
        pki.sign_digest(other.key, digest),
        bundle.cert_id(other.cert),
    )
    known = [nurse.cert, other.cert]
    result = verify.verify_bundle(signed, known, lots_kit.root_der(), lots_kit.DAY)
    assert result.reason == "the Vitale certificate is not the card of the sheet's insured"
    honest = lots_kit.sign(sheet, "nurse", "single")
    known.append(lots_kit.card("single").cert)
    assert verify.verify_bundle(honest, known, lots_kit.root_der(), lots_kit.DAY).ok


def test_a_lot_sealed_by_a_card_that_is_not_the_professionals_cps_does_not_verify(tmp_path):
    store, _ = lots_kit.store_with_day(tmp_path / "agent.db")
    lots.build(store, lots_kit.NOW)
    sealed = lots_kit.seal_all(store, "nurse")
    root = lots_kit.root_der()
    assert lotfile.verify_lot(sealed[0], root, _certificates()).ok
    lot = lotfile.parse(sealed[0])
    # Re-sealed by the GP's CPS (valid, same PKI) and by a Vitale-profile certificate that
    # carries the nurse's id in its serialNumber (a role mix-up the name check alone misses).
    pro = lot.header["professional"]
    vitale_key, vitale_der = fixtures.pki().issue(
        "vitale/mixup", "Vitale", "X", pro, pki.date_utc(20240101), pki.date_utc(20301231)
    )
    gp = lots_kit.card("gp")
    for key, der, expected in (
        (gp.key, gp.cert, "is %s's, not the lot's professional" % lots_kit.professional("gp")),
        (vitale_key, vitale_der, "is not a CPS certificate"),
    ):
        signature = pki.sign_digest(key, lotfile.seal_digest(lot.body))
        forged = lotfile.sealed(lot.body, der, signature)
        for check_root in (None, root):
            check = lotfile.verify_lot(forged, check_root, _certificates())
            assert not check.ok and expected in check.reason, check.reason


def test_the_fixture_certificates_have_the_documented_profile():
    for name in ("gp", "nurse"):
        cert = x509.load_der_x509_certificate(lots_kit.card(name).cert)
        assert signers.role_problem("CPS", cert) == ""
        assert signers.role_problem("Vitale", cert).startswith("it has not the Vitale policy")
        serial = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
        assert serial == lots_kit.professional(name)
    for name in ("single", "family"):
        card = lots_kit.card(name)
        cert = x509.load_der_x509_certificate(card.cert)
        assert signers.role_problem("Vitale", cert) == ""
        uid = cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value
        assert uid == card.data["nir"]
        serial = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
        assert serial == card.data["serial"]
