"""Certificate store: each card certificate written once, found by id, listed until the PC
holds it, then pruned by whole files (portable)."""

from _flashfs import Disk

from firmware.certstore import CertStore
from firmware.records import TORN, RecordFile
from protocol.bundle import cert_id


def cert(i):
    return bytes([0x30, 0x82]) + bytes((i * 7 + k) & 0xFF for k in range(600))


def test_add_once_get_and_survive_reboot():
    disk = Disk()
    store = CertStore(disk.fs)
    ids = [store.add(cert(i)) for i in range(4)]
    assert ids[1] == cert_id(cert(1)) and len(ids[1]) == 8
    writes = disk.flash.writes
    assert store.add(cert(1)) == ids[1]
    assert disk.flash.writes == writes  # written once
    store = CertStore(disk.reboot())
    assert len(store) == 4
    assert store.get(ids[2]) == cert(2)
    assert store.get(b"\x00" * 8) is None
    assert store.has(ids[3]) and not store.has(b"\x01" * 8)


def test_unknown_to_host_then_pruned():
    disk = Disk()
    store = CertStore(disk.fs)
    ids = [store.add(cert(i)) for i in range(12)]
    assert list(store.unknown_to_host()) == ids
    store.mark_known(ids[:8])
    store.mark_known(ids[:8])  # repeated: nothing new written
    assert list(store.unknown_to_host()) == ids[8:]
    gone = store.prune()
    assert gone > 0
    assert store.get(ids[11]) == cert(11)
    store = CertStore(disk.reboot())
    assert list(store.unknown_to_host()) == ids[8:]
    assert len(store) == 12 - gone


def test_a_damaged_certificate_is_not_held():
    # has() reads only each record's first 8 bytes (the id), yet checks its CRC over the
    # rest of the DER, 64 bytes at a time: a certificate damaged far past its id is not
    # "held", as when has() read the whole DER.
    disk = Disk()
    store = CertStore(disk.fs)
    ids = [store.add(cert(i)) for i in range(3)]
    path = "certs/%08x" % 1
    good = disk.read_raw(path)
    record = 3 + 8 + 602 + 4
    for damaged in (1, 2):
        raw = bytearray(good)
        raw[damaged * record + 3 + 8 + 500] ^= 0x01  # in that record's DER, past its id
        disk.write_raw(path, bytes(raw))
        store = CertStore(disk.reboot())
        assert [store.has(cid) for cid in ids] == [True] * damaged + [False] * (3 - damaged)
        # A bad record before the file's end is damage (reported), at its end a torn write.
        # (each has() read the file to its bad record: each reports it).
        problem = "fichier certs/00000001 endommage: lecture partielle"
        assert store.problems == [problem] * (3 if damaged == 1 else 0)
    with RecordFile(disk.fs, path, 8, True) as reader:
        assert [(t, body) for t, body, _ in reader] == [(0x43, ids[0]), (0x43, ids[1])]
    assert reader.outcome == TORN and reader.offset == 2 * record
