"""The DS3231 real-time clock (I2C address 0x68, its own CR2032 backup cell) as the
terminal's wall clock: a hw.hal.Clock keeping UTC, so a completion date is right after a
battery change and offline. Registers 0-6 hold seconds to year in BCD (datasheet, figure
1); bit 7 of the status register (0x0F), OSF, says the oscillator stopped: the time is
then unknown and now() raises ClockLost until the practice PC sets it (SET_TIME).
"""

from hw import hal
from protocol.dates import civil_from_days, days_from_civil, weekday

ADDRESS = 0x68
STATUS = 0x0F
OSF = 0x80


class ClockLost(hal.HalError):
    """The RTC lost its time (backup cell flat or removed): it must be set again."""

    def __init__(self):
        super().__init__("the clock lost the time: connect to the practice PC")


def _bcd(v):
    return (v >> 4) * 10 + (v & 0x0F)


def _to_bcd(v):
    return ((v // 10) << 4) | (v % 10)


class Ds3231Clock(hal.Clock):
    def __init__(self, i2c, ticks_ms, sleep_ms, address=ADDRESS):
        self.i2c = i2c
        self.address = address
        self._ticks_ms = ticks_ms
        self._sleep_ms = sleep_ms

    def now(self):
        status = self.i2c.readfrom_mem(self.address, STATUS, 1)[0]
        if status & OSF:
            raise ClockLost()
        r = self.i2c.readfrom_mem(self.address, 0, 7)
        sec, minute = _bcd(r[0] & 0x7F), _bcd(r[1] & 0x7F)
        hour = _bcd(r[2] & 0x3F)  # 24-hour mode: set() writes bit 6 clear
        day, month = _bcd(r[4] & 0x3F), _bcd(r[5] & 0x1F)
        year = 2000 + _bcd(r[6]) + (100 if r[5] & 0x80 else 0)
        return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + sec

    def set(self, epoch_seconds):
        days, rest = divmod(int(epoch_seconds), 86400)
        year, month, day = civil_from_days(days)
        if not 2000 <= year < 2200:
            raise ValueError("the DS3231 keeps years 2000 to 2199")
        day_of_week = weekday(days) + 1  # the DS3231 counts 1 to 7; 1 = Monday here
        century = 0x80 if year >= 2100 else 0
        regs = bytes(
            (
                _to_bcd(rest % 60),
                _to_bcd(rest // 60 % 60),
                _to_bcd(rest // 3600),
                day_of_week,
                _to_bcd(day),
                _to_bcd(month) | century,
                _to_bcd(year % 100),
            )
        )
        self.i2c.writeto_mem(self.address, 0, regs)
        status = self.i2c.readfrom_mem(self.address, STATUS, 1)[0]
        self.i2c.writeto_mem(self.address, STATUS, bytes((status & ~OSF & 0xFF,)))

    def ticks_ms(self):
        return self._ticks_ms()

    def sleep_ms(self, ms):
        self._sleep_ms(ms)
