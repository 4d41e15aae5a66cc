"""A lot's CPS seal must chain to the trusted root on the sealing day (outside review F2):
a self-signed "CPS" naming the professional, or a test-PKI CPS that expired before the
day, is refused by sealing (nothing sealed); a lot sealed so by an older agent is shown as
not verifying and never sent; without a root, `lots show` says the chain was not checked
instead of claiming the seal verifies."""

import pytest

from host_agent import lotfile, lots, sealing
from protocol import bundle
from tests import forged_certs as forged
from tests import lots_kit as kit

FORGED = {
    "self-signed": dict(self_signed=True),
    "expired in 2025": dict(valid=(20240101, 20250101)),
}


def _cps(pro, **how) -> bytes:
    return forged.mint(forged.name("CPS", [pro]), [forged.CPS], **how)


def _nurse_lot(store):
    pro = kit.professional("nurse")
    return next(lot for lot in lots.all_lots(store, (lots.OPEN,)) if lot["professional"] == pro)


@pytest.mark.parametrize("how", sorted(FORGED))
def test_sealing_refuses_a_cps_not_chaining_to_the_root(tmp_path, how, db_where):
    store, _ = kit.store_with_day(db_where)
    lots.build(store, kit.NOW)
    lot = _nurse_lot(store)
    app = forged.ForgedCps(_cps(lot["professional"], **FORGED[how]))
    with pytest.raises(sealing.SealError) as refused:
        sealing.seal(store, app, lot, kit.NOW + 60, kit.root_der())
    assert "does not verify" in str(refused.value)
    assert "nothing was sealed" in str(refused.value)
    assert lots.find(store, lots.name(lot))["status"] == lots.OPEN


def _seal_without_chain(store, lot, der):
    """What an agent before the fix kept: a file sealed by `der`, never checked to the root."""
    body = lots.body(store, lot, kit.NOW + 60)
    signature = forged.ForgedCps(der).sign(lotfile.seal_digest(body))
    file = lotfile.sealed(body, der, signature)
    lots.record_seal(store, lot["id"], file, bundle.cert_id(der), kit.NOW + 60)


@pytest.mark.parametrize("how", sorted(FORGED))
def test_a_lot_sealed_without_the_chain_is_shown_bad_and_never_sent(tmp_path, how, db_where):
    db = db_where
    store, _ = kit.store_with_day(db)
    lots.build(store, kit.NOW)
    lot = _nurse_lot(store)
    _seal_without_chain(store, lot, _cps(lot["professional"], **FORGED[how]))
    shown = kit.agent(db, "lots", "show", lots.name(lot))
    assert shown.returncode == 0, shown.stderr
    assert "chain to the root verify" not in shown.stdout
    assert "does not chain" in shown.stdout or "was not valid" in shown.stdout
    outbox = tmp_path / "outbox"
    sent = kit.agent(db, "lots", "send", "--outbox", str(outbox))
    assert sent.returncode == 1, sent.stdout + sent.stderr
    assert "is not sent" in sent.stderr and "nothing was sent" in sent.stderr
    assert not outbox.exists() or not any(p.is_file() for p in outbox.rglob("*"))
    assert lots.find(store, lots.name(lot))["status"] == lots.SEALED


def test_show_says_chain_not_checked_without_a_root_and_send_needs_one(tmp_path, db_where):
    db = db_where
    store, _ = kit.store_with_day(db)
    lots.build(store, kit.NOW)
    kit.seal_all(store, "nurse")
    lot = lots.all_lots(store, (lots.SEALED,))[0]
    shown = kit.agent(db, "lots", "show", lots.name(lot))
    assert "CPS seal and its chain to the root verify" in shown.stdout, shown.stdout
    (db.parent / "root.pem").unlink()
    shown = kit.agent(db, "lots", "show", lots.name(lot))
    assert shown.returncode == 0, shown.stderr
    assert "chain not checked (no root)" in shown.stdout
    assert "seal verify" not in shown.stdout
    sent = kit.agent(db, "lots", "send", "--outbox", str(tmp_path / "outbox"))
    assert sent.returncode == 1 and "no root certificate" in sent.stderr
    assert lots.find(store, lots.name(lot))["status"] == lots.SEALED
    # With --root given, the properly sealed lot goes.
    root = tmp_path / "elsewhere.der"
    root.write_bytes(kit.root_der())
    sent = kit.agent(db, "lots", "send", "--outbox", str(tmp_path / "outbox"), "--root", str(root))
    assert sent.returncode == 0, sent.stderr
    assert lots.find(store, lots.name(lot))["status"] == lots.SENT
