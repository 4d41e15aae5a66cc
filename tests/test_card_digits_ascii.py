"""Found by an outsider's probe of issue 17's class "every isdigit of untrusted text"
(item 4): digits that are not ASCII must get one answer under CPython and micropython, a refusal. Three checks of line and
card data used str.isdigit(), which CPython answers True for Arabic-Indic (U+0660..)
and fullwidth (U+FF10..) digits and micropython False:

- protocol/bundle.py: the `vitale_read` serial of a bundle (the PC verifies bundles with it);
- firmware/cards/x509name.py `_time`: a certificate's notBefore / notAfter;
- firmware/cards/cps3.py: the PS_IdNat (RPPS) in a CPS3 certificate's CN (luhn_valid's
  ord(ch) - 48 gives a check digit for it).

Each snippet runs under both interpreters; both must refuse.
"""

import sys

from cryptography import x509
from cryptography.x509.oid import NameOID

from emulator import procgroup
from emulator.interpreters import code_root, micropython_command, micropython_env
from firmware.cards.fields import luhn_valid
from tests import forged_certs

ROOT = str(code_root())


def _both(script: str, *args) -> dict:
    """{interpreter: last line printed} of `script` run under CPython and micropython."""
    out = {}
    for name, cmd, env in (
        ("cpython", [sys.executable], None),
        ("micropython", [micropython_command(), "-X", "heapsize=4M"], micropython_env()),
    ):
        done = procgroup.run(
            cmd + ["-c", script] + list(args),
            cwd=ROOT,
            env=env,
            capture_output=True,
            encoding="utf-8",
            timeout=300,
        )
        assert done.returncode == 0, (name, done.stderr)
        out[name] = done.stdout.strip().splitlines()[-1]
    return out


BUNDLE = """
import sys
sys.path.append('.')
from protocol import bundle
answers = []
for serial in ('\\u0661\\u0662\\u0663', '\\uff11\\uff12\\uff13', '\\u00b2'):
    try:
        bundle.decode(bundle.encode(b'x', bytes(64), bytes(8), None, bytes(8), vitale_read=serial))
        answers.append('accepted')
    except bundle.BundleFormatError:
        answers.append('refused')
print(' '.join(answers))
"""


def test_a_bundle_whose_vitale_read_serial_has_arabic_or_fullwidth_digits_is_refused_by_both():
    answers = _both(BUNDLE)
    assert answers == {
        "cpython": "refused refused refused",
        "micropython": "refused refused refused",
    }


X509_TIME = """
import sys
sys.path.append('.')
from firmware.cards.x509name import _time
from firmware.cards.errors import MalformedCardData
ar = ''.join(chr(0x660 + int(c)) for c in '300101000000')
answers = []
for tag, text in ((0x17, ar + 'Z'), (0x18, ''.join(chr(0xFF10 + int(c)) for c in '20300101000000') + 'Z')):
    b = text.encode()
    try:
        _time(b, (tag, 0, len(b)))
        answers.append('accepted')
    except MalformedCardData:
        answers.append('refused')
print(' '.join(answers))
"""


def test_a_certificate_date_in_arabic_or_fullwidth_digits_is_refused_by_both():
    answers = _both(X509_TIME)
    assert answers == {"cpython": "refused refused", "micropython": "refused refused"}


CPS3 = """
import sys
sys.path.append('.')
from firmware.cards.cps3 import Cps3Card
with open(sys.argv[1], 'rb') as f:
    der = f.read()
try:
    card = Cps3Card('12345678', der)
    print('accepted')
except Exception as e:
    print('refused')
"""


def test_a_cps3_whose_rpps_ends_in_an_arabic_digit_is_refused_by_both(tmp_path):
    holder = next(h for h in ("1000000000" + chr(0x660 + k) for k in range(10)) if luhn_valid(h))
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.COMMON_NAME, "8" + holder),
            x509.NameAttribute(NameOID.SURNAME, "DUPONT"),
            x509.NameAttribute(NameOID.GIVEN_NAME, "ANNE"),
        ]
    )
    cert = tmp_path / "cps3.der"
    cert.write_bytes(forged_certs.mint(subject, [forged_certs.CPS]))
    answers = _both(CPS3, str(cert))
    assert answers == {"cpython": "refused", "micropython": "refused"}


def test_the_interpreters_agree_on_ascii_digits_at_least():
    """The harness itself: a plain ASCII serial is accepted by both (so the refusals above
    are the digits', not a broken snippet)."""
    script = BUNDLE.replace(
        "('\\u0661\\u0662\\u0663', '\\uff11\\uff12\\uff13', '\\u00b2')", "('123',)"
    )
    assert _both(script) == {"cpython": "accepted", "micropython": "accepted"}
