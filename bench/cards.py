"""Card timings for `make bench` (CPython): one APDU and the whole reading scenario (CPS read,
PIN, Vitale read with the CPS-presence proof and exemptions), card in a simulated slot,
served to a unix-board slot by the card server, and through pcscd and vpcd when pcscd runs
or can be started; with and without TCP_QUICKACK on the card side."""

import time

from emulator import waiting
from emulator.cards import fixtures
from emulator.cardserver import VPCD_PORTS, CardServer
from emulator.interpreters import free_port
from emulator.simboard import SimSlot
from firmware.cards.cps import CpsApp
from firmware.cards.vitale import VitaleApp
from firmware.opposition import MemoryOppositionList
from hw.boards.unix_vpcd import VpcdSlot

TODAY = 20261118
SELECT = bytes.fromhex("00A4040C0B") + bytes.fromhex("D250000002564954414C45")


def _wait(slot, present=True, timeout=10.0):
    waiting.until(lambda: slot.present() == present, timeout, 0.01)


def scenario(vitale_slot, cps_slot):
    """The reading scenario's card work; returns the number of APDUs."""
    cps = CpsApp(cps_slot)
    cps.open()
    cps.read()
    cps.tries_left()
    cps.verify(bytearray(fixtures.pin("gp").encode()))
    vitale = VitaleApp(vitale_slot)
    vitale.open()
    card = vitale.read(TODAY, MemoryOppositionList())
    vitale.read_exemptions(card, cps)
    cps.forget()
    vitale_slot.power_off()
    return cps.channel.exchanges + vitale.channel.exchanges


def measure(name, vitale_slot, cps_slot, rounds=20):
    vitale_slot.power_on()
    t = time.perf_counter()
    for _ in range(rounds * 5):
        vitale_slot.transmit(SELECT)
    apdu_ms = (time.perf_counter() - t) * 1000 / (rounds * 5)
    t = time.perf_counter()
    for _ in range(rounds):
        apdus = scenario(vitale_slot, cps_slot)
    read_ms = (time.perf_counter() - t) * 1000 / rounds
    print(
        "%-52s %7.3f ms an APDU; reading scenario %4d APDUs in %7.1f ms"
        % (name, apdu_ms, apdus, read_ms)
    )


def sim():
    v, c = SimSlot("vitale"), SimSlot("cps")
    v.insert(fixtures.make("family"))
    c.insert(fixtures.make("gp"))
    measure("simulated slots (in process)", v, c)


def _serve(v, c, ports, quickack):
    """The family card and the GP's CPS served to the reader ports; waits for both slots."""
    servers = [
        CardServer(fixtures.make("family"), ports[0], quickack=quickack).start(),
        CardServer(fixtures.make("gp"), ports[1], quickack=quickack).start(),
    ]
    _wait(v)
    _wait(c)
    return servers


def unix_board(quickack):
    ports = free_port(), free_port()
    v, c = VpcdSlot("vitale", ports[0]), VpcdSlot("cps", ports[1])
    servers = _serve(v, c, ports, quickack)
    label = "card server -> unix-board slot%s" % ("" if quickack else ", no QUICKACK")
    measure(label, v, c, rounds=20 if quickack else 3)
    for s in servers:
        s.remove()


def pcsc(quickack):
    from emulator.pcscd import VPCD_READERS, pcscd
    from hw.pcsc import PcscSlot

    try:
        with pcscd():
            v, c = PcscSlot("vitale", VPCD_READERS[0]), PcscSlot("cps", VPCD_READERS[1])
            servers = _serve(v, c, VPCD_PORTS, quickack)
            label = "card server -> vpcd -> pcscd -> pyscard%s" % (
                "" if quickack else ", no QUICKACK"
            )
            measure(label, v, c, rounds=10 if quickack else 3)
            for s in servers:
                s.remove()
            _wait(v, False)
            _wait(c, False)
            v.close()
            c.close()
    except RuntimeError as e:
        print("pcscd: not measured (%s)" % e)


def main():
    sim()
    unix_board(True)
    unix_board(False)
    pcsc(True)
    pcsc(False)


if __name__ == "__main__":
    main()
