"""What the practice PC trusts for card certificates: tla's card PKI root (root.pem, the
test cards') and, only when the practice installed them, the IGC-Santé certificate
authorities that issue the real CPS3 cards' certificates (`[cards] igc_roots`, docs/lots.md
"Real cards"). tla ships no IGC-Santé certificate and trusts none by default: the test
PKI's look-alike (emulator/cards/igc.py) is trusted only where a test installs it.
"""

from cryptography import x509

from host_agent import files
from host_agent.errors import EXIT_SETTINGS, AgentError

MAX_BYTES = 256 * 1024  # a chain file is a few certificates


class Trust:
    """`root`: tla's card root (x509, or None); `igc_anchors`: the installed IGC-Santé
    roots (self-signed); `igc_intermediates`: the installed authorities under them."""

    def __init__(self, root=None, igc_anchors=(), igc_intermediates=()):
        self.root = root
        self.igc_anchors = list(igc_anchors)
        self.igc_intermediates = list(igc_intermediates)

    def __bool__(self):
        return self.root is not None or bool(self.igc_anchors)


def of(value) -> Trust:
    """A Trust from what the callers pass as `root`: a Trust, None, or tla's root (x509 or
    DER bytes)."""
    if isinstance(value, Trust):
        return value
    if value is None:
        return Trust()
    if not isinstance(value, x509.Certificate):
        value = x509.load_der_x509_certificate(bytes(value))
    return Trust(value)


def load_igc(paths, root=None) -> Trust:
    """A Trust of tla's `root` and the IGC-Santé authorities in the files `paths` (PEM,
    one or several certificates, or DER). AgentError naming the file when one cannot be
    read or holds no certificate."""
    anchors, intermediates = [], []
    for path in paths:
        try:
            data = files.read_small(path, MAX_BYTES, "a certificate file")
            if b"-----BEGIN" in data:
                certs = x509.load_pem_x509_certificates(data)
            else:
                certs = [x509.load_der_x509_certificate(data)]
        except OSError as e:
            raise AgentError(
                "cannot read the IGC-Santé certificate %s: %s" % (path, e.strerror or e),
                EXIT_SETTINGS,
                "Le certificat IGC-Santé %s est illisible : vérifiez [cards] igc_roots." % path,
            ) from None
        except ValueError:
            raise AgentError(
                "%s is not a certificate (PEM or DER): check [cards] igc_roots" % path,
                EXIT_SETTINGS,
                "%s n'est pas un certificat : vérifiez [cards] igc_roots." % path,
            ) from None
        for cert in certs:
            (anchors if cert.subject == cert.issuer else intermediates).append(cert)
    return Trust(root, anchors, intermediates)
