"""Sealing lots through PKCS#11 (docs/lots.md "PKCS#11"), against SoftHSM2 set up by the test
in a temporary folder: `tla-agent lots seal` with `[pkcs11] module` in the settings seals
with the token's RSA 2048 key (the CPS3 fixture's) and its certificate, and the seal
verifies against the installed look-alike IGC-Santé. A module path that is wrong, a token
without the key, a wrong PIN: one line and exit code 3, nothing sealed. SoftHSM2 keeps no
PIN try counter, so a locked PIN is the module's answer played by a token object here."""

import subprocess
import sys

import pkcs11
import pytest

from firmware.cards.errors import PinBlocked
from host_agent import lotfile, lots, pkcs11_seal, sealing
from host_agent.store import Store
from tests import lots_kit, pkcs11_kit
from tests import real_cards_kit as kit

ROOT = lots_kit.ROOT


def _practice(tmp, module):
    """A database with a CPS3 professional's open lot, root.pem and the look-alike
    IGC-Santé beside it, and the settings naming the PKCS#11 module."""
    db = tmp / "agent.db"
    store = Store(db)
    for n in (1, 2):
        kit.file_sheet(store, kit.make_sheet(n))
    lots.build(store, lots_kit.NOW)
    store.close()
    (tmp / "root.pem").write_bytes(lots_kit.root_der())
    (tmp / "igc.pem").write_bytes(kit.igc_pem())
    config = tmp / "agent.toml"
    config.write_text(
        'database = "%s"\n[cards]\nigc_roots = ["igc.pem"]\n[pkcs11]\nmodule = "%s"\n'
        'token = "%s"\n' % (db, module, pkcs11_kit.LABEL)
    )
    return db, config


def _seal(config, env, pin):
    return subprocess.run(
        [sys.executable, "-m", "host_agent.cli", "--config", str(config), "lots", "seal",
         "--pin-stdin"],
        input=pin + "\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip


def _sealed(db):
    store = Store(db)
    try:
        return [bytes(r["file"]) for r in lots.all_lots(store, (lots.SEALED,))]
    finally:
        store.close()


def test_pkcs11_cps3_seals_a_lot_that_verifies(tmp_path):
    env = pkcs11_kit.token(tmp_path)
    db, config = _practice(tmp_path, pkcs11_kit.module())
    out = _seal(config, env, pkcs11_kit.PIN)
    print(out.stdout, out.stderr)
    assert out.returncode == 0, out.stderr
    assert "DURAND HELENE (%s)" % kit.professional() in out.stdout
    files = _sealed(db)
    assert len(files) == 1 and len(lotfile.parse(files[0]).seal["signature"]) == 256
    store = Store(db)
    check = lotfile.verify_lot(files[0], kit.igc_trust(lots_kit.root_der()),
                               store.certificates().values())  # fmt: skip
    store.close()
    assert check.ok, check.reason


def test_lots_seal_says_whose_account_seals(tmp_path):
    """A practice with accounts: `lots seal` names the professional's account tied to the
    CPS's RPPS number (who seals), and says when none is."""
    from host_agent import people

    env = pkcs11_kit.token(tmp_path)
    db, config = _practice(tmp_path, pkcs11_kit.module())
    store = Store(db)
    try:
        people.add(store, "chef", "Claire Chef", people.ADMINISTRATOR, None, "mot de passe 1")
    finally:
        store.close()
    out = _seal(config, env, "1111")  # a wrong PIN: said who would seal, nothing sealed
    assert "no account of the practice has RPPS %s" % kit.professional() in out.stdout, out
    store = Store(db)
    try:
        people.add(store, "helene", "Hélène Durand", people.PROFESSIONAL, kit.professional(),
                   "mot de passe 2")  # fmt: skip
    finally:
        store.close()
    out = _seal(config, env, pkcs11_kit.PIN)
    assert out.returncode == 0, out.stderr
    line = [x for x in out.stdout.splitlines() if x.startswith("CPS of ")]
    assert line and "account helene (Hélène Durand, RPPS %s)" % kit.professional() in line[0], (
        out.stdout
    )


@pytest.mark.parametrize("case", ["module", "no-key", "wrong-pin"])
def test_pkcs11_failures_are_one_line_and_exit_3(tmp_path, case):
    env = pkcs11_kit.token(tmp_path, with_key=case != "no-key")
    module = tmp_path / "no-such-module.so" if case == "module" else pkcs11_kit.module()
    db, config = _practice(tmp_path, module)
    out = _seal(config, env, "1111" if case == "wrong-pin" else pkcs11_kit.PIN)
    print(repr(out.stderr))
    want = {
        "module": "cannot load the PKCS#11 module",
        "no-key": "has no private key for its certificate",
        "wrong-pin": "wrong PIN",
    }[case]
    assert out.returncode == 3 and want in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert _sealed(db) == []


class _LockedToken:
    """What a module answers for a PIN locked by wrong tries: USER_PIN_LOCKED, and
    CKR_PIN_LOCKED to a login."""

    flags = pkcs11.TokenFlag.USER_PIN_LOCKED

    def __init__(self):
        self.slot = self

    def get_token(self):
        return self

    def open(self, **kw):
        raise pkcs11.exceptions.PinLocked()


def test_pkcs11_locked_pin_is_one_sentence_and_the_pin_wiped():
    app = pkcs11_seal.Pkcs11Cps.__new__(pkcs11_seal.Pkcs11Cps)
    app._p11, app.token, app.session, app.verified = pkcs11, _LockedToken(), None, False
    with pytest.raises(PinBlocked):
        app.tries_left()
    pin = bytearray(b"3719")
    with pytest.raises(sealing.SealError) as e:
        sealing.unlock(app, pin)
    assert "blocked" in str(e.value) and e.value.exit_code == 3 and pin == bytearray(4)
