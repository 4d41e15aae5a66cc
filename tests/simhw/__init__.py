"""Simulated RP2350 parts for CPython tests of hw/boards/rp2350.py and hw/drivers: `rp2`
(MicroPython's own rp2.py, so rp2.asm_pio assembles exactly as on the device, over a
simulated _rp2 whose StateMachine runs on rp2040-pio-emulator) and `machine` (Pin, I2C,
PWM, ADC). install() puts them in sys.modules; the modules under test import them as usual.
"""
