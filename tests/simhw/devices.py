"""Simulated I2C parts: the PCF8574 backpack with its HD44780 (nibble writes become a
4 x 20 screen the test reads) and the DS3231 (a register file, OSF set at power-up)."""

ROWS = (0x00, 0x40, 0x14, 0x54)


class LcdBackpack:
    def __init__(self):
        self.ddram = bytearray(b" " * 0x80)
        self.addr = 0
        self.eight_bit = True
        self.pending = None
        self.last = 0
        self.commands = []

    def write(self, data):
        for v in data:
            if self.last & 0x04 and not v & 0x04:  # E falling edge: latch D7-D4
                self._nibble(self.last >> 4, self.last & 0x01)
            self.last = v

    def _nibble(self, nibble, rs):
        if self.eight_bit:
            self._exec(nibble << 4, rs)
            return
        if self.pending is None:
            self.pending = nibble
            return
        value, self.pending = (self.pending << 4) | nibble, None
        self._exec(value, rs)

    def _exec(self, value, rs):
        if rs:
            self.ddram[self.addr & 0x7F] = value
            self.addr += 1
            return
        self.commands.append(value)
        if value == 0x01:
            self.ddram[:] = b" " * 0x80
            self.addr = 0
        elif value & 0x80:
            self.addr = value & 0x7F
        elif value & 0xF0 == 0x20 or value & 0xF0 == 0x30:
            self.eight_bit = bool(value & 0x10)

    def screen(self):
        return [self.ddram[a : a + 20].decode() for a in ROWS]


class Ds3231:
    def __init__(self):
        self.regs = bytearray(0x13)
        self.regs[0x0F] = 0x80  # OSF: the oscillator has stopped since power-up

    def read_mem(self, reg, n):
        return bytes(self.regs[reg : reg + n])

    def write_mem(self, reg, data):
        self.regs[reg : reg + len(data)] = data
