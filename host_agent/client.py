"""Request/response over the link, on the agent's side: send a frame, wait for the frame
that answers it (same sequence number), turn ERROR frames into exceptions."""

import time

import serial

from protocol import frame, messages


class LinkError(Exception):
    """The terminal did not answer usefully; the message is one plain sentence."""


class TerminalError(LinkError):
    """The terminal answered with an ERROR frame."""

    def __init__(self, code, text):
        super().__init__("the terminal refused: %s" % text)
        self.code = code


class LinkClient:
    def __init__(self, port: serial.SerialBase):
        self.port = port
        self.decoder = frame.Decoder()
        self.seq = 0

    def next_seq(self) -> int:
        self.seq = (self.seq + 1) & 0xFFFF
        return self.seq

    def send(self, mtype: int, body, seq: int | None = None) -> int:
        seq = self.next_seq() if seq is None else seq
        try:
            self.port.write(frame.encode(mtype, seq, body))
            self.port.flush()
        except (serial.SerialException, OSError) as e:
            raise LinkError("the terminal's port failed while sending: %s" % e) from e
        return seq

    def receive(self, timeout: float) -> list:
        """Frames and FrameErrors that arrive within `timeout` seconds (at least one read)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                data = self.port.read(4096)
            except (serial.SerialException, OSError) as e:
                raise LinkError("the terminal's port failed: %s (was it unplugged?)" % e) from e
            events = self.decoder.feed(data) if data else []
            if events or time.monotonic() >= deadline:
                return events

    def request(self, mtype: int, body, timeout: float = 3.0, retries: int = 2):
        """Send a request and return the body of the terminal's answer of the same type."""
        for _attempt in range(retries + 1):
            seq = self.send(mtype, body)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for event in self.receive(deadline - time.monotonic()):
                    if isinstance(event, frame.FrameError) or event.seq != seq:
                        continue
                    if event.mtype == messages.ERROR:
                        body = event.body if isinstance(event.body, dict) else {}
                        raise TerminalError(body.get("code"), body.get("msg", "unknown error"))
                    if event.mtype == mtype:
                        return event.body
        raise LinkError(
            "no answer from the terminal to %s after %d tries (is it switched on and connected?)"
            % (messages.name(mtype), retries + 1)
        )
