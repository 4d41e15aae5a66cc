"""Draw the TLA-T1's schematic and write its netlist, both from the circuit of
tools/board_netlist.py, itself built around the GPIO table the board file uses
(hw/boards/tla_t1_pins.py): the drawing cannot show a pin the code does not use.

Run: .venv/bin/python tools/schematic.py          (writes the two files below)
     .venv/bin/python tools/schematic.py --check  (exit 1 when they are not up to date)
tests/test_board_schematic.py regenerates both and compares them byte for byte.

The drawing is a net-label schematic: every pin ends in the name of its net, and pins of
the same name are connected (the netlist lists them). schemdraw's own SVG backend, text as
<text>: the same schemdraw version writes the same bytes (pyproject.toml pins it).
"""

import sys
from pathlib import Path

import schemdraw
import schemdraw.elements as elm

sys.path.insert(0, str(Path(__file__).resolve().parent))

import board_netlist as B  # noqa: E402

SVG = B.ROOT / "docs" / "img" / "tla-t1-schematic.svg"
NETLIST = B.ROOT / "docs" / "tla-t1-netlist.txt"
PITCH = 0.6  # between two pins of a box
CHAR = 0.27  # width of a character of the pin names, in drawing units
STUB = 0.5  # the wire from a lead to its net's name
LABEL_ROOM = 4.0  # room left for a net's name beside a column
GAP = 0.9  # between two parts of a column
COLUMNS = (
    ("Pico 2", lambda: [B.pico()]),
    ("Vitale slot", lambda: B.slot("VIT")),
    ("CPS slot", lambda: B.slot("CPS")),
    ("I2C, RTC, keypad", B.buses),
    ("Power and latch", B.power),
)


def _net_label(d, point, net, side, length=STUB):
    """The name of `net` at the end of a short wire leaving `point` to `side`."""
    if net is None:
        d.add(elm.NoConnect().at(point))
        return
    wire = elm.Line().at(point).length(length)
    wire = wire.left() if side == "left" else wire.right()
    d.add(wire)
    end = wire.absanchors["end"]
    d.add(elm.Label().at(end).label(net, halign="right" if side == "left" else "left"))


def _box_width(part):
    left = max((len(p[0]) for p in part.pins if p[2] == "left"), default=0)
    right = max((len(p[0]) for p in part.pins if p[2] == "right"), default=0)
    return max(2.4, (left + right + 3) * CHAR)


def _ic(d, part, x, top):
    left = [p for p in part.pins if p[2] == "left"]
    right = [p for p in part.pins if p[2] == "right"]
    rows = max(len(left), len(right))
    width = _box_width(part)
    height = (rows + 1) * PITCH
    # schemdraw stacks a side's pins from the bottom up: the first pin of each side on top.
    order = list(enumerate(part.pins))
    order = [p for p in reversed(order) if p[1][2] == "left"] + [
        p for p in reversed(order) if p[1][2] == "right"
    ]
    pins = [elm.IcPin(name=name, side=side, anchorname="p%d" % i) for i, (name, _, side) in order]
    # theta(0): the drawing's direction is the last wire's, often a net label's leftwards.
    box = elm.Ic(pins=pins, size=(width, height), pinspacing=PITCH).theta(0)
    d.add(box.at((x, top - height)).label("%s  %s" % (part.ref, part.value), "top"))
    for i, (_, net, side) in enumerate(part.pins):
        _net_label(d, box.absanchors["p%d" % i], net, side)
    return height + 0.6  # the title above the box


SYMBOLS = {
    "r": elm.Resistor,
    "c": elm.Capacitor,
    "d": elm.Diode,
    "sw": elm.Switch,
    "bat": elm.Battery,
}


def _two(d, part, x, top):
    (_, net1, _), (_, net2, _) = part.pins
    symbol = SYMBOLS[part.kind]()
    if part.kind == "bat":
        symbol = symbol.reverse()  # pin 1 (+) on the left, like a diode's anode
    y = top - 0.8
    d.add(symbol.at((x + STUB, y)).right().length(2.0).label(part.ref + "  " + part.value))
    _net_label(d, symbol.absanchors["start"], net1, "left")
    _net_label(d, symbol.absanchors["end"], net2, "right")
    return 1.6


def _fet(d, part, x, top):
    nets = {name: net for name, net, _ in part.pins}
    fet = (elm.PFet() if part.kind == "pfet" else elm.NFet()).theta(0)
    fet = fet.at((x + STUB + 2.2, top - 0.3)).anchor("drain" if part.kind == "nfet" else "source")
    d.add(fet.label(part.ref + "  " + part.value, "right"))
    _net_label(d, fet.absanchors["gate"], nets["G"], "left", length=1.2)
    for pin, anchor in (("D", "drain"), ("S", "source")):
        d.add(elm.Label().at(fet.absanchors[anchor]).label(pin + ": " + nets[pin], halign="left"))
    return 2.2


DRAW = {"ic": _ic, "pfet": _fet, "nfet": _fet}


def drawing():
    """The SVG text of the whole board."""
    schemdraw.use("svg")
    d = schemdraw.Drawing(show=False)
    d.config(fontsize=11)
    x = 0.0
    for title, parts_of in COLUMNS:
        parts = parts_of()
        d.add(elm.Label().at((x, 1.2)).label(title, halign="left", fontsize=16))
        top, widest = 0.0, 0.0
        for part in parts:
            draw = DRAW.get(part.kind, _two)
            top -= draw(d, part, x, top) + GAP
            widest = max(widest, _box_width(part) if part.kind == "ic" else 3.0)
        x += widest + 2 * LABEL_ROOM
    notes = (
        "TLA-T1. Net-label schematic: pins whose labels match are connected"
        " (docs/tla-t1-netlist.txt). Generated by tools/schematic.py from"
        " hw/boards/tla_t1_pins.py, the table hw/boards/rp2350.py builds its pins from.",
        "TDA8035: pin names only (numbers: its data sheet); its DC-DC capacitors and its"
        " VUP / VREG decoupling as the data sheet's application diagram"
        " (docs/board-wiring.md).",
    )
    for i, note in enumerate(notes):
        d.add(elm.Label().at((0.0, 3.0 - 0.6 * i)).label(note, halign="left"))
    return d.get_imagedata("svg").decode()


def outputs():
    """{path: text} of the files this tool writes."""
    return {SVG: drawing(), NETLIST: B.text()}


def main(argv):
    stale = []
    for path, text in outputs().items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
        else:
            path.write_text(text)
            print("wrote %s" % path.relative_to(B.ROOT))
    for path in stale:
        print("%s is not what tools/schematic.py draws: run it" % path.relative_to(B.ROOT))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
