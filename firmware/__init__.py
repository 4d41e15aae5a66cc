"""The terminal's application: MicroPython code that only talks to hardware through a board."""
