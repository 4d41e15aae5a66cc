"""A 4 x 20 HD44780 character display behind a PCF8574 I2C backpack (the common module:
P0 RS, P1 RW, P2 E, P3 backlight, P4-P7 D4-D7), in 4-bit mode. A hw.hal.Display: show()
rewrites only the rows that changed, each padded to 20 characters (ASCII only: the
firmware's screens are ASCII; anything else becomes '?')."""

from hw import hal

RS, E, BACKLIGHT = 0x01, 0x04, 0x08
ROW_ADDRESS = (0x00, 0x40, 0x14, 0x54)  # DDRAM of rows 1-4 on a 20 x 4 module


class Hd44780(hal.Display):
    rows = 4
    cols = 20

    def __init__(self, i2c, address=0x27, sleep_ms=None):
        self.i2c = i2c
        self.address = address
        self.sleep_ms = sleep_ms or (lambda ms: None)
        self.shown: list = [None] * self.rows  # nothing known on the screen yet
        self._buf = bytearray(1)
        # Datasheet figure 24: three times "8-bit", then "4-bit", from any state.
        self.sleep_ms(50)
        for nibble in (0x03, 0x03, 0x03, 0x02):
            self._nibble(nibble, 0)
            self.sleep_ms(5)
        for cmd in (0x28, 0x0C, 0x06, 0x01):  # 2-line 5x8, display on, entry +1, clear
            self._command(cmd)
        self.sleep_ms(2)

    def _write(self, value):
        self._buf[0] = value | BACKLIGHT
        self.i2c.writeto(self.address, self._buf)

    def _nibble(self, nibble, rs):
        bits = (nibble << 4) | rs
        self._write(bits | E)  # the module latches on E's falling edge
        self._write(bits)

    def _byte(self, value, rs):
        self._nibble(value >> 4, rs)
        self._nibble(value & 0x0F, rs)

    def _command(self, cmd):
        self._byte(cmd, 0)

    def show(self, lines):
        for row in range(self.rows):
            text = lines[row] if row < len(lines) else ""
            text = (text[: self.cols] + " " * self.cols)[: self.cols]
            if text == self.shown[row]:
                continue
            self._command(0x80 | ROW_ADDRESS[row])
            for ch in text:
                code = ord(ch)
                self._byte(code if 32 <= code < 127 else 0x3F, RS)
            self.shown[row] = text
