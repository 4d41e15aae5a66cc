"""A card slot of the unix board: a reader speaking vsmartcard's vpcd protocol over TCP.
Like the vpcd driver inside pcscd, the slot listens and a card connects to it: a
connection is a card in the slot, its end is the card leaving. Framing: 2-byte big-endian
length + payload; a 1-byte payload is a control message (0 power off, 1 power on, 2 reset,
4 send ATR), anything longer an APDU. The emulator's card server is the card side."""

import select
import socket

from hw import hal
from hw._compat import ticks_ms

VPCD_OFF = 0
VPCD_ON = 1
VPCD_RESET = 2
VPCD_ATR = 4

_TCP_QUICKACK = 12  # Linux option at level IPPROTO_TCP (6): without it each APDU waits ~40 ms
_IPPROTO_TCP = 6


class VpcdSlot(hal.CardSlot):
    """A card slot served over TCP with vsmartcard's vpcd framing (see module docstring)."""

    def __init__(self, name, port, host="127.0.0.1", timeout_ms=3000):
        self.name = name
        self.port = port
        self.timeout_ms = timeout_ms
        self._conn = None
        self._conn_poll = None
        self._powered = False
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(socket.getaddrinfo(host, port)[0][-1])
        self._listener.listen(1)
        self._listener.setblocking(False)
        self._listen_poll = select.poll()
        self._listen_poll.register(self._listener, select.POLLIN)

    def _accept(self):
        if not self._listen_poll.poll(0):
            return
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        self._drop()
        conn.setblocking(True)
        self._conn = conn
        self._conn_poll = select.poll()
        self._conn_poll.register(conn, select.POLLIN)

    def _drop(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = None
        self._conn_poll = None
        self._powered = False

    def _alive(self):
        """True while the card's connection is open; reading a hang-up closes our side."""
        if self._conn is None or self._conn_poll is None:
            return False
        events = self._conn_poll.poll(0)
        if not events:
            return True
        flags = events[0][1]
        if flags & (select.POLLHUP | select.POLLERR):
            self._drop()
            return False
        # A card speaks only when asked: unsolicited bytes are a hang-up (b"") or garbage.
        try:
            data = self._conn.recv(64)
        except OSError:
            data = b""
        if not data:
            self._drop()
            return False
        return True

    def present(self):
        self._accept()
        return self._alive()

    def _send(self, payload):
        conn = self._conn
        if conn is None:
            raise hal.CardRemoved(self.name)
        try:
            conn.sendall(len(payload).to_bytes(2, "big") + payload)
        except OSError:
            self._drop()
            raise hal.CardRemoved(self.name)

    def _recv_exact(self, n):
        out = b""
        deadline = ticks_ms() + self.timeout_ms
        while len(out) < n:
            conn = self._conn
            poller = self._conn_poll
            if conn is None or poller is None:
                raise hal.CardRemoved(self.name)
            left = deadline - ticks_ms()
            if left <= 0 or not poller.poll(left):
                self._drop()
                raise hal.CardIOError(self.name, "the card does not answer")
            try:
                conn.setsockopt(_IPPROTO_TCP, _TCP_QUICKACK, 1)
                chunk = conn.recv(n - len(out))
            except OSError:
                chunk = b""
            if not chunk:
                self._drop()
                raise hal.CardRemoved(self.name)
            out += chunk
        return out

    def _recv_message(self):
        length = int.from_bytes(self._recv_exact(2), "big")
        return self._recv_exact(length) if length else b""

    def power_on(self):
        if not self.present():
            raise hal.CardAbsent(self.name)
        self._send(bytes([VPCD_ON]))
        self._send(bytes([VPCD_ATR]))
        atr = self._recv_message()
        if not atr:
            raise hal.CardIOError(self.name, "the card gave no ATR")
        self._powered = True
        return atr

    def transmit(self, apdu):
        if self._conn is None:
            if self._powered:
                raise hal.CardRemoved(self.name)
            raise hal.CardAbsent(self.name)
        if len(apdu) < 4:
            raise ValueError("an APDU has at least 4 bytes")
        self._send(bytes(apdu))
        response = self._recv_message()
        if len(response) < 2:
            raise hal.CardIOError(self.name, "the card sent a truncated response")
        return response

    def power_off(self):
        if self._conn is not None:
            try:
                self._send(bytes([VPCD_OFF]))
            except hal.CardError:
                pass
        self._powered = False
