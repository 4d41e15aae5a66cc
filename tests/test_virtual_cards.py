"""The virtual cards at the APDU level (ISO 7816-4 and tla's profile), their test PKI, and
what the firmware's applications do with them (CPython: the cards sign with cryptography)."""

import hashlib
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from emulator.cards import fixtures, pki
from emulator.simboard import SimSlot
from firmware.cards import errors, profile
from firmware.cards.apdu import build
from firmware.cards.cps import CpsApp
from firmware.cards.vitale import VitaleApp
from firmware.opposition import MemoryOppositionList
from tests.card_transcripts import STORED, dumps, record_all

TODAY = 20261118


def select(aid):
    return build(0, profile.INS_SELECT, 4, 0x0C, aid)


def select_ef(fid):
    return build(0, profile.INS_SELECT, 2, 0x0C, fid.to_bytes(2, "big"))


def read_record(n):
    return build(0, profile.INS_READ_RECORD, n, 4, None, 0)


def sw(response):
    return response[-2:].hex().upper()


def powered(name, t0=False):
    card = fixtures.make(name, t0=t0)
    card.power_up()
    return card


def open_apps(vitale="family", cps="gp", t0=False):
    vs, cs = SimSlot("vitale"), SimSlot("cps")
    vs.insert(fixtures.make(vitale, t0=t0))
    cs.insert(fixtures.make(cps, t0=t0))
    v, c = VitaleApp(vs), CpsApp(cs)
    c.open()
    c.read()
    v.open()
    return v, c, vs, cs


# ---------------------------------------------------------------- ISO 7816-4 behaviour


def test_select_then_read_binary_with_offsets():
    card = powered("gp")
    assert sw(card.execute(select(b"\xa0\x00\x00"))) == "6A82"
    assert sw(card.execute(select_ef(profile.EF_CERTIFICATE))) == "6A82"  # no application yet
    assert sw(card.execute(select(profile.CPS_AID))) == "9000"
    assert sw(card.execute(select_ef(profile.EF_CERTIFICATE))) == "9000"
    # 256-byte blocks at offsets 0, 256, 512 (the certificate is about 520 bytes).
    blocks = [card.execute(build(0, profile.INS_READ_BINARY, p1, 0, None, 0)) for p1 in (0, 1, 2)]
    der = b"".join(block[:-2] for block in blocks)
    assert [len(b) for b in blocks[:2]] == [258, 258] and der == card.cert
    assert sw(card.execute(build(0, profile.INS_READ_BINARY, 0x10, 0, None, 0))) == "6B00"


def test_t0_answers_61xx_and_6cxx():
    card = powered("gp", t0=True)
    card.execute(select(profile.CPS_AID))
    card.execute(select_ef(profile.EF_CERT_ID))
    assert card.execute(build(0, profile.INS_READ_BINARY, 0, 0, None, 0)) == b"\x6c\x08"
    assert len(card.execute(build(0, profile.INS_READ_BINARY, 0, 0, None, 8))) == 10
    card.execute(build(0, profile.INS_VERIFY, 0, profile.PIN_REF, b"4827"))
    answer = card.execute(build(0, profile.INS_INTERNAL_AUTHENTICATE, 0, 0x81, b"12345678", 0))
    assert answer == b"\x61\x40"
    get = build(0, profile.INS_GET_RESPONSE, 0, 0, None, 0x20)
    part = card.execute(get)
    assert part[-2:] == b"\x61\x20" and len(part) == 34
    assert card.execute(build(0, profile.INS_GET_RESPONSE, 0, 0, None, 0x30)) == b"\x6c\x20"
    assert card.execute(get)[-2:] == b"\x90\x00"
    assert sw(card.execute(get)) == "6985"  # nothing left


def test_pin_counter_blocks_at_zero_and_survives_power_cycles():
    card = powered("nurse")
    card.execute(select(profile.CPS_AID))
    verify = build(0, profile.INS_VERIFY, 0, profile.PIN_REF, b"0000")
    assert sw(card.execute(build(0, profile.INS_VERIFY, 0, profile.PIN_REF))) == "63C3"
    assert sw(card.execute(verify)) == "63C2"
    card.power_down()
    card.power_up()
    card.execute(select(profile.CPS_AID))
    assert sw(card.execute(verify)) == "63C1"
    assert sw(card.execute(verify)) == "6983"
    good = build(0, profile.INS_VERIFY, 0, profile.PIN_REF, b"1593")
    assert sw(card.execute(good)) == "6983"  # blocked: even the right PIN is refused
    assert "1593" not in repr(card)


def test_right_pin_resets_the_counter_and_opens_signing():
    card = powered("nurse")
    card.execute(select(profile.CPS_AID))
    mse = bytes.fromhex("8401818001") + bytes([profile.ALG_ECDSA_P256])
    sign = build(0, profile.INS_PSO, 0x9E, 0x9A, bytes(32), 0)
    assert sw(card.execute(build(0, profile.INS_MSE, 0x41, 0xB6, mse))) == "9000"
    assert sw(card.execute(sign)) == "6982"  # PIN not verified
    card.execute(build(0, profile.INS_VERIFY, 0, profile.PIN_REF, b"0000"))
    assert sw(card.execute(build(0, profile.INS_VERIFY, 0, profile.PIN_REF, b"1593"))) == "9000"
    assert sw(card.execute(build(0, profile.INS_VERIFY, 0, profile.PIN_REF))) == "9000"
    assert card.tries_left == 3
    card.execute(build(0, profile.INS_MSE, 0x41, 0xB6, mse))
    answer = card.execute(sign)
    assert sw(answer) == "9000" and len(answer) == 66
    card.power_down()
    card.power_up()
    card.execute(select(profile.CPS_AID))
    card.execute(build(0, profile.INS_MSE, 0x41, 0xB6, mse))
    assert sw(card.execute(sign)) == "6982"  # a power cycle forgets the PIN


def test_restricted_files_answer_6982_without_a_cps():
    card = powered("family")
    card.execute(select(profile.VITALE_AID))
    for fid in (profile.EF_VITALE_EXEMPTIONS, profile.EF_VITALE_COPIES):
        assert sw(card.execute(select_ef(fid))) == "9000"
        assert sw(card.execute(read_record(1))) == "6982"
    card.execute(select_ef(profile.EF_VITALE_COPIES))
    assert sw(card.execute(build(0, profile.INS_APPEND_RECORD, 0, 0, b"sheet"))) == "6982"
    card.execute(select_ef(profile.EF_VITALE_BENEFICIARIES))
    assert sw(card.execute(read_record(1))) == "9000"


def test_firmware_asking_without_a_proven_cps_gets_the_cards_6982():
    v, c, vs, cs = open_apps()
    v.channel.select_file(profile.EF_VITALE_EXEMPTIONS)
    with pytest.raises(errors.SecurityStatusNotSatisfied):
        v.channel.read_record(1)
    with pytest.raises(errors.CpsNotVerified):  # and the firmware does not even ask
        v.read_copies(c)


def test_cps_presence_needs_a_cps_certificate_and_its_signature():
    v, c, vs, cs = open_apps()
    c.verify(bytearray(b"4827"))
    card = vs.card
    ch = v.channel
    challenge = ch.command(0, profile.INS_GET_CHALLENGE, 0, 0, None, 8)
    # A Vitale certificate (not a CPS one) is refused.
    vitale_cert = v.read_certificate()
    with pytest.raises(errors.WrongCommand):
        ch.chained(profile.INS_PSO, 0, 0xBE, vitale_cert)
    # A wrong signature of the challenge is refused: 6300.
    challenge = ch.command(0, profile.INS_GET_CHALLENGE, 0, 0, None, 8)
    ch.chained(profile.INS_PSO, 0, 0xBE, c.cert)
    bad = c.authenticate(challenge[::-1])
    with pytest.raises(errors.AuthenticationFailed):
        ch.command(0, profile.INS_EXTERNAL_AUTHENTICATE, 0, profile.KEY_CPS, bad)
    assert not card.cps_present
    # The challenge is spent after one try.
    with pytest.raises(errors.ConditionsNotSatisfied):
        ch.command(
            0, profile.INS_EXTERNAL_AUTHENTICATE, 0, profile.KEY_CPS, c.authenticate(challenge)
        )
    v.prove_cps(c)
    assert card.cps_present


def test_sheet_copies_are_cyclic_and_refused_when_the_holder_objects():
    v, c, vs, cs = open_apps("family")
    c.verify(bytearray(b"4827"))
    card = v.read(TODAY, MemoryOppositionList())
    for i in range(7):
        v.write_copy(card, b"sheet %d" % i, c)
    assert v.read_copies(c) == [b"sheet %d" % i for i in (6, 5, 4, 3, 2)]
    v2, c2, vs2, cs2 = open_apps("no-copies")
    c2.verify(bytearray(b"4827"))
    card2 = v2.read(TODAY, MemoryOppositionList())
    with pytest.raises(errors.CopiesRefused):
        v2.write_copy(card2, b"sheet", c2)
    assert vs2.card.copies() == []
    # The card refuses too, when asked directly.
    v2.prove_cps(c2)
    v2.channel.select_file(profile.EF_VITALE_COPIES)
    with pytest.raises(errors.ConditionsNotSatisfied):
        v2.channel.command(0, profile.INS_APPEND_RECORD, 0, 0, b"sheet")


def test_both_cards_sign_with_their_certified_keys():
    v, c, vs, cs = open_apps("family")
    digest = hashlib.sha256(b"a care sheet").digest()
    with pytest.raises(errors.CpsNotVerified):
        c.sign(digest)
    c.verify(bytearray(b"4827"))
    card = v.read(TODAY, MemoryOppositionList())
    for signature, der, cert_id in (
        (c.sign(digest), c.cert, c.card.cert_id),
        (v.sign(digest, c), v.read_certificate(), card.cert_id),
    ):
        cert = x509.load_der_x509_certificate(der)
        cert.verify_directly_issued_by(fixtures.pki().root_cert)
        key = cert.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        assert pki.verify_digest(key, digest, signature)
        assert not pki.verify_digest(key, hashlib.sha256(b"another").digest(), signature)
        assert cert_id == hashlib.sha256(der).digest()[:8]


def test_card_without_key_has_no_certificate_and_cannot_sign():
    v, c, vs, cs = open_apps("no-key")
    c.verify(bytearray(b"4827"))
    card = v.read(TODAY, MemoryOppositionList())
    assert card.cert_id is None
    with pytest.raises(errors.FileNotFound):
        v.read_certificate()
    with pytest.raises(errors.KeyNotFound):
        v.sign(bytes(32), c)


def test_checks_on_reading():
    for name, error in (
        ("expired-card", errors.CardExpired),
        ("opposed", errors.CardOpposed),
    ):
        v, c, vs, cs = open_apps(name)
        with pytest.raises(error):
            v.read(TODAY, MemoryOppositionList(fixtures.OPPOSED_SERIALS))
    v, c, vs, cs = open_apps("expired-rights")
    card = v.read(TODAY, MemoryOppositionList())
    with pytest.raises(errors.RightsExpired):
        card.check_rights(1, TODAY)
    assert card.check_rights(1, 20250101).rank == 1


def test_twins_share_a_birth_date_with_distinct_ranks():
    v, c, vs, cs = open_apps("family")
    card = v.read(TODAY, MemoryOppositionList())
    twins = [b for b in card.beneficiaries if b.quality == 2]
    assert [b.rank for b in twins] == [3, 4]
    assert twins[0].birth_date == twins[1].birth_date
    assert card.birth_name == "LEROY" and card.usage_name == "DUPONT"


def test_wrong_slot_and_unknown_cards():
    vs, cs = SimSlot("vitale"), SimSlot("cps")
    vs.insert(fixtures.make("gp"))
    cs.insert(fixtures.make("family"))
    with pytest.raises(errors.WrongSlot):
        VitaleApp(vs).open()
    with pytest.raises(errors.WrongSlot):
        CpsApp(cs).open()
    vs.insert(fixtures.make("unknown"))
    with pytest.raises(errors.NotAVitaleCard):
        VitaleApp(vs).open()
    cs.insert(fixtures.make("mute"))
    from hw import hal

    with pytest.raises(hal.CardIOError):
        CpsApp(cs).open()


@pytest.mark.parametrize("t0", [False, True])
def test_reading_with_both_transports_gives_the_same_data(t0):
    v, c, vs, cs = open_apps("family", t0=t0)
    c.verify(bytearray(b"4827"))
    card = v.read(TODAY, MemoryOppositionList())
    v.read_exemptions(card, c)
    assert card.summary() == {
        "card": "vitale",
        "serial": "1000000022",
        "ranks": [1, 2, 3, 4],
        "signature_key": True,
        "exemptions": 2,
        "cover": [],
    }


# ---------------------------------------------------------------- the test PKI


def test_pki_is_the_same_in_another_process():
    """Keys and certificates derive from the seed: a fresh interpreter builds the same."""
    code = (
        "from emulator.cards import fixtures;"
        "print(fixtures.make('gp').cert.hex(), fixtures.make('family').cert.hex())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    other_gp, other_family = out.stdout.split()
    assert fixtures.make("gp").cert.hex() == other_gp
    assert fixtures.make("family").cert.hex() == other_family
    assert pki.TestPki(b"another seed").root_der != fixtures.pki().root_der


def test_fixtures_cover_what_the_issue_lists():
    kinds = [k for _, k, _ in fixtures.names()]
    assert kinds.count("vitale") >= 8 and kinds.count("cps") >= 3
    for name in fixtures.VITALE:
        card = fixtures.make(name)
        assert card.atr()[0] == 0x3B
    assert fixtures.CPS["blocked"][1]["tries_left"] == 0


def test_stored_transcripts_are_what_the_cards_answer_today():
    """The portable reading tests replay tests/portable/card_transcripts.json; if this fails,
    run `.venv/bin/python tests/card_transcripts.py --write` and review the change."""
    assert STORED.read_text() == dumps(record_all())
