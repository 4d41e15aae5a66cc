"""The TLA-T1's schematic and netlist against the code: both are regenerated from the
board's net table (tools/schematic.py) and must equal the committed files; every pin the
board file builds is on the Pico 2 pin the drawing gives it, on a net that reaches the part
the code drives through it (the Vitale slot's RST pin reaches the Vitale TDA8035's RSTIN,
not the CPS one's, nor its CMDVCCN); every net and part is named in the drawing."""

import collections
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from simhw import devices, rp2sim
from simhw import machine as simmachine

from hw.boards import rp2350, tla_t1_pins

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("schemdraw", reason="schemdraw is in the dev extra (pyproject.toml)")


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


netlist = _tool("board_netlist")
schematic = _tool("schematic")
CHIPS = {"vitale": "U2", "cps": "U3"}
# The board file's role of a slot pin -> the TDA8035 pin it drives or reads, and its net.
ROLES = {
    "io": ("I/OUC", "IO"),
    "clk": ("XTAL1", "CLK"),
    "rst": ("RSTIN", "RST"),
    "cmdvcc": ("CMDVCCN", "CMDVCCN"),
    "off": ("OFFN", "OFFN"),
}


def _net_of_gpio(nets, gpio):
    """The net the netlist puts on the Pico 2's GPIO `gpio`."""
    pin = re.compile(r"U1\.(\d+/)?GP%d( |$)" % gpio)
    found = [net for net, ends in nets.items() if any(pin.match(e) for e in ends)]
    assert len(found) == 1, (gpio, found)
    return found[0]


def _drawn_gpios(nets):
    return {
        int(m.group(1))
        for ends in nets.values()
        for e in ends
        for m in [re.match(r"U1\.(?:\d+/)?GP(\d+)", e)]
        if m
    }


def _expected_ends():
    """(GPIO as the board file names it, a pin its net must reach, the net's name)."""
    out = [
        (rp2350.PIN_SDA, "U4.15/SDA", "I2C0_SDA"),
        (rp2350.PIN_SDA, "U5.4/SDA1", "I2C0_SDA"),
        (rp2350.PIN_SCL, "U4.16/SCL", "I2C0_SCL"),
        (rp2350.PIN_SCL, "U5.3/SCL1", "I2C0_SCL"),
        (rp2350.PIN_POWER_HOLD, "R6.1", "PWR_HOLD"),  # R6 to Q2's gate: the latch
    ]
    for i, gpio in enumerate(rp2350.KEY_ROWS, 1):
        out.append((gpio, "J4.%d/ROW%d" % (i, i), "KEY_ROW%d" % i))
    for i, gpio in enumerate(rp2350.KEY_COLS, 1):
        out.append((gpio, "J4.%d/COL%d" % (i + 4, i), "KEY_COL%d" % i))
    for name, pins in rp2350.SLOTS.items():
        prefix = tla_t1_pins.SLOT_NETS[name]
        for role, (chip_pin, net) in ROLES.items():
            out.append((pins[role], "%s.%s" % (CHIPS[name], chip_pin), prefix + "_" + net))
    return out


def test_the_committed_drawing_and_netlist_are_regenerated_byte_for_byte():
    for path, text in schematic.outputs().items():
        assert path.read_text() == text, "%s is stale: run tools/schematic.py" % path.name
    assert schematic.main(["--check"]) == 0


def test_every_pin_of_the_board_file_is_on_its_net_and_reaches_its_part():
    nets = netlist.nets()
    for gpio, end, name in _expected_ends():
        net = _net_of_gpio(nets, gpio)
        assert net == name, (gpio, net, name)
        assert end in nets[net], (gpio, net, end, nets[net])
    # The Pico 2's own: its VSYS divider on ADC3 and its LED.
    assert _net_of_gpio(nets, rp2350.PIN_VSYS_ADC) == "VSYS_DIV3"
    assert _net_of_gpio(nets, rp2350.PIN_LED) == "LED"
    assert nets["VSYS_DIV3"] == ["U1.GP29 (VSYS / 3)"]
    assert nets["LED"] == ["U1.GP25 (LED)"]
    # The latch behind PWR_HOLD: R6 drives Q2's gate, Q2 pulls Q1's gate, Q1 feeds VSYS.
    assert "Q2.G" in nets["HOLD_G"] and "Q2.D" in nets["LATCH_G"] and "Q1.G" in nets["LATCH_G"]
    assert nets["BAT_ON"] == ["Q1.D", "D1.1"] and "D1.2" in nets["VSYS"]


def test_the_pins_the_board_builds_are_exactly_the_drawn_ones(monkeypatch):
    """Built over a simulated machine that records each GPIO it is asked for, the board
    uses every GPIO the drawing shows and no other, each in the role the drawing gives."""
    rp2 = rp2sim.make()
    if rp2 is None:
        pytest.skip("MicroPython's rp2.py comes from `make firmware` (build/firmware)")
    # A slot's state machines find their wire by the I/O pin they are given, whichever.
    monkeypatch.setattr(rp2sim.StateMachine, "wires", collections.defaultdict(rp2sim.Wire))
    sim = simmachine.SimBoard()
    sim.i2c = {0x27: devices.LcdBackpack(), 0x68: devices.Ds3231()}
    machine = simmachine.make(sim)
    used = set()

    class Pin(machine.Pin):
        def __init__(self, gpio, *args, **kwargs):
            used.add(gpio)
            super().__init__(gpio, *args, **kwargs)

    class ADC(machine.ADC):
        def __init__(self, gpio):
            used.add(gpio)
            super().__init__(gpio)

    i2c_pins = []

    class I2C(machine.I2C):
        def __init__(self, bus, sda=None, scl=None, freq=100000):
            i2c_pins.append((sda.id, scl.id))
            super().__init__(bus, sda, scl, freq)

    machine.Pin, machine.ADC, machine.I2C = Pin, ADC, I2C
    timefns = (lambda: 0, lambda a, b: a - b, lambda: 0, lambda ms: None)
    board = rp2350.Rp2350Board(machine, rp2, object(), timefns)
    nets = netlist.nets()
    assert used == _drawn_gpios(nets)
    assert [(_net_of_gpio(nets, a), _net_of_gpio(nets, b)) for a, b in i2c_pins] == [
        ("I2C0_SDA", "I2C0_SCL")
    ]
    for name, slot in board.slots.items():
        line, chip = slot.line, CHIPS[name]
        built = {
            "io": line.io.id,
            "clk": line.pwm.pin.id,
            "rst": line.rst.id,
            "cmdvcc": line.vcc_n.id,
            "off": line.present.id,
        }
        for role, pin in built.items():
            chip_pin = ROLES[role][0]
            assert "%s.%s" % (chip, chip_pin) in nets[_net_of_gpio(nets, pin)], (name, chip_pin)
    for i, row in enumerate(board.keypad.rows, 1):
        assert "J4.%d/ROW%d" % (i, i) in nets[_net_of_gpio(nets, row.id)]
    for i, col in enumerate(board.keypad.cols, 1):
        assert "J4.%d/COL%d" % (i + 4, i) in nets[_net_of_gpio(nets, col.id)]
    assert _net_of_gpio(nets, board.battery.adc.gpio) == "VSYS_DIV3"
    assert _net_of_gpio(nets, board.led.id) == "LED"
    assert _net_of_gpio(nets, board.power_hold.id) == "PWR_HOLD"


def test_every_net_and_part_is_named_in_the_drawing():
    svg = schematic.SVG.read_text()
    texts = set(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))
    for net in netlist.nets():
        assert net in texts, net
    for part in netlist.parts():
        assert any(t.startswith(part.ref + "  ") for t in texts), part.ref


def test_the_table_holds_one_net_a_gpio_and_the_generator_refuses_what_it_cannot_draw(
    monkeypatch,
):
    gpios = list(tla_t1_pins.GPIO.values())
    assert len(gpios) == len(set(gpios))
    monkeypatch.setitem(netlist.GPIO, "SPARE", 23)  # the Pico 2's own power-save pin
    with pytest.raises(ValueError, match="not on the Pico 2's header"):
        netlist.parts()
    monkeypatch.setitem(netlist.GPIO, "SPARE", 28)  # on the header, but wired to nothing
    with pytest.raises(ValueError, match="net SPARE reaches only U1.34/GP28"):
        netlist.nets()
