"""`tla-agent lots seal` through the real PC/SC stack: pcscd with vsmartcard's vpcd driver, a
virtual CPS served by the card server to "Virtual PCD 00 01", pyscard in the agent. The seal
verifies; a wrong PIN is refused with the tries left; the third blocks the card; a CPS of
another professional is refused; the PIN appears in no output."""

from pathlib import Path

import pytest

from emulator.cards import fixtures
from emulator.cardserver import VPCD_PORTS, CardServer
from emulator.pcscd import VPCD_READERS, pcscd
from emulator.waiting import until
from host_agent import lotfile, lots
from host_agent.store import Store
from hw.pcsc import PcscSlot
from tests import lots_kit as kit

ROOT = Path(__file__).resolve().parent.parent
CPS_READER = VPCD_READERS[1]


@pytest.fixture(scope="module")
def readers():
    with pcscd() as names:
        yield names


class Cps:
    """A fresh fixture CPS in the vpcd reader for the length of a with-block."""

    def __init__(self, name):
        self.card = fixtures.make(name)
        self.server = CardServer(self.card, VPCD_PORTS[1])

    def __enter__(self):
        self.server.start()
        slot = PcscSlot("probe", CPS_READER)
        assert until(slot.present, 10.0), "the virtual CPS did not reach pcscd"
        slot.close()
        return self.card

    def __exit__(self, *exc):
        self.server.remove()
        slot = PcscSlot("probe", CPS_READER)
        until(lambda: not slot.present(), 10.0)  # vpcd takes the next card once this one left
        slot.close()


@pytest.fixture
def built(tmp_path):
    db = tmp_path / "agent.db"
    store, _ = kit.store_with_day(db)
    made = lots.build(store, kit.NOW)
    store.close()
    return db, made


def test_lots_seal_through_pcscd(readers, built):
    db, made = built
    nurse = kit.professional("nurse")
    pin = fixtures.pin("nurse")
    with Cps("nurse"):
        proc = kit.agent(
            db, "lots", "seal", "--reader", CPS_READER, "--pin-stdin", stdin=pin + "\n"
        )
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stderr
    assert pin not in proc.stdout + proc.stderr
    store = Store(db)
    certificates = [r["der"] for r in store.db.execute("SELECT der FROM certificates")]
    for row in lots.all_lots(store):
        if row["professional"] == nurse:
            assert row["status"] == lots.SEALED
            check = lotfile.verify_lot(row["file"], kit.root_der(), certificates)
            assert check.ok, check.reason
        else:
            assert row["status"] == lots.OPEN  # the GP's lots wait for the GP's CPS
    assert "2 open lots of other professionals wait for their CPS" in proc.stdout
    store.close()


def test_wrong_pins_are_refused_with_tries_left_and_three_block(readers, built):
    db, _ = built
    before = Store(db).dump()
    outputs = []
    with Cps("nurse") as card:
        # The first through the hidden prompt (no terminal: it reads stdin), then stdin.
        first = kit.agent(db, "lots", "seal", stdin="0000\n", new_session=True)
        outputs.append(first)
        assert first.returncode == 3, first.stderr
        assert "wrong PIN: 2 tries left before the CPS blocks" in first.stderr
        second = kit.agent(db, "lots", "seal", "--pin-stdin", stdin="1111\n")
        outputs.append(second)
        assert "wrong PIN: 1 try left before the CPS blocks" in second.stderr
        assert "CPS PIN" not in second.stdout  # --pin-stdin: no prompt
        third = kit.agent(db, "lots", "seal", "--pin-stdin", stdin="2222\n")
        outputs.append(third)
        assert third.returncode == 3 and "PIN is blocked" in third.stderr, third.stderr
        assert card.tries_left == 0
        # Blocked: refused before any PIN is asked, even the right one.
        fourth = kit.agent(db, "lots", "seal", "--pin-stdin", stdin=fixtures.pin("nurse") + "\n")
        outputs.append(fourth)
        assert fourth.returncode == 3 and "PIN is blocked" in fourth.stderr
    for p in outputs:
        print(p.stderr.strip())
        for secret in ("0000", "1111", "2222", fixtures.pin("nurse")):
            assert secret not in p.stdout + p.stderr
    assert Store(db).dump() == before  # nothing sealed


def test_a_cps_of_another_professional_is_refused(readers, built):
    db, made = built
    nurse_lot = next(r for r in made if r["professional"] == kit.professional("nurse"))
    before = Store(db).dump()
    with Cps("gp") as card:
        proc = kit.agent(db, "lots", "seal", lots.name(nurse_lot), "--pin-stdin", stdin="4827\n")
        assert card.tries_left == 3  # refused before the PIN reached the card
    print(proc.stderr)
    assert proc.returncode == 1
    assert (
        "is %s's, and the CPS in the reader is BERNARD CLAIRE" % nurse_lot["professional"]
        in proc.stderr
    )
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert Store(db).dump() == before
