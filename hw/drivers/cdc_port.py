"""The link to the practice PC over the USB CDC serial port that MicroPython's REPL uses
(a hw.hal.Port). The firmware owns the port once it runs: Ctrl-C is no longer an
interrupt (micropython.kbd_intr(-1)), so a 0x03 in a frame stays data, and nothing else
prints to it. The REPL is reached by holding MENU at power-up (hw/boards/rp2350.py does not
start the firmware then). Reads never block (select.poll with a zero timeout).
"""

from hw import hal


class CdcPort(hal.Port):
    def __init__(self, stdin, stdout, poll, kbd_intr):
        """`stdin`/`stdout`: sys.stdin.buffer / sys.stdout.buffer; `poll`: a select.poll
        object registered for stdin; `kbd_intr`: micropython.kbd_intr."""
        self.stdin = stdin
        self.stdout = stdout
        self.poll = poll
        self.closed = False
        kbd_intr(-1)

    def read(self, max_bytes=256):
        if self.closed:
            raise hal.PortError("port closed")
        out = bytearray()
        while len(out) < max_bytes and self.poll.poll(0):
            b = self.stdin.read(1)
            if not b:
                break
            out += b
        return bytes(out)

    def write(self, data):
        if self.closed:
            raise hal.PortError("port closed")
        n = self.stdout.write(data)
        return len(data) if n is None else n

    def close(self):
        self.closed = True
