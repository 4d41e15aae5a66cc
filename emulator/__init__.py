"""tla-emu: the terminal firmware on a PC, with simulated cards, flash, clock and serial line."""
