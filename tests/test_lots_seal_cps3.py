"""`lots seal` with a CPS3 (docs/lots.md "Real cards"): the card signs the lot's digest RSA
PKCS#1 v1.5, the seal verifies against the IGC-Santé authorities the practice installed,
and without them nothing is sealed; a CPS3 that refuses MSE SET or answers 6982 seals
nothing either, one line each."""

import pytest

from host_agent import lotfile, lots, sealing
from host_agent.store import Store
from tests import lots_kit
from tests import real_cards_kit as kit


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "agent.db")
    for n in (1, 2, 3):
        kit.file_sheet(s, kit.make_sheet(n))
    lots.build(s, lots_kit.NOW)
    yield s
    s.close()


def _seal(store, name, trusted):
    app = kit.cps3_app(name)
    try:
        chosen, _ = sealing.lots_to_seal(store, app, [])
        assert len(chosen) == 1 and chosen[0]["professional"] == kit.professional()
        sealing.unlock(app, bytearray(b"3719"))
        return sealing.seal(store, app, chosen[0], lots_kit.NOW + 60, trusted)
    finally:
        app.forget()


def test_cps3_seals_a_lot_that_verifies(store):
    trusted = kit.igc_trust(lots_kit.root_der())
    file = _seal(store, "cps3-gp", trusted)
    seal = lotfile.parse(file).seal
    assert len(seal["signature"]) == 256
    check = lotfile.verify_lot(file, trusted, store.certificates().values())
    assert check.ok, check.reason
    assert lots.all_lots(store, (lots.SEALED,))


def test_cps3_seal_without_igc_roots_seals_nothing(store):
    with pytest.raises(sealing.SealError, match="no IGC-Santé authority is installed"):
        _seal(store, "cps3-gp", lots_kit.root_der())
    assert not lots.all_lots(store, (lots.SEALED,))


@pytest.mark.parametrize(
    "name, why",
    [("cps3-no-mse", "6A80"), ("cps3-6982", "Acces refuse"), ("cps3-short-signature", "signature")],
)
def test_cps3_refusing_to_sign_seals_nothing(store, name, why):
    with pytest.raises(Exception, match=why) as e:
        _seal(store, name, kit.igc_trust(lots_kit.root_der()))
    print(type(e.value).__name__, e.value)
    assert not lots.all_lots(store, (lots.SEALED,))
