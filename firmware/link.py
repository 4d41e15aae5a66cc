"""The terminal's end of the link: bytes from the port become frames, frames go to the
handler registered for their message type, and every reply goes back with the request's
sequence number. Damaged frames are counted by the decoder; intact but unusable ones
(unknown type, other protocol version, malformed body, too large) get an ERROR frame.
"""

from hw.hal import PortError
from protocol import frame, messages


class Link:
    def __init__(self, port):
        self.port = port
        self.decoder = frame.Decoder()
        self.handlers = {}
        self.port_errors = 0
        self.errors_sent = 0

    def on(self, mtype, handler):
        """Register handler(body, seq) -> (reply_type, reply_body) or None for `mtype`."""
        self.handlers[mtype] = handler

    def send(self, mtype, seq, body):
        data = frame.encode(mtype, seq, body)
        sent = 0
        while sent < len(data):
            n = self.port.write(data[sent:])
            if not n:
                raise PortError("serial port accepts no more bytes")
            sent += n

    def send_error(self, code, seq=None, detail=None):
        self.errors_sent += 1
        self.send(
            messages.ERROR, seq if seq is not None else 0, messages.error_body(code, seq, detail)
        )

    def poll(self) -> bool:
        """Serve whatever arrived; True when any byte was read."""
        try:
            data = self.port.read(512)
        except PortError:
            self.port_errors += 1
            return False
        if not data:
            return False
        for event in self.decoder.feed(data):
            try:
                self._dispatch(event)
            except PortError:
                self.port_errors += 1
        return True

    def _dispatch(self, event):
        if isinstance(event, frame.FrameError):
            self.send_error(event.code, event.seq, event.message)
            return
        handler = self.handlers.get(event.mtype)
        if handler is None:
            self.send_error(messages.E_UNKNOWN_TYPE, event.seq, messages.name(event.mtype))
            return
        if not isinstance(event.body, dict):
            self.send_error(messages.E_BAD_BODY, event.seq, "body must be a map")
            return
        reply = handler(event.body, event.seq)
        if reply is not None:
            self.send(reply[0], event.seq, reply[1])
