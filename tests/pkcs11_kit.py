"""A SoftHSM2 token for the PKCS#11 sealing tests, set up by the test itself in a temporary
folder (SOFTHSM2_CONF): a token holding the CPS3 fixture's RSA 2048 key and its look-alike
IGC-Santé certificate, as the ANS's Cryptolib shows a CPS3. Each step runs softhsm2-util
or a short Python child (python-pkcs11), so the module is never loaded in pytest's own
process; no process outlives its step."""

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests import real_cards_kit as kit

PIN = "3719"
SO_PIN = "87654321"
LABEL = "tla-cps3"


def module() -> str:
    """The SoftHSM2 module (Debian's softhsm2 package), or skip: tools/debian-deps.sh."""
    found = glob.glob("/usr/lib/softhsm/libsofthsm2.so") + glob.glob(
        "/usr/lib/*/softhsm/libsofthsm2.so"
    )
    if not found or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 is not installed (Debian softhsm2: tools/debian-deps.sh)")
    return found[0]


def environment(tmp: Path) -> dict:
    tokens = tmp / "tokens"
    tokens.mkdir(mode=0o700, exist_ok=True)
    conf = tmp / "softhsm2.conf"
    conf.write_text("directories.tokendir = %s\nobjectstore.backend = file\n" % tokens)
    return dict(os.environ, SOFTHSM2_CONF=str(conf))


def _run(cmd, env, **kw):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, **kw)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


_ADD_CERT = """
import sys, pkcs11
from cryptography import x509
from pkcs11 import Attribute, CertificateType, ObjectClass
der = open(sys.argv[4], "rb").read()
subject = x509.load_der_x509_certificate(der).subject.public_bytes()
lib = pkcs11.lib(sys.argv[1])
token = lib.get_token(token_label=sys.argv[2])
with token.open(rw=True, user_pin=sys.argv[3]) as s:
    s.create_object({Attribute.CLASS: ObjectClass.CERTIFICATE,
                     Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                     Attribute.TOKEN: True, Attribute.PRIVATE: False,
                     Attribute.ID: b"\\x01", Attribute.LABEL: "CPS3 signature",
                     Attribute.SUBJECT: subject, Attribute.VALUE: der})
"""


def token(tmp: Path, label=LABEL, with_key=True, with_cert=True) -> dict:
    """A token `label` in the SoftHSM2 of `tmp`; the environment that finds it."""
    env = environment(tmp)
    lib = module()
    _run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN,
          "--so-pin", SO_PIN], env)  # fmt: skip
    cps3 = kit.card(kit.CPS3)
    if with_key:
        key = tmp / ("%s-key.pem" % label)
        key.write_bytes(
            cps3.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        _run(["softhsm2-util", "--import", str(key), "--token", label, "--label",
              "CPS3 signature", "--id", "01", "--pin", PIN], env)  # fmt: skip
        key.unlink()  # the key lives in the token only
    if with_cert:
        cert = tmp / ("%s-cert.der" % label)
        cert.write_bytes(cps3.cert)
        _run([sys.executable, "-c", _ADD_CERT, lib, label, PIN, str(cert)], env)
    return env
