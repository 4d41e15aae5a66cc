"""The opposition list in flash (both interpreters): binary search in bounded reads, a full
list and deltas received in chunks, repeats and losses, a wrong base, a digest that does not
match, and an update cut by a reboot (the old list stays)."""

from _flashfs import Disk
from _kit import Rng, raises

from firmware.opposition import LIST, FlashOppositionList
from protocol import opposition_entries as E
from protocol import sync_messages as sm
from protocol.security_errors import MalformedMessage


def _serials(rng, n):
    out = set()
    while len(out) < n:
        out.add("%010d" % (1000000000 + rng.below(899999999)))
    return sorted(out)


def _send(opp, version, base, add, remove, result, per=E.PER_CHUNK, skip=None):
    add_e = [E.encode(s) for s in add]
    del_e = [E.encode(s) for s in remove]
    parts = []
    a = d = 0
    while True:
        block = add_e[a : a + per]
        dels = del_e[d : d + per - len(block)]
        a += len(block)
        d += len(dels)
        parts.append((b"".join(block), b"".join(dels)))
        if a >= len(add_e) and d >= len(del_e):
            break
    entries = [E.encode(s) for s in sorted(result)]
    end = (len(entries), E.digest(entries))
    i = 0
    reply = None
    sent = 0
    while i < len(parts):
        body = sm.opposition_chunk(
            version, base, i, parts[i][0], parts[i][1], end if i == len(parts) - 1 else None
        )
        sent += 1
        if skip is not None and i == skip and sent == skip + 1:
            i += 1  # this chunk is lost on the line
            continue
        reply = opp.receive(sm.OppositionChunk(body))
        if reply["next"] == 0:
            return reply
        i = reply["next"]
    return reply


def test_seeded_list_and_lookups():
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    assert not opp.contains("1000000055")
    opp.seed(["1000000055", "1000000001"])
    assert opp.version == 0 and opp.count == 2
    assert opp.contains("1000000055") and opp.contains("1000000001")
    assert not opp.contains("1000000054") and not opp.contains("not a serial")
    opp.seed(["2000000000"])  # a list is there: seeding does nothing
    assert not opp.contains("2000000000")
    again = FlashOppositionList(disk.reboot())
    assert again.count == 2 and again.contains("1000000055")


def test_full_list_in_chunks_then_lookups_take_few_reads():
    rng = Rng(11)
    serials = _serials(rng, 2000)
    disk = Disk(blocks=96)
    opp = FlashOppositionList(disk.fs)
    reply = _send(opp, 3, None, serials, [], serials)
    assert reply == {"v": 3, "next": 12}, reply
    assert opp.version == 3 and opp.count == 2000
    most = 0
    for s in serials[::97] + [serials[0], serials[-1]]:
        before = opp.reads
        assert opp.contains(s), s
        most = max(most, opp.reads - before)
    for _ in range(50):
        s = "%010d" % (1000000000 + rng.below(899999999))
        assert opp.contains(s) == (s in serials)
    # Around the index's strides, and past both ends.
    for i in (1, 510, 511, 512, 513, 1023, 1024, 1025, 1535, 1536, 1998):
        assert opp.contains(serials[i]), i
        between = "%010d" % (int(serials[i]) - 1)
        assert opp.contains(between) == (between in serials)
    assert not opp.contains("%010d" % (int(serials[0]) - 1))
    assert not opp.contains("%010d" % (int(serials[-1]) + 1))
    print("reads per look-up at most", most)
    assert most <= 8  # log2(2000 / 32) + 1
    assert list(opp.serials()) == serials


def test_delta_merges_added_and_removed():
    rng = Rng(12)
    base = _serials(rng, 700)
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    _send(opp, 1, None, base, [], base)
    added = _serials(Rng(13), 300)
    removed = base[::3]
    result = sorted((set(base) - set(removed)) | set(added))
    reply = _send(opp, 2, 1, added, removed, result)
    assert reply["v"] == 2 and opp.count == len(result)
    assert list(opp.serials()) == result
    assert not opp.contains(removed[5]) and opp.contains(added[7])
    assert not disk.fs.exists("opposition/add") and not disk.fs.exists("opposition/del")


def test_a_delta_from_another_base_is_refused_at_once():
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    _send(opp, 1, None, ["1000000001"], [], ["1000000001"])
    reply = _send(opp, 3, 2, ["1000000002"], [], ["1000000001", "1000000002"])
    assert reply == {"v": 1, "next": 0}
    assert opp.version == 1 and not opp.contains("1000000002")


def test_a_wrong_digest_keeps_the_old_list():
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    _send(opp, 1, None, ["1000000001"], [], ["1000000001"])
    reply = _send(opp, 2, 1, ["1000000002"], [], ["1000000003"])  # announces another list
    assert reply["v"] == 1 and opp.contains("1000000001") and not opp.contains("1000000002")
    assert not disk.fs.exists("opposition/list.new")


def test_repeated_and_lost_chunks():
    serials = _serials(Rng(14), 50)
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    first = sm.opposition_chunk(1, None, 0, b"".join(E.encode(s) for s in serials[:10]))
    assert opp.receive(sm.OppositionChunk(first)) == {"v": 0, "next": 1}
    # chunk 0 again (its answer was lost): taken afresh, the next is still 1
    assert opp.receive(sm.OppositionChunk(first)) == {"v": 0, "next": 1}
    # chunk 1 is lost; chunk 2 arrives: the terminal asks for 1 again
    later = sm.opposition_chunk(1, None, 2, b"".join(E.encode(s) for s in serials[20:30]))
    assert opp.receive(sm.OppositionChunk(later)) == {"v": 0, "next": 1}
    # chunks of the sender's own cutting, with one lost on the way
    reply = _send(opp, 1, None, serials, [], serials, per=10, skip=2)
    assert reply["v"] == 1 and list(opp.serials()) == serials


def test_entries_out_of_order_are_refused():
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    bad = E.encode("1000000009") + E.encode("1000000001")
    raises(MalformedMessage, opp.receive, sm.OppositionChunk(sm.opposition_chunk(1, None, 0, bad)))
    assert opp.version == 0 and not disk.fs.exists("opposition/list.new")


def test_an_update_cut_by_a_reboot_leaves_the_old_list():
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    _send(opp, 1, None, ["1000000001"], [], ["1000000001"])
    opp.receive(sm.OppositionChunk(sm.opposition_chunk(2, None, 0, E.encode("1000000002"))))
    assert disk.fs.exists("opposition/list.new")
    again = FlashOppositionList(disk.reboot())
    assert again.version == 1 and again.contains("1000000001") and not again.contains("1000000002")
    assert not disk.fs.exists("opposition/list.new")


def test_a_damaged_list_is_reported_not_trusted():
    disk = Disk()
    opp = FlashOppositionList(disk.fs)
    _send(opp, 1, None, ["1000000001"], [], ["1000000001"])
    disk.write_raw(LIST, disk.read_raw(LIST)[:-3])
    again = FlashOppositionList(disk.reboot())
    assert again.count == 0 and again.problems
    print(again.problems[0])
