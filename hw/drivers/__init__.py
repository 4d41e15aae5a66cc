"""Drivers of the TLA-T1 board's parts, each taking bus objects (machine.Pin, I2C, ADC,
PWM, rp2.StateMachine) from hw/boards/rp2350.py, which alone knows the pins."""
