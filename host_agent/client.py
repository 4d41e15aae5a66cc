"""Request/response over the link, on the agent's side: send a frame, wait for the frame
that answers it (same sequence number), turn ERROR frames into exceptions; once a session
is open, seal every request and open every answer (docs/protocol.md).

Time comes from `clock` (time.monotonic by default): the in-process simulation of the link
(emulator/linksim.py) gives a virtual one, so a whole sync replays from its seed.
"""

import time

import serial

from host_agent.errors import EXIT_LINK, AgentError
from protocol import frame, messages
from protocol.security_errors import SessionError

CLEAR = (messages.HELLO, messages.PAIR, messages.AUTH)


class LinkError(AgentError):
    """The terminal did not answer usefully; the message is one plain sentence."""

    exit_code = EXIT_LINK
    french_default = (
        "La liaison avec le terminal s'est interrompue ; il garde les feuilles non accusées : "
        "recommencez."
    )


class TerminalError(LinkError):
    """The terminal answered with an ERROR frame."""

    def __init__(self, code, text):
        super().__init__("the terminal refused: %s" % text)
        self.code = code


class SessionLost(LinkError):
    """The terminal has no session for us (ERROR 5 in clear: it rebooted, or was unpaired):
    open one again with AUTH."""


class Message:
    """A frame received, its body opened when it was sealed."""

    def __init__(self, mtype, seq, body, sealed, gap=False):
        self.mtype = mtype
        self.seq = seq
        self.body = body
        self.sealed = sealed
        self.gap = gap  # the terminal sealed frames we never got just before this one

    def __repr__(self):
        return "Message(%s, seq=%d%s)" % (
            messages.name(self.mtype),
            self.seq,
            ", sealed" if self.sealed else "",
        )


class LinkClient:
    def __init__(self, port, clock=time.monotonic):
        self.port = port
        self.clock = clock
        self.decoder = frame.Decoder()
        self.seq = 0
        self.session = None
        self.bytes_in = 0
        self.bytes_out = 0
        self.refused = 0  # sealed frames our session refused
        self.gaps = 0  # jumps of the terminal's counter: frames lost on the way
        self._last_counter = -1

    def use_session(self, session):
        """Seal from now on with `session` (protocol.session.Session, just opened)."""
        self.session = session
        self._last_counter = -1

    def next_seq(self) -> int:
        self.seq = (self.seq + 1) & 0xFFFF
        return self.seq

    def _write(self, data):
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as e:
            raise LinkError("the terminal's port failed while sending: %s" % e) from e
        self.bytes_out += len(data)

    def send(self, mtype: int, body, seq: int | None = None) -> int:
        """Send a frame: sealed when a session is open and `mtype` is not a clear type."""
        seq = self.next_seq() if seq is None else seq
        if self.session is not None and mtype not in CLEAR:
            self._write(self.session.encode(mtype, seq, body))
        else:
            self._write(frame.encode(mtype, seq, body))
        return seq

    def receive(self, timeout: float) -> list:
        """Messages that arrive within `timeout` seconds (at least one read). Damaged frames
        and sealed frames our session refuses are dropped (counted)."""
        deadline = self.clock() + timeout
        while True:
            try:
                data = self.port.read(4096)
            except (serial.SerialException, OSError) as e:
                raise LinkError("the terminal's port failed: %s (was it unplugged?)" % e) from e
            out = []
            if data:
                self.bytes_in += len(data)
                for event in self.decoder.feed(data):
                    message = self._message(event)
                    if message is not None:
                        out.append(message)
            if out or self.clock() >= deadline:
                return out

    def _message(self, event):
        if isinstance(event, frame.FrameError):
            return None
        body = event.body
        if self.session is None or not isinstance(body, bytes):
            return Message(event.mtype, event.seq, body, False)
        try:
            opened = self.session.open_body(event)
        except SessionError:
            self.refused += 1
            return None
        counter = self.session.last_counter
        gap = counter != self._last_counter + 1
        if gap:
            self.gaps += 1
        self._last_counter = counter
        return Message(event.mtype, event.seq, opened, True, gap)

    def check_error(self, message):
        """Raise for an ERROR message: SessionLost for ERROR 5 in clear during a session,
        else TerminalError."""
        body = message.body if isinstance(message.body, dict) else {}
        code = body.get("code")
        if code == messages.E_NOT_PAIRED and not message.sealed and self.session is not None:
            raise SessionLost("the terminal has no session for this agent")
        raise TerminalError(code, str(body.get("msg", "unknown error")))

    def request(self, mtype: int, body, timeout: float = 3.0, retries: int = 2):
        """Send a request (sealed during a session: sealed anew at each try) and return the
        body of the terminal's answer of the same type."""
        asked = set()
        for _attempt in range(retries + 1):
            asked.add(self.send(mtype, body))
            deadline = self.clock() + timeout
            while self.clock() < deadline:
                for message in self.receive(deadline - self.clock()):
                    if message.seq not in asked:
                        continue
                    if message.mtype == messages.ERROR:
                        self.check_error(message)
                    if message.mtype == mtype:
                        return message.body
        raise LinkError(
            "no answer from the terminal to %s after %d tries (is it switched on and connected?)"
            % (messages.name(mtype), retries + 1)
        )
