"""The PC's side of signed updates (docs/agent.md "Updates"; host_agent/updates.py,
sync_update.py, cli/updates.py): `tla-agent update add` checks a bundle as a terminal
will and keeps it 0600 beside the database, or refuses it in one line and keeps nothing;
the next sync sends it to a terminal of its board that runs an older counter, which takes
it whole; a terminal at that counter, of another board, or whose firmware takes no update
still syncs its sheets."""

import os
import stat
import subprocess
import sys

from emulator import releases
from firmware import update_screens
from host_agent import updates
from protocol import cbor, messages
from protocol import update_manifest as um
from tests import sync_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
IMAGE = bytes(range(256)) * 20  # 5,120 bytes: five chunks


def _bundle(board="sim", counter=2, image=IMAGE, keys=None, version="0.2.0"):
    return releases.make_bundle(board, version, counter, image, keys)


def _agent(*args):
    return subprocess.run(
        AGENT + [str(a) for a in args], capture_output=True, text=True, timeout=120
    )


def _one_line(done):
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    return done.stderr


def _lying_chunks():
    """Signed by two TEST keys, but its chunk hashes are not the image's."""
    m = um.manifest_bytes("sim", "0.2.0", 2, IMAGE, (1,))
    value = cbor.decode(m)
    value["hashes"] = um.chunk_hashes(bytes(len(IMAGE)))
    m = cbor.encode(value)
    keys = [releases.test_key(0), releases.test_key(1)]
    return um.bundle_bytes(um.signed_bytes(m, [releases.signature(k, m) for k in keys]), IMAGE)


def test_a_bundle_is_checked_kept_private_and_listed(tmp_path):
    db = tmp_path / "agent.db"
    path = tmp_path / "release.tlaup"
    path.write_bytes(_bundle())
    done = _agent("update", "add", path, "--db", db)
    assert done.returncode == 0 and "update 0.2.0 (counter 2) for board sim kept" in done.stdout
    kept = list((tmp_path / "updates").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == path.read_bytes()
    assert stat.S_IMODE(os.stat(kept[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "updates").st_mode) == 0o700
    assert "already kept" in _agent("update", "add", path, "--db", db).stdout
    listed = _agent("update", "list", "--db", db)
    assert listed.returncode == 0 and "sim 0.2.0 counter 2: 5120 bytes" in listed.stdout
    # A kept file changed on the disk is never offered, and named.
    kept[0].write_bytes(kept[0].read_bytes()[:-1] + b"\x00")
    listed = _agent("update", "list", "--db", db)
    assert "no update kept" in listed.stdout and "warning: " in listed.stderr
    assert updates.offer(db, "sim", 1) is None


def test_bad_bundles_are_refused_in_one_line_and_nothing_is_kept(tmp_path):
    k1, k2, k3 = (releases.test_key(i) for i in range(3))
    outsider = releases.private_key(123456789)
    good = _bundle()
    signed, image = um.read_bundle(good)
    manifest, sigs = um.read_signed(signed)
    flipped = bytearray(sigs[1][1])
    flipped[40] ^= 1
    cases = {
        "not a bundle": (b"MZ\x90\x00" * 10, "not a tla update bundle"),
        "no signature": (_bundle(keys=[]), "not signed"),
        "one signature": (_bundle(keys=[k1]), "1 release keys, 2 needed"),
        "same key twice": (_bundle(keys=[k2, k2]), "1 release keys, 2 needed"),
        "bad signature": (
            um.bundle_bytes(
                um.signed_bytes(manifest, [sigs[0], (sigs[1][0], bytes(flipped))]), image
            ),
            "does not verify",
        ),
        "unknown key": (_bundle(keys=[k3, outsider]), "a key this terminal does not hold"),
        # m good signatures, then one forged and one by a stranger: a terminal stops at m
        "a forged one beside m good": (
            um.bundle_bytes(
                um.signed_bytes(
                    manifest, list(sigs) + [(releases.signature(k3, manifest)[0], bytes(64))]
                ),
                image,
            ),
            "not a good release signature",
        ),
        "a stranger beside m good": (
            _bundle(keys=[k1, k2, outsider]),
            "not a good release signature",
        ),
        "another image": (um.bundle_bytes(signed, image[:-1] + b"\x00"), "its signed digest"),
        "lying chunk hashes": (_lying_chunks(), "its chunk hashes"),
        "no release key": (_bundle(board="rp2350"), "board rp2350, whose release keys"),
        "empty": (b"", "not a tla update bundle"),
    }
    db = tmp_path / "agent.db"
    for name, (data, why) in cases.items():
        path = tmp_path / "bad.tlaup"
        path.write_bytes(data)
        line = _one_line(_agent("update", "add", path, "--db", db))
        assert why in line, (name, line)
    assert not (tmp_path / "updates").exists()
    # A counter names one release: another bundle of the same counter is refused.
    (tmp_path / "a.tlaup").write_bytes(good)
    assert _agent("update", "add", tmp_path / "a.tlaup", "--db", db).returncode == 0
    (tmp_path / "b.tlaup").write_bytes(_bundle(image=IMAGE[::-1]))
    assert "a counter names one release" in _one_line(
        _agent("update", "add", tmp_path / "b.tlaup", "--db", db)
    )
    assert len(list((tmp_path / "updates").iterdir())) == 1


def test_a_board_name_that_is_a_path_is_refused():
    for board in ("../x", "a/b", "SIM"):
        try:
            um.read_manifest(um.manifest_bytes(board, "0.2.0", 2, IMAGE, (1,)))
        except Exception as e:  # noqa: BLE001 - the type is checked below
            assert type(e).__name__ == "MalformedMessage", e
        else:
            raise AssertionError("board %r taken" % board)


def _kept(tmp_path, store, data):
    path = tmp_path / "release.tlaup"
    path.write_bytes(data)
    return updates.add(store.path, path)[0]


def test_the_next_sync_sends_the_update_and_the_terminal_takes_it_whole(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 3)
    _kept(tmp_path, store, _bundle())
    summary = kit.agent(world, store, root).run()
    assert summary.filed == 3 and summary.update_sent == "0.2.0", vars(summary)
    assert summary.update_refused is None
    taker = world.app.update
    assert taker.ready and taker.manifest.counter == 2 and taker.next == 5
    slot = world.app.board.update_slots()[taker.spare]
    assert slot.read(0, len(IMAGE)) == IMAGE
    kit.check_exactly_once(world, store, saved)
    # The next sync finds it taken: nothing sent again.
    writes = world.app.board.flash.writes
    again = kit.agent(world, store, root).run()
    assert again.update_sent == "0.2.0" and world.app.board.flash.writes - writes < 40


def test_a_terminal_at_that_counter_or_of_another_board_is_offered_nothing(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    _kept(tmp_path, store, _bundle(board="unix"))
    summary = kit.agent(world, store, root).run()
    assert summary.update_running == ("0.1.0", 1) and summary.update_sent is None
    assert world.app.update.manifest is None


def test_a_terminal_that_refuses_the_update_still_syncs_and_says_why(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 2)
    # Signed, whole, but its version does not read this terminal's journal format.
    _kept(tmp_path, store, releases.make_bundle("sim", "0.2.0", 2, IMAGE, reads=(99,)))
    summary = kit.agent(world, store, root).run()
    assert summary.update_sent is None and summary.filed == 2
    assert summary.update_refused[0] == "0.2.0", vars(summary)
    assert "does not read journal format 1" in summary.update_refused[1]
    assert world.app.notice == update_screens.refused("format", "0.1.0")
    assert any("update 0.2.0 not taken" in x for x in updates.summary_lines(summary))
    kit.check_exactly_once(world, store, saved)


def test_a_terminal_whose_firmware_takes_no_update_still_syncs(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 2)
    _kept(tmp_path, store, _bundle())
    world.app.link.sealed.pop(messages.UPDATE)  # the firmware of before updates
    summary = kit.agent(world, store, root).run()
    assert summary.filed == 2 and summary.update_running is None and summary.update_sent is None
    kit.check_exactly_once(world, store, saved)
