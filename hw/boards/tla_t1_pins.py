"""The TLA-T1's GPIO assignment: which net of the board each RP2350 GPIO (Pico 2 numbering)
carries. One table, read by the board file (hw/boards/rp2350.py builds every pin from it)
and by the schematic's generator (tools/schematic.py draws and lists the same nets), so the
code and the drawing cannot disagree (tests/test_board_schematic.py checks both ends).

Net names are the schematic's: a slot's nets start with its prefix (SLOT_NETS), the
TDA8035 pin each one reaches is in docs/board-wiring.md. GPIO 23, 24, 25 and 29 are wired
on the Pico 2 itself (power-save, VBUS sense, LED, VSYS / 3): only 25 and 29 are used.
"""

GPIO = {
    "I2C0_SDA": 4,  # 3.3 V side of the level shifter: DS3231, PCA9306 SDA1
    "I2C0_SCL": 5,
    "KEY_ROW1": 6,  # keypad rows: outputs, one low at a time
    "KEY_ROW2": 7,
    "KEY_ROW3": 8,
    "KEY_ROW4": 9,
    "KEY_COL1": 10,  # keypad columns: inputs with the RP2350's pull-ups
    "KEY_COL2": 11,
    "KEY_COL3": 12,
    "KEY_COL4": 13,
    "VIT_IO": 14,  # Vitale slot, TDA8035 U2: I/OUC
    "VIT_CLK": 15,  # XTAL1 (PWM slice 7 B)
    "VIT_RST": 16,  # RSTIN
    "VIT_CMDVCCN": 17,  # CMDVCCN: low powers the card
    "VIT_OFFN": 18,  # OFFN: high = a card present and no fault
    "PWR_HOLD": 19,  # the power latch: high keeps the terminal on (docs/board-wiring.md)
    "CPS_IO": 20,  # CPS slot, TDA8035 U3
    "CPS_CLK": 21,  # PWM slice 2 B
    "CPS_RST": 22,
    "CPS_CMDVCCN": 26,
    "CPS_OFFN": 27,
    "LED": 25,  # on the Pico 2
    "VSYS_DIV3": 29,  # ADC3, on the Pico 2: VSYS through its own divider by 3
}

# Slot name (hal.Board.slots) -> prefix of its nets.
SLOT_NETS = {"vitale": "VIT", "cps": "CPS"}
