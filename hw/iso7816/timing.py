"""Transmission parameters and waiting times from the ATR (ISO/IEC 7816-3:2006, 7.1, 8.3,
10.2 and 11.4.3). Every wait is counted in ETUs (elementary time units) of the current rate,
so the line converts them to time with the clock it runs: 1 ETU = F / D clock cycles.
"""

# Table 7: clock rate conversion integer Fi and maximum clock (kHz), indexed by TA1's high
# nibble; 0 marks an RFU value.
FI = (372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0)
FMAX_KHZ = (
    4000,
    5000,
    6000,
    8000,
    12000,
    16000,
    20000,
    0,
    0,
    5000,
    7500,
    10000,
    15000,
    20000,
    0,
    0,
)
# Table 8: baud rate adjustment integer Di, indexed by TA1's low nibble.
DI = (0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0)

F_DEFAULT = 372  # Fd
D_DEFAULT = 1  # Dd
WI_DEFAULT = 10  # TC2 absent (10.2)
CWI_DEFAULT = 13  # TB3 absent (11.4.3)
BWI_DEFAULT = 4
IFSC_DEFAULT = 32  # TA3 absent (11.4.2)

# 8.1 and 8.2: the card starts its ATR within 400 to 40 000 clock cycles after RST goes
# high; at the initial rate (F = 372, D = 1) that is 108 ETUs, and characters of the ATR
# follow each other within the initial waiting time, 9 600 ETUs.
RST_LOW_CLOCKS = 40000
ATR_FIRST_ETU = 40000 // 372 + 1
ATR_CHAR_ETU = 9600
PPS_WAIT_ETU = 9600  # 9.1: the PPS response comes within the initial waiting time
T1_BGT_ETU = 22  # 11.2: block guard time, between two blocks in opposite directions


class Timing:
    """The rate and the waits in force: `etu_clocks` cycles per ETU, `guard_etu` extra guard
    time (TC1), `wt_etu` (T=0), `cwt_etu` and `bwt_etu` (T=1)."""

    def __init__(
        self, f=F_DEFAULT, d=D_DEFAULT, n=0, wi=WI_DEFAULT, cwi=CWI_DEFAULT, bwi=BWI_DEFAULT
    ):
        self.f = f
        self.d = d
        self.etu_clocks = f // d  # the PIO divider takes the fraction, if any
        # 8.3: TC1 = N adds N ETUs of guard time; N = 255 means the minimum (12 ETUs a
        # character under T=0, 11 under T=1), i.e. no extra guard time here.
        self.guard_etu = 0 if n == 255 else n
        # 10.2: WT = WI x 960 x Fi / f seconds = 960 x WI x D ETUs.
        self.wt_etu = 960 * wi * d
        # 11.4.3: CWT = (11 + 2^CWI) ETUs; BWT = 11 ETUs + 2^BWI x 960 x 372 / f seconds,
        # i.e. 2^BWI x 960 x 372 clock cycles, in ETUs of the current rate.
        self.cwt_etu = 11 + (1 << cwi)
        self.bwt_etu = 11 + ((1 << bwi) * 960 * 372 * d) // f

    def etu_us(self, clock_hz):
        """Microseconds in one ETU at clock frequency `clock_hz`."""
        return self.f * 1000000 // (self.d * clock_hz)
