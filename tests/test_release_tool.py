"""The release ceremony's commands (tools/release.py; docs/board.md "Signing a release"):
keygen writes a 0600 key file and never over one; manifest names the image; sign writes one
holder's signature; join makes the bundle the agent and the terminals take, and refuses
fewer than m signatures, a key no terminal of that board holds, one key twice, a signature
of another manifest, a forged signature (under a release key's id: each one is verified,
not only the first m), an image that is not the manifest's, files that are not what they
say. Every refusal is one line on stderr, exit 1, nothing written. The TEST keys stand for
the holders (their boards take them); a key keygen makes is known to no terminal."""

import hashlib
import os
import stat
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric import ec

from emulator import releases
from host_agent import updates
from protocol import cbor
from protocol import update_manifest as um
from tools import release

TOOL = [sys.executable, str(release.ROOT / "tools" / "release.py")]
IMAGE = bytes(range(256)) * 9 + b"end"  # 2,307 bytes: three chunks


def _run(*args):
    return subprocess.run(TOOL + [str(a) for a in args], capture_output=True, text=True, timeout=60)


def _refused(done, words):
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def _holders(tmp):
    """The three TEST keys as the holders' key files."""
    paths = []
    for i in range(3):
        path = tmp / ("holder%d.pem" % i)
        path.write_bytes(release.key_pem(releases.test_key(i)))
        paths.append(path)
    return paths


def _ceremony(tmp, board="sim", counter=2):
    image = tmp / "image.bin"
    if board == "rp2350":  # an update image of the RP2350, flagged for a trial
        from tests.test_picobin import rp2350_image
        from tools import picobin

        image.write_bytes(picobin.for_trial(rp2350_image()))
    else:
        image.write_bytes(IMAGE)
    m = tmp / ("%s-%d.manifest" % (board, counter))
    args = ["manifest", image, "--board", board, "--version", "0.2.0", "--counter", counter]
    done = _run(*args, "-o", m)
    assert done.returncode == 0, done.stderr
    sigs = []
    for i, key in enumerate(_holders(tmp)):
        sig = tmp / ("%s-%d.sig%d" % (board, counter, i))
        done = _run("sign", m, key, "-o", sig)
        assert done.returncode == 0 and "signed board %s, version 0.2.0" % board in done.stdout
        sigs.append(sig)
    return image, m, sigs


def test_keygen_writes_a_private_key_file_once_and_prints_its_public_half(tmp_path):
    key = tmp_path / "alice.pem"
    done = _run("keygen", key, "--name", "alice")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    loaded = release._key(key)
    public = releases.public_bytes(loaded).hex()
    assert '("alice", unhexlify(b"%s")),' % public in done.stdout
    before = key.read_bytes()
    _refused(_run("keygen", key), "exists already")
    assert key.read_bytes() == before  # never overwritten


def test_m_signatures_join_into_the_bundle_the_agent_takes(tmp_path):
    image, m, sigs = _ceremony(tmp_path)
    out = tmp_path / "release.tlaup"
    done = _run("join", m, image, sigs[0], sigs[2], "-o", out)
    assert done.returncode == 0 and "signed by 2 keys" in done.stdout, done.stderr
    bundle = updates.check(out.read_bytes())
    assert (bundle.manifest.board, bundle.manifest.version, bundle.manifest.counter) == (
        "sim",
        "0.2.0",
        2,
    )
    assert bundle.image == IMAGE
    _refused(_run("join", m, image, sigs[0], sigs[1], "-o", out), "exists already")


def test_join_refuses_what_a_terminal_would_refuse_and_writes_nothing(tmp_path):
    image, m, sigs = _ceremony(tmp_path)
    stranger = tmp_path / "stranger.pem"
    assert _run("keygen", stranger).returncode == 0
    foreign = tmp_path / "foreign.sig"
    assert _run("sign", m, stranger, "-o", foreign).returncode == 0
    _, other_m, other_sigs = _ceremony(tmp_path, counter=3)
    other_image = tmp_path / "other.bin"
    other_image.write_bytes(IMAGE[:-1] + b"!")
    junk = tmp_path / "junk.sig"
    junk.write_bytes(b"\xa1\x63sig\x02")
    out = tmp_path / "bad.tlaup"
    cases = [
        ((m, image, sigs[0]), "1 signatures: board sim needs 2"),
        ((m, image, sigs[0], foreign), "not a release key of board sim"),
        ((m, image, sigs[1], sigs[1]), "a key signed twice"),
        ((m, image, sigs[0], other_sigs[1]), "signs another manifest"),
        ((m, other_image, sigs[0], sigs[1]), "is not the image the manifest names"),
        ((m, image, sigs[0], junk), "is not a signature file"),
        ((image, image, sigs[0], sigs[1]), "is not a release manifest"),
        ((m, tmp_path / "missing.bin", sigs[0], sigs[1]), "cannot read the image"),
    ]
    for args, words in cases:
        _refused(_run("join", *args, "-o", out), words)
        assert not out.exists()
    # A board whose terminals hold no key yet (the RP2350 today): nothing can be joined.
    rp_image, rp_m, rp_sigs = _ceremony(tmp_path, board="rp2350")
    _refused(_run("join", rp_m, rp_image, *rp_sigs, "-o", out), "not a release key of board")
    assert other_m.exists() and not out.exists()


def test_manifest_and_sign_refuse_bad_input_in_one_line(tmp_path):
    image = tmp_path / "image.bin"
    image.write_bytes(IMAGE)
    m = tmp_path / "m"
    base = ["manifest", image, "--board", "sim", "--version"]
    _refused(_run(*base, "0.2.0", "--counter", 0, "-o", m), "no manifest")
    _refused(_run(*base, "0.2.0\n", "--counter", 2, "-o", m), "no manifest")
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    _refused(
        _run("manifest", empty, "--board", "sim", "--version", "1", "--counter", 2, "-o", m),
        "an image is 1 to",
    )
    assert not m.exists()
    assert _run(*base, "0.2.0", "--counter", 2, "-o", m).returncode == 0
    not_a_key = tmp_path / "notakey.pem"
    not_a_key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    _refused(
        _run("sign", m, not_a_key, "-o", tmp_path / "s"), "is not an unencrypted P-256 key file"
    )
    _refused(
        _run("sign", image, _holders(tmp_path)[0], "-o", tmp_path / "s"),
        "is not a release manifest",
    )
    assert not (tmp_path / "s").exists()


def _join_here(capsys, *args):
    """tools/release.py join in this process (the same main() as the command's)."""
    capsys.readouterr()
    code = release.main(["join"] + [str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def _signature_file(path, key, signed, named):
    """A signature file by private `key` over the manifest bytes `signed`, saying it is of
    the manifest `named` (a forger's, when the two differ)."""
    kid, rs = releases.signature(key, signed)
    body = {"sig": 1, "manifest": hashlib.sha256(named).digest(), "key": kid, "rs": rs}
    path.write_bytes(cbor.encode(body))
    return path


def _relabelled(tmp, sig, name, **fields):
    """A copy of signature file `sig` with some of its fields changed (a forger's)."""
    body = cbor.decode(sig.read_bytes())
    body.update(fields)
    path = tmp / name
    path.write_bytes(cbor.encode(body))
    return path


def test_join_refuses_a_forged_signature_beside_m_good_ones(tmp_path, capsys):
    image, m, sigs = _ceremony(tmp_path)
    raw = m.read_bytes()
    other = raw.replace(b"0.2.0", b"0.2.1")  # another manifest
    assert other != raw
    key3 = um.key_id(releases.public_bytes(releases.test_key(2)))
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = {
        # random r | s under a release key's id
        "random": _relabelled(tmp_path, sigs[2], "random.sig", rs=bytes(range(64))),
        # a key no terminal holds, its signature relabelled as release key 3's
        "relabelled": _relabelled(
            tmp_path, _signature_file(tmp_path / "s.sig", stranger, raw, raw), "r.sig", key=key3
        ),
        # release key 3's valid signature of another manifest, said to be of this one
        "another manifest": _signature_file(
            tmp_path / "other.sig", releases.test_key(2), other, raw
        ),
    }
    out = tmp_path / "bad.tlaup"
    for what, path in forged.items():
        for args in ((sigs[0], sigs[1], path), (path, sigs[0])):
            done = _join_here(capsys, m, image, *args, "-o", out)
            _refused(done, "%s: its signature does not verify with release key" % path)
            assert not out.exists(), what
    # Release key 1's signature again with s replaced by n - s (as valid an ECDSA signature
    # of the same key: another file, other bytes) never counts twice toward m.
    body = cbor.decode(sigs[0].read_bytes())
    r, s = body["rs"][:32], int.from_bytes(body["rs"][32:], "big")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's order
    twin = _relabelled(tmp_path, sigs[0], "twin.sig", rs=r + (n - s).to_bytes(32, "big"))
    twin_rs = cbor.decode(twin.read_bytes())["rs"]
    key1 = releases.public_bytes(releases.test_key(0))
    assert updates.verify_signature(key1, um.signing_digest(raw), twin_rs)
    for args in ((sigs[0], twin), (sigs[0], sigs[1], twin)):
        _refused(_join_here(capsys, m, image, *args, "-o", out), "a key signed twice")
        assert not out.exists()
