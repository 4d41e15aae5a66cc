"""A simulated `machine` for the RP2350 board file: Pin, I2C, PWM, ADC, unique_id, idle,
each wired to a SimBoard's state (inputs the test drives, I2C devices, ADC levels).
`make(board)` returns a module-like namespace bound to that board."""

import types


class SimBoard:
    """What the outside world looks like to the pins: `inputs` {gpio: callable -> 0/1},
    `outputs` {gpio: last value written}, `i2c` {address: device}, `adc` {gpio: raw}."""

    def __init__(self):
        self.inputs = {}
        self.outputs = {}
        self.i2c = {}
        self.adc = {}
        self.pwm = {}
        self.i2c_writes = 0
        self.on_output = {}  # {gpio: callable(value)}: e.g. RST rising starts an ATR


def make(board):
    class Pin:
        IN, OUT, OPEN_DRAIN = 0, 1, 2
        PULL_UP, PULL_DOWN = 1, 2

        def __init__(self, gpio, mode=None, pull=None, value=None):
            self.id = gpio
            self.mode = mode
            self.pull = pull
            if value is not None:
                self.value(value)

        def value(self, v=None):
            if v is None:
                if self.id in board.inputs:
                    return board.inputs[self.id]() & 1
                return board.outputs.get(self.id, 1 if self.pull == Pin.PULL_UP else 0)
            board.outputs[self.id] = 1 if v else 0
            hook = board.on_output.get(self.id)
            if hook:
                hook(1 if v else 0)

    class I2C:
        def __init__(self, bus, sda=None, scl=None, freq=100000):
            self.bus = bus

        def _dev(self, addr):
            if addr not in board.i2c:
                raise OSError(19)  # ENODEV: nothing answers at that address
            return board.i2c[addr]

        def writeto(self, addr, buf):
            board.i2c_writes += 1
            self._dev(addr).write(bytes(buf))
            return len(buf)

        def readfrom_mem(self, addr, reg, n):
            return self._dev(addr).read_mem(reg, n)

        def writeto_mem(self, addr, reg, buf):
            self._dev(addr).write_mem(reg, bytes(buf))

    class PWM:
        def __init__(self, pin):
            self.pin = pin
            board.pwm[pin.id] = self
            self.hz = 0
            self.duty = 0

        def freq(self, hz=None):
            if hz is None:
                return self.hz
            self.hz = hz

        def duty_u16(self, d=None):
            if d is None:
                return self.duty
            self.duty = d

    class ADC:
        def __init__(self, gpio):
            self.gpio = gpio

        def read_u16(self):
            return board.adc.get(self.gpio, 0)

    m = types.SimpleNamespace(
        Pin=Pin,
        I2C=I2C,
        PWM=PWM,
        ADC=ADC,
        unique_id=lambda: bytes.fromhex("e6614c311b7a2f35"),
        idle=lambda: None,
    )
    return m
