"""The terminal's end of the link: bytes from the port become frames, frames go to the
handler registered for their message type, and every reply goes back with the request's
sequence number. Damaged frames are counted by the decoder; intact but unusable ones
(unknown type, other protocol version, malformed body, too large) get an ERROR frame.

HELLO, PAIR and AUTH travel in clear. Every other message is sealed (docs/protocol.md
"Sealed frames"): its body goes to the open session first. With no session it gets ERROR 5
in clear (the agent then opens one with AUTH); a frame the session refuses (altered,
replayed, reordered) is counted in `refused` and dropped without an answer, like a bad CRC.

No input kills the firmware: whatever a frame's handling raises (MemoryError included, on a
terminal whose heap is a few hundred KiB) is caught here, the frame is dropped and counted
in `dropped`, the heap is collected, and the next frame is served (docs/protocol.md
"Decoder limits").
"""

import gc

from hw.hal import PortError
from protocol import frame, messages
from protocol.security_errors import SecurityError, SessionError


class Link:
    def __init__(self, port, gate=None):
        """`gate`: the protocol.auth.TerminalAuth that opens sessions (None: no sealed
        messages are served)."""
        self.port = port
        self.gate = gate
        self.decoder = frame.Decoder()
        self.handlers = {}
        self.sealed = {}
        self.port_errors = 0
        self.errors_sent = 0
        self.refused = 0  # sealed frames the session refused
        self.failures = 0  # handlers that raised something unexpected (answered ERROR 7)
        self.last_failure = ""
        self.dropped = 0  # frames whose handling failed even to answer (no heap...): dropped
        if gate is not None:
            self.on(messages.AUTH, lambda body, seq: (messages.AUTH, gate.on_request(body)))

    def on(self, mtype, handler):
        """Register handler(body, seq) -> (reply_type, reply_body) or None for `mtype`, in
        clear. A SecurityError it raises is answered with an ERROR of its code."""
        self.handlers[mtype] = handler

    def on_sealed(self, mtype, handler):
        """The same for a sealed message type: the handler gets the opened body and its
        reply is sealed."""
        self.sealed[mtype] = handler

    @property
    def session(self):
        return self.gate.session if self.gate is not None else None

    def _write(self, data):
        sent = 0
        while sent < len(data):
            n = self.port.write(data[sent:])
            if not n:
                raise PortError("serial port accepts no more bytes")
            sent += n

    def send(self, mtype, seq, body):
        self._write(frame.encode(mtype, seq, body))

    def send_sealed(self, mtype, seq, body):
        """Seal `body` with the open session and send it (SessionError when none is open)."""
        session = self.session
        if session is None:
            raise SessionError("no session is open")
        self._write(session.encode(mtype, seq, body))

    def send_error(self, code, seq=None, detail=None, sealed=False):
        self.errors_sent += 1
        body = messages.error_body(code, seq, detail)
        seq = seq if seq is not None else 0
        if sealed and self.session is not None:
            self.send_sealed(messages.ERROR, seq, body)
        else:
            self.send(messages.ERROR, seq, body)

    def poll(self) -> bool:
        """Serve whatever arrived; True when any byte was read."""
        try:
            data = self.port.read(512)
        except PortError:
            self.port_errors += 1
            return False
        if not data:
            return False
        try:
            events = self.decoder.feed(data)
        except Exception as e:  # the decoder never raises on line input; a bug must not kill
            self._drop(e)
            self.decoder.reset()
            return True
        for event in events:
            try:
                self._dispatch(event)
            except PortError:
                self.port_errors += 1
            except Exception as e:  # MemoryError while answering, a bug in an error path
                self._drop(e)
        return True

    def _drop(self, e):
        self.dropped += 1
        self.last_failure = "%s: %s" % (type(e).__name__, e)
        gc.collect()

    def _dispatch(self, event):
        if isinstance(event, frame.FrameError):
            self.send_error(event.code, event.seq, event.message)
            return
        mtype, seq = event.mtype, event.seq
        handler = self.sealed.get(mtype)
        if handler is not None:
            self._dispatch_sealed(handler, event)
            return
        handler = self.handlers.get(mtype)
        if handler is None:
            self.send_error(messages.E_UNKNOWN_TYPE, seq, messages.name(mtype))
            return
        if not isinstance(event.body, dict):
            self.send_error(messages.E_BAD_BODY, seq, "body must be a map")
            return
        self._serve(handler, event.body, seq, False)

    def _dispatch_sealed(self, handler, event):
        session = self.session
        if session is None:
            self.send_error(messages.E_NOT_PAIRED, event.seq, "no session is open: run AUTH")
            return
        try:
            body = session.open_body(event)
        except SessionError:
            self.refused += 1  # altered, replayed or reordered: nothing in it is trusted
            return
        except SecurityError as e:  # authentic, but not CBOR: a faulty peer
            self.send_error(e.code, event.seq, str(e), True)
            return
        self._serve(handler, body, event.seq, True)

    def _serve(self, handler, body, seq, sealed):
        try:
            reply = handler(body, seq)
        except SecurityError as e:
            self.send_error(e.code, seq, str(e), sealed)
            return
        except PortError:
            raise
        except Exception as e:  # a flash error, no heap, a bug: answered, the loop goes on
            if isinstance(e, MemoryError):
                gc.collect()  # room for the ERROR frame
            self.failures += 1
            self.last_failure = "%s: %s" % (type(e).__name__, e)
            self.send_error(messages.E_INTERNAL, seq, type(e).__name__, sealed)
            return
        if reply is None:
            return
        if sealed:
            self.send_sealed(reply[0], seq, reply[1])
        else:
            self.send(reply[0], seq, reply[1])
