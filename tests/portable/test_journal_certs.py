"""Certificate store: each card certificate written once, found by id, listed until the PC
holds it, then pruned by whole files (portable)."""

from _flashfs import Disk

from firmware.certstore import CertStore
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
