"""Sealing lots through a PKCS#11 module instead of PC/SC (docs/lots.md "PKCS#11"): a practice
PC with the ANS's Cryptolib CPS installed seals with the professional's CPS3 through its
module, and any token holding a signature key and its certificate will do (SoftHSM2 in the
tests). `[pkcs11] module` names the module (its path), `token` the token's label (default:
the first token with a certificate), `key` the key's label (default: the first private key
that has a certificate of the same CKA_ID).

`Pkcs11Cps` answers what host_agent/sealing.py asks of a CPS (CpsApp): who it is (`card`,
read from the certificate as the PC binds it: docs/cards.md "CPS3 certificates"), `cert`,
`verify(pin)`, `sign(digest)` and `forget()`. Every failure is one line and an exit code.
"""

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from firmware.cards.errors import PinBlocked, PinWrong
from host_agent import sealing
from host_agent.errors import EXIT_CARD
from protocol import bundle
from protocol.ascii import is_digits

# DigestInfo of SHA-256 (RFC 8017 9.2 note 1): CKM_RSA_PKCS signs it then pads (PKCS#1 v1.5).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class Pkcs11Error(sealing.SealError):
    """The PKCS#11 module, token or key cannot seal: one line, exit code 3, nothing sealed."""

    exit_code = EXIT_CARD
    french_default = "Le module PKCS#11 n'a pas pu sceller le lot ; rien n'a été scellé."


class Holder:
    """Who the token's certificate names, as sealing.holder() shows a CPS's holder."""

    def __init__(self, holder_id, name):
        self.holder_id = holder_id
        self._name = name

    def name(self):
        return self._name


def _holder(cert) -> Holder:
    """A CPS3's PS_IdNat (CN = 8 + RPPS), or a tla CPS's serialNumber; names as shown."""
    subject = cert.subject

    def first(oid):
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    if isinstance(cert.public_key(), rsa.RSAPublicKey):
        idnat = first(NameOID.COMMON_NAME).split("/")[0]
        holder_id = idnat[1:] if idnat[:1] == "8" else ""
        name = ("%s %s" % (first(NameOID.SURNAME), first(NameOID.GIVEN_NAME))).strip()
    else:
        holder_id, name = first(NameOID.SERIAL_NUMBER), first(NameOID.COMMON_NAME)
    if not is_digits(holder_id, (11,)):
        raise Pkcs11Error("the token's certificate names no professional (no RPPS number)")
    return Holder(holder_id, name or holder_id)


class Pkcs11Cps:
    """A signature key and its certificate on a PKCS#11 token (see the module docstring)."""

    def __init__(self, module, token_label=None, key_label=None):
        import pkcs11  # python-pkcs11: only when a module is set
        import pkcs11.exceptions

        self._p11 = pkcs11
        try:
            lib = pkcs11.lib(str(module))
        except Exception as e:  # a missing file or not a PKCS#11 module
            raise Pkcs11Error(
                "cannot load the PKCS#11 module %s (%s): check [pkcs11] module" % (module, e),
                french="Le module PKCS#11 %s ne peut pas être chargé : vérifiez le réglage "
                "[pkcs11] module (rien n'a été scellé)." % module,
            ) from None
        self.key_label = key_label
        self.session = None
        self.token, self.cert_id, self.cert = self._find(lib, token_label)
        self.card = _holder(x509.load_der_x509_certificate(self.cert))
        self.alg = bundle.RS256 if self._rsa() else bundle.ES256
        self.verified = False

    def _find(self, lib, token_label):
        p11 = self._p11
        tokens = []
        for slot in lib.get_slots(token_present=True):
            token = slot.get_token()
            if token_label is None or token.label == token_label:
                tokens.append(token)
        for token in tokens:
            with token.open() as session:  # certificates are public objects
                for cert in session.get_objects({p11.Attribute.CLASS: p11.ObjectClass.CERTIFICATE}):
                    return token, cert[p11.Attribute.ID], bytes(cert[p11.Attribute.VALUE])
        raise Pkcs11Error(
            "no PKCS#11 token %swith a certificate: insert the card or check [pkcs11] token"
            % ("%r " % token_label if token_label else "")
        )

    def certificate(self) -> bytes:
        return self.cert

    def _rsa(self):
        key = x509.load_der_x509_certificate(self.cert).public_key()
        return isinstance(key, rsa.RSAPublicKey)

    def tries_left(self):
        """3, or fewer when the token says its PIN is low or on its final try; PinBlocked."""
        flags = self.token.slot.get_token().flags  # read again: it changes with each try
        tf = self._p11.TokenFlag
        if flags & tf.USER_PIN_LOCKED:
            raise PinBlocked()
        return 1 if flags & tf.USER_PIN_FINAL_TRY else 2 if flags & tf.USER_PIN_COUNT_LOW else 3

    def verify(self, pin: bytearray):
        """Log in with the PIN (wiped by the caller); the key must be there once logged in.
        PinWrong, PinBlocked, Pkcs11Error."""
        p11 = self._p11
        try:
            self.session = self.token.open(user_pin=bytes(pin).decode())
        except p11.exceptions.PinIncorrect:
            raise PinWrong(self.tries_left()) from None  # PinBlocked once it locked
        except p11.exceptions.PinLocked:
            raise PinBlocked() from None
        except p11.exceptions.PKCS11Error as e:
            raise Pkcs11Error(
                "the PKCS#11 token refused the login: %s" % type(e).__name__
            ) from None
        self.key = self._key()
        self.verified = True

    def _key(self):
        p11 = self._p11
        query = {p11.Attribute.CLASS: p11.ObjectClass.PRIVATE_KEY, p11.Attribute.ID: self.cert_id}
        if self.key_label:
            query[p11.Attribute.LABEL] = self.key_label
        assert self.session is not None  # logged in by verify()
        for key in self.session.get_objects(query):
            return key
        self.forget()
        raise Pkcs11Error(
            "the PKCS#11 token has no private key for its certificate%s: nothing was sealed"
            % (" (label %r)" % self.key_label if self.key_label else ""),
            french="Le jeton PKCS#11 n'a pas la clé de son certificat : rien n'a été scellé.",
        )

    def sign(self, digest: bytes) -> bytes:
        """RSA PKCS#1 v1.5 over SHA-256 (CKM_RSA_PKCS of the DigestInfo), or ECDSA r || s."""
        p11 = self._p11
        try:
            if self.alg == bundle.RS256:
                return bytes(
                    self.key.sign(SHA256_DIGEST_INFO + digest, mechanism=p11.Mechanism.RSA_PKCS)
                )
            return bytes(self.key.sign(digest, mechanism=p11.Mechanism.ECDSA))
        except p11.exceptions.PKCS11Error as e:
            raise Pkcs11Error("the PKCS#11 token refused to sign: %s" % type(e).__name__) from None

    def forget(self):
        if self.session is not None:
            try:
                self.session.close()
            except Exception:
                pass
        self.session = None
        self.verified = False


def open_session(store, refs, config) -> sealing.Session:
    """sealing.open_session() through the PKCS#11 module of `config` ([pkcs11] settings)."""
    app = Pkcs11Cps(config["module"], config.get("token"), config.get("key"))
    try:
        chosen, others = sealing.lots_to_seal(store, app, refs or [])
        tries = app.tries_left() if chosen else 0
    except PinBlocked:
        app.forget()
        raise sealing.SealError(sealing.blocked_message(), french=sealing.BLOCKED_FRENCH) from None
    except BaseException:
        app.forget()
        raise
    return sealing.Session(app, sealing.holder(app), chosen, others, tries)
