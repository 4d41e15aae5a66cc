"""The emulated serial cable: two real ptys joined by a copying thread.

The terminal opens one pty's slave path, the agent opens the other's, as they would open
a UART or a USB CDC-ACM device; the bridge in between can pace bytes like a UART at a
given baud rate (ptys ignore baud rates) and pass them through a fault hook (drop, flip,
cut) for link tests. Either side may close and reopen its end: the bridge keeps going.
"""

import os
import pty
import select
import threading
import time
import tty


class PtyBridge:
    def __init__(self, baud=0, bits_per_byte=10, fault=None):
        """`baud`: pace each direction at this line rate (0: as fast as possible).
        `fault(direction, data) -> bytes`: rewrite bytes in flight ("t2h" terminal to
        host, "h2t" host to terminal); used by fault-injection tests."""
        self.baud = baud
        self.bits_per_byte = bits_per_byte
        self.fault = fault
        self._t_master, self._t_slave = pty.openpty()
        self._h_master, self._h_slave = pty.openpty()
        for fd in (self._t_master, self._t_slave, self._h_master, self._h_slave):
            tty.setraw(fd)
        self.terminal_path = os.ttyname(self._t_slave)
        self.host_path = os.ttyname(self._h_slave)
        self.bytes = {"t2h": 0, "h2t": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-bridge", daemon=True)
        # When each direction's line is free again (paced mode).
        self._line_free = {"t2h": 0.0, "h2t": 0.0}
        self._full = {"t2h": False, "h2t": False}  # the last read took a whole chunk

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        for fd in (self._t_master, self._t_slave, self._h_master, self._h_slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def _pace(self, direction, n, waiting):
        """Hold `n` bytes for their time on the line. `waiting`: the previous read found
        more bytes than it took, so these were queued already: like a UART draining its
        buffer they follow the previous ones back to back, however late this thread woke
        (without it, every oversleep would be an idle gap the real line never has)."""
        if not self.baud:
            return
        byte_time = self.bits_per_byte / self.baud
        now = time.monotonic()
        free = self._line_free[direction]
        start = free if waiting else max(now, free)
        self._line_free[direction] = start + n * byte_time
        delay = self._line_free[direction] - now
        if delay > 0:
            time.sleep(delay)

    def _forward(self, src, dst, direction):
        try:
            # Paced: move about 2 ms of line time at once, like a UART FIFO would.
            chunk = max(16, self.baud // 5000) if self.baud else 65536
            data = os.read(src, chunk)
        except OSError:
            # The other end is closed (EIO): nobody has the slave open right now.
            return False
        if not data:
            return False
        waiting = self._full[direction]
        self._full[direction] = len(data) == chunk
        if self.fault is not None:
            data = self.fault(direction, data)
        if data:
            self._pace(direction, len(data), waiting)
            self.bytes[direction] += len(data)
            view = memoryview(data)
            while view:
                try:
                    n = os.write(dst, view)
                except BlockingIOError:
                    select.select([], [dst], [], 0.05)
                    continue
                except OSError:
                    return True  # receiver gone: bytes on a cut cable are lost
                view = view[n:]
        return True

    def _run(self):
        pairs = {self._t_master: (self._h_master, "t2h"), self._h_master: (self._t_master, "h2t")}
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(list(pairs), [], [], 0.05)
            except (OSError, ValueError):
                return
            idle = True
            for fd in ready:
                dst, direction = pairs[fd]
                if self._forward(fd, dst, direction):
                    idle = False
            if idle and ready:
                # Both ends hung up (EIO busy-loop guard): wait for someone to reopen.
                time.sleep(0.01)
