"""Serve a virtual card over TCP in vsmartcard's vpcd framing, as the card side.

A reader listens and the card connects to it: the vpcd driver inside pcscd (35963 is
"Virtual PCD 00 00", 35964 "Virtual PCD 00 01"), or a unix-board slot (hw/boards/unix.py
VpcdSlot) when the firmware runs under micropython. Connecting is inserting the card,
closing is pulling it out. Framing: 2-byte big-endian length + payload; a 1-byte payload
is a control (0 power off, 1 power on, 2 reset, 4 send the ATR), anything longer an APDU
whose answer is the card's response. A mute card (execute() -> None) is never answered.
"""

import socket
import threading
import time

from firmware.cards.apdu import redact

VPCD_PORTS = {0: 35963, 1: 35964}  # "Virtual PCD 00 00" and "Virtual PCD 00 01"
_TCP_QUICKACK = 12  # Linux, at level IPPROTO_TCP: without it every APDU waits ~40 ms
_OFF, _ON, _RESET, _ATR = 0, 1, 2, 4


class CardServer:
    """One card, served to one reader until `remove()` (or the reader closes)."""

    def __init__(
        self, card, port, host="127.0.0.1", trace=None, connect_timeout=10.0, quickack=True
    ):
        """`trace(line)`, when given, sees every exchange (a VERIFY's PIN is redacted);
        `quickack=False` only to measure what TCP_QUICKACK saves (make bench)."""
        self.card = card
        self.quickack = quickack
        self.host = host
        self.port = port
        self.trace = trace
        self.connect_timeout = connect_timeout
        self.exchanges = 0  # ATR requests and APDUs answered or pulled
        self._pull_at = 0
        self._sock = None
        self._thread = None
        self._closed = threading.Event()

    # ------------------------------------------------------------ control

    def start(self) -> "CardServer":
        """Insert the card: connect to the reader (retrying while it is not listening yet)."""
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        "no card reader listens on %s:%d" % (self.host, self.port)
                    ) from None
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="card-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def pull_during(self, n):
        """Pull the card out during the n-th exchange from now (1 = the next one): the
        connection closes without an answer. Exchanges are ATR requests and APDUs."""
        self._pull_at = self.exchanges + n

    def remove(self):
        """Pull the card out now."""
        self._closed.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def connected(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------ serving

    def _recv_exact(self, n):
        sock = self._sock
        assert sock is not None
        out = b""
        while len(out) < n:
            if self.quickack:
                sock.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return out

    def _send(self, payload):
        assert self._sock is not None
        self._sock.sendall(len(payload).to_bytes(2, "big") + payload)

    def _log(self, text):
        if self.trace is not None:
            self.trace(text)

    def _count(self):
        """Count an exchange; True when the card must be pulled out during it."""
        self.exchanges += 1
        return self._pull_at and self.exchanges >= self._pull_at

    def _serve(self):
        try:
            while not self._closed.is_set():
                n = int.from_bytes(self._recv_exact(2), "big")
                msg = self._recv_exact(n)
                if len(msg) == 1:
                    self._control(msg[0])
                    continue
                if self._count():
                    self._log("> %s (card pulled out)" % redact(msg).hex())
                    break
                try:
                    response = self.card.execute(msg)
                except Exception as e:  # a real card behind SlotCard left, or failed
                    self._log("> %s (card gone: %s)" % (redact(msg).hex(), e))
                    break
                self._log(
                    "> %s\n< %s"
                    % (redact(msg).hex(), "(no answer)" if response is None else response.hex())
                )
                if response is not None:
                    self._send(response)
        except (EOFError, OSError):
            pass
        finally:
            self._closed.set()
            try:
                self.card.power_down()
            except Exception:
                pass
            if self._sock is not None:
                self._sock.close()

    def _control(self, code):
        if code == _OFF:
            self.card.power_down()
        elif code == _ON:
            self.card.power_up()
        elif code == _RESET:
            self.card.reset()
        elif code == _ATR:
            if self._count():
                self._log("ATR? (card pulled out)")
                raise EOFError
            self._send(self.card.atr())


class SlotCard:
    """A card in a hal.CardSlot of this PC (a PC/SC reader), seen as a virtual card, so a
    card server can relay a real card to the firmware under micropython."""

    def __init__(self, slot):
        self.slot = slot
        self._atr = b""

    def atr(self):
        if not self._atr:
            self._atr = self.slot.power_on()
        return self._atr

    def power_up(self):
        self._atr = self.slot.power_on()
        return self._atr

    def reset(self):
        return self.power_up()

    def power_down(self):
        self._atr = b""
        self.slot.power_off()

    def execute(self, apdu):
        return self.slot.transmit(apdu)


class SlotRelay:
    """Watch a hal.CardSlot of this PC and serve its card to a reader port while a card is
    in it: inserting the real card inserts it in the terminal, pulling it pulls it."""

    def __init__(self, slot, port, host="127.0.0.1", trace=None, poll_s=0.2):
        self.slot = slot
        self.port = port
        self.host = host
        self.trace = trace
        self.poll_s = poll_s
        self.server = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="relay-%d" % port, daemon=True)

    def start(self) -> "SlotRelay":
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            present = self.slot.present()
            if present and (self.server is None or not self.server.connected()):
                try:
                    self.server = CardServer(
                        SlotCard(self.slot), self.port, self.host, self.trace
                    ).start()
                except ConnectionError:
                    self.server = None
            elif not present and self.server is not None:
                self.server.remove()
                self.server = None
            self._stop.wait(self.poll_s)

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        if self.server is not None:
            self.server.remove()
