"""The TLA-T1's circuit as data: every part, every pin and the net it is on, built around
the GPIO table the board file uses (hw/boards/tla_t1_pins.py). tools/schematic.py draws it
and writes it out as docs/tla-t1-netlist.txt; docs/board-wiring.md explains each choice and
says which facts were checked against which data sheet.

A part is (ref, value, kind, pins); a pin is (name, net, side). `kind` tells the drawing
what symbol to use: "ic" (a box, pins on the left or right), "r", "c", "d", "sw", "bat"
(two pins, "1" then "2"; a diode's "1" is its anode, a cell's its +), "pfet", "nfet"
(pins G, D, S). A pin on net None is not connected.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hw.boards.tla_t1_pins import GPIO, SLOT_NETS  # noqa: E402

# Raspberry Pi Pico 2 header: GPIO -> pin number (the Pico 2 keeps the Pico's pinout).
PICO_HEADER = {
    0: 1, 1: 2, 2: 4, 3: 5, 4: 6, 5: 7, 6: 9, 7: 10, 8: 11, 9: 12, 10: 14, 11: 15,
    12: 16, 13: 17, 14: 19, 15: 20, 16: 21, 17: 22, 18: 24, 19: 25, 20: 26, 21: 27,
    22: 29, 26: 31, 27: 32, 28: 34,
}  # fmt: skip
PICO_ON_BOARD = {25: "LED", 29: "VSYS / 3"}  # wired on the Pico 2, not on its header
PICO_POWER = (("36", "3V3(OUT)", "3V3"), ("39", "VSYS", "VSYS"), ("40", "VBUS", "VBUS"))
PICO_GROUND = (3, 8, 13, 18, 23, 28, 38)
SLOT_PARTS = {"VIT": ("U2", "J1", "Vitale"), "CPS": ("U3", "J2", "CPS")}
# PORADJ: VDD(INTF) divided to the supervisor's bridge voltage (docs/board-wiring.md).
PORADJ_TOP, PORADJ_BOTTOM = "133k 1%", "100k 1%"


class Part:
    def __init__(self, ref, value, kind, pins):
        self.ref, self.value, self.kind, self.pins = ref, value, kind, pins


def _two(ref, value, kind, net1, net2):
    return Part(ref, value, kind, [("1", net1, None), ("2", net2, None)])


def _ic(ref, value, left=(), right=()):
    """A box: `left` and `right` are (pin, net) from top to bottom."""
    pins = [(name, net, "left") for name, net in left]
    return Part(ref, value, "ic", pins + [(name, net, "right") for name, net in right])


def _fet(ref, value, kind, gate, drain, source):
    return Part(ref, value, kind, [("G", gate, None), ("D", drain, None), ("S", source, None)])


def pico():
    left, right = [], []
    for net, gpio in sorted(GPIO.items(), key=lambda item: item[1]):
        if gpio in PICO_HEADER:
            pin = ("%d/GP%d" % (PICO_HEADER[gpio], gpio), net)
        elif gpio in PICO_ON_BOARD:
            pin = ("GP%d (%s)" % (gpio, PICO_ON_BOARD[gpio]), net)
        else:
            raise ValueError("GPIO %d (%s) is not on the Pico 2's header" % (gpio, net))
        (left if gpio < 20 else right).append(pin)
    right += [("%s/%s" % (number, name), net) for number, name, net in PICO_POWER]
    right.append(("%s/GND" % ",".join(str(n) for n in PICO_GROUND), "GND"))
    return _ic("U1", "Raspberry Pi Pico 2 (RP2350A), SC1631", left, right)


def slot(prefix):
    """One card slot: its TDA8035, its connector, and the parts around them."""
    chip, connector, label = SLOT_PARTS[prefix]
    n = prefix + "_"
    host = [
        ("I/OUC", n + "IO"),
        ("XTAL1", n + "CLK"),
        ("XTAL2", None),
        ("RSTIN", n + "RST"),
        ("CMDVCCN", n + "CMDVCCN"),
        ("OFFN", n + "OFFN"),
        ("CLKDIV1", "3V3"),  # with CLKDIV2 low: CLK = fXTAL (docs/board-wiring.md)
        ("CLKDIV2", "GND"),
        ("5V/3VN", "3V3"),  # class A: 5 V on C1
        ("1V8N", "3V3"),
        ("PORADJ", n + "PORADJ"),
        ("AUX1UC", None),
        ("AUX2UC", None),
        ("VDD(INTF)", "3V3"),
        ("GND", "GND"),
    ]
    card = [
        ("VDDP", "VSYS"),
        ("GNDP", "GND"),
        ("VCC", n + "C1_VCC"),
        ("RST", n + "C2_RST"),
        ("CLK", n + "C3_CLK"),
        ("AUX1", n + "C4_AUX1"),
        ("I/O", n + "C7_IO"),
        ("AUX2", n + "C8_AUX2"),
        ("CGND", "GND"),
        ("PRESN", n + "PRESN"),
    ]
    contacts = [
        ("C1", n + "C1_VCC"),
        ("C2", n + "C2_RST"),
        ("C3", n + "C3_CLK"),
        ("C4", n + "C4_AUX1"),
        ("C5", "GND"),
        ("C6", None),  # VPP: unused by ISO 7816-3 cards of today
        ("C7", n + "C7_IO"),
        ("C8", n + "C8_AUX2"),
        ("SW1", n + "PRESN"),  # presence switch, normally open: closes on a card
        ("SW2", "GND"),
    ]
    k = 10 if prefix == "VIT" else 20  # reference numbers of the slot's passives
    return [
        _ic(chip, "NXP TDA8035HN/C2 (%s slot)" % label, host, card),
        _ic(connector, "ISO 7816 ID-1 connector, N.O. switch (%s)" % label, contacts),
        _two("R%d" % k, "10k", "r", "3V3", n + "CMDVCCN"),  # card off while the RP2350 boots
        _two("R%d" % (k + 1), "10k", "r", "3V3", n + "OFFN"),
        _two("R%d" % (k + 2), "10k", "r", "3V3", n + "PRESN"),
        _two("R%d" % (k + 3), PORADJ_TOP, "r", "3V3", n + "PORADJ"),
        _two("R%d" % (k + 4), PORADJ_BOTTOM, "r", n + "PORADJ", "GND"),
        _two("C%d" % k, "220n X7R low ESR", "c", n + "C1_VCC", "GND"),
        _two("C%d" % (k + 1), "100n", "c", "3V3", "GND"),
        _two("C%d" % (k + 2), "10u", "c", "VSYS", "GND"),
        _two("C%d" % (k + 3), "100n", "c", "VSYS", "GND"),
    ]


def buses():
    """I2C (the 3.3 V side, the PCA9306, the 5 V backpack), the RTC and the keypad."""
    return [
        _two("R1", "2k2", "r", "3V3", "I2C0_SDA"),
        _two("R2", "2k2", "r", "3V3", "I2C0_SCL"),
        _ic(
            "U5",
            "TI PCA9306DCTR (I2C 3.3 V <-> 5 V)",
            [("2/VREF1", "3V3"), ("4/SDA1", "I2C0_SDA"), ("3/SCL1", "I2C0_SCL"), ("1/GND", "GND")],
            [
                ("7/VREF2", "PCA_VREF2"),
                ("8/EN", "PCA_VREF2"),
                ("5/SDA2", "LCD_SDA"),
                ("6/SCL2", "LCD_SCL"),
            ],
        ),
        _two("R3", "200k", "r", "5V", "PCA_VREF2"),
        _ic(
            "J3",
            "PCF8574T backpack (0x27) + 2004A LCD, 5 V",
            [("GND", "GND"), ("VCC", "5V"), ("SDA", "LCD_SDA"), ("SCL", "LCD_SCL")],
        ),
        _ic(
            "U4",
            "Analog Devices DS3231SN# (0x68)",
            [("2/VCC", "3V3"), ("15/SDA", "I2C0_SDA"), ("16/SCL", "I2C0_SCL"), ("13/GND", "GND")],
            [("14/VBAT", "RTC_VBAT"), ("1/32kHz", None), ("3/INT/SQW", None), ("4/RST", None)],
        ),
        _two("C1", "100n", "c", "3V3", "GND"),
        _two("BT2", "CR2032 (Keystone 3034)", "bat", "RTC_VBAT", "GND"),
        _ic(
            "J4",
            "4 x 4 matrix keypad",
            [("%d/ROW%d" % (i, i), "KEY_ROW%d" % i) for i in (1, 2, 3, 4)]
            + [("%d/COL%d" % (i + 4, i), "KEY_COL%d" % i) for i in (1, 2, 3, 4)],
        ),
    ]


def power():
    """The cell, its charger, the switch, the latch behind 'switch off at 3300 mV', the
    diode into VSYS and the 5 V boost of the display."""
    return [
        _two("BT1", "Li-ion 1S, protected (18650)", "bat", "BAT+", "GND"),
        _ic(
            "U6",
            "Microchip MCP73831T-2ACI/OT",
            [("4/VDD", "VBUS"), ("5/PROG", "CHG_PROG"), ("2/VSS", "GND")],
            [("3/VBAT", "BAT+"), ("1/STAT", None)],
        ),
        _two("R4", "2k0 (500 mA)", "r", "CHG_PROG", "GND"),
        _two("C2", "4u7", "c", "VBUS", "GND"),
        _two("C3", "4u7", "c", "BAT+", "GND"),
        _two("SW1", "slide switch (power)", "sw", "BAT+", "BAT_SW"),
        _fet("Q1", "AO3401A", "pfet", "LATCH_G", "BAT_ON", "BAT_SW"),
        _two("R5", "100k", "r", "BAT_SW", "LATCH_G"),  # Q1 off unless held
        _two("SW2", "ON push button", "sw", "LATCH_G", "GND"),
        _fet("Q2", "2N7002", "nfet", "HOLD_G", "LATCH_G", "GND"),
        _two("R6", "1k", "r", "PWR_HOLD", "HOLD_G"),
        _two("R7", "100k", "r", "HOLD_G", "GND"),  # Q2 off while the RP2350 is unpowered
        _two("D1", "Onsemi MBR120VLSFT1G", "d", "BAT_ON", "VSYS"),
        _ic(
            "U7",
            "TI TPS61023 boost module, 5 V",
            [("VIN", "VSYS"), ("GND", "GND")],
            [("VOUT", "5V")],
        ),
    ]


def parts():
    out = [pico()]
    for prefix in SLOT_NETS.values():
        out += slot(prefix)
    return out + buses() + power()


def nets(all_parts=None):
    """{net: ["REF.pin", ...]}, and every net reaching at least two pins unless it is the
    Pico 2's own (its LED, its VSYS divider)."""
    out = {}
    for part in all_parts or parts():
        for name, net, _ in part.pins:
            if net is not None:
                out.setdefault(net, []).append("%s.%s" % (part.ref, name))
    on_board = {GPIO[n] for n in GPIO if GPIO[n] in PICO_ON_BOARD}
    for net, ends in out.items():
        if len(ends) < 2 and GPIO.get(net) not in on_board:
            raise ValueError("net %s reaches only %s" % (net, ends[0]))
    return out


def text():
    """docs/tla-t1-netlist.txt: parts, then nets, then the pins left open."""
    all_parts = parts()
    lines = [
        "# TLA-T1 netlist. Generated by tools/schematic.py from hw/boards/tla_t1_pins.py:",
        "# do not edit (docs/board-wiring.md). 'U1.19/GP14': Pico 2 header pin 19, GPIO 14.",
        "",
        "[parts]",
    ]
    lines += ["%-4s %s" % (p.ref, p.value) for p in all_parts]
    lines += ["", "[nets]"]
    for net, ends in sorted(nets(all_parts).items()):
        lines.append("%s: %s" % (net, " ".join(ends)))
    lines += ["", "[not connected]"]
    for p in all_parts:
        open_pins = [name for name, net, _ in p.pins if net is None]
        if open_pins:
            lines.append("%s: %s" % (p.ref, " ".join(open_pins)))
    return "\n".join(lines) + "\n"
