"""Role marks are exclusive and the OU is the role's (outside review F4, host_agent/signers.py,
docs/cards.md "Card certificates"): a certificate of the test PKI carrying both role
policies is neither a CPS nor a Vitale certificate, a CPS-policy certificate whose OU is
"Vitale" (or missing, or doubled) is refused, and a sheet whose CPS and Vitale signatures
name one certificate, or two certificates of one key, is refused whatever the names say
(R161-43: the professional and the patient sign, two persons)."""

import pytest
from cryptography import x509

from emulator.cards import fixtures, pki
from host_agent import signers, verify
from protocol import bundle
from tests import forged_certs as forged
from tests import lots_kit

SHEET = lots_kit.make_sheet("nurse", "single", 7, lots_kit.DAY)
PRO, NIR = SHEET.professional, SHEET.insured
BOTH = [forged.CPS, forged.VITALE]


def _verify(cps, vitale, cps_key=forged.KEY, vitale_key=forged.OTHER_KEY):
    data = SHEET.encode()
    digest = bundle.digest(data)
    signed = bundle.encode(
        data,
        pki.sign_digest(cps_key, digest),
        bundle.cert_id(cps),
        pki.sign_digest(vitale_key, digest),
        bundle.cert_id(vitale),
    )
    return verify.verify_bundle(signed, [cps, vitale], fixtures.pki().root_der, lots_kit.DAY)


def _vitale(ou="Vitale", policies=(forged.VITALE,)):
    return forged.mint(forged.name(ou, ["1234567890"], [NIR]), policies, key=forged.OTHER_KEY)


def _cps(ou="CPS", policies=(forged.CPS,)):
    return forged.mint(forged.name(ou, [PRO]), policies)


def test_honest_forged_pair_verifies():
    # The control: the two minted certificates below differ from it by one thing each.
    result = _verify(_cps(), _vitale())
    assert result.ok, result.reason


@pytest.mark.parametrize("role", ["CPS", "Vitale"])
def test_both_policies_is_no_role(role):
    cert = x509.load_der_x509_certificate(forged.mint(forged.name(role, [PRO], [NIR]), BOTH))
    assert "also has the" in signers.role_problem(role, cert)


def test_a_sheet_with_a_both_policies_certificate_is_refused():
    result = _verify(_cps(policies=BOTH), _vitale())
    assert not result.ok
    assert (
        "CPS certificate is not a CPS certificate: it also has the Vitale policy" in result.reason
    )
    result = _verify(_cps(), _vitale(policies=BOTH))
    assert not result.ok
    assert "Vitale certificate is not a Vitale certificate: it also has the CPS" in result.reason


@pytest.mark.parametrize("ou", [["Vitale"], ["cps"], ["CPS", "Vitale"], []])
def test_a_cps_whose_ou_is_not_exactly_cps_is_refused(ou):
    result = _verify(_cps(ou=ou), _vitale())
    assert not result.ok
    assert "its subject OU is not exactly CPS" in result.reason


def test_a_vitale_whose_ou_is_cps_is_refused():
    result = _verify(_cps(), _vitale(ou="CPS"))
    assert not result.ok
    assert "its subject OU is not exactly Vitale" in result.reason


def test_one_certificate_under_both_signatures_is_refused():
    # Both names in one certificate with the CPS mark only: the same id under both.
    one = forged.mint(forged.name("CPS", [PRO], [NIR]), [forged.CPS])
    result = _verify(one, one, vitale_key=forged.KEY)
    assert not result.ok
    assert "name the same certificate" in result.reason


def test_two_certificates_of_one_key_are_refused():
    # Each certificate passes its role alone; one key behind both is one signer.
    cps = _cps()
    vitale = forged.mint(forged.name("Vitale", ["1234567890"], [NIR]), [forged.VITALE])
    result = _verify(cps, vitale, vitale_key=forged.KEY)
    assert not result.ok
    assert "have the same public key" in result.reason
