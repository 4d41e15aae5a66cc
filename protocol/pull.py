"""The agent's side of a RECORDS stream, sans-IO: which PULL to send, what a RECORDS frame
holds, when to grant more credit, and where to resume after a loss.

The terminal sends at most `upto` frames of a stream; the agent raises `upto` as it reads,
so the line stays busy but neither side is ever flooded (one frame is 1 KiB). A lost frame
(a jump of the session's counter, or silence) ends the stream: `restart()` asks again after
the last sheet received whole. A stream is named by its PULL's sequence number.

With `inflater` (a function of no argument giving a fresh object whose `feed(chunk)`
returns the inflated bytes: the agent's host_agent/inflate.py), every PULL asks for the
stream deflated with a window of 2^wbits bytes; `plain()` drops compression for the
streams that follow (a terminal that cannot, or sent what does not inflate).
"""

from protocol import sync_messages as sm
from protocol.record_stream import END, SHEET, StreamReader


class Puller:
    def __init__(self, after, window=sm.WINDOW, inflater=None, wbits=0):
        """`after`: the record number after which sheets are wanted."""
        self.inflater = inflater if wbits else None
        self.wbits = wbits if inflater is not None else 0
        self._inflate = None
        self.wire = 0  # stream bytes the frames carried (compressed or not)
        self.after = after  # the last sheet received whole: where a restart resumes
        self.window = window
        self.seq = None
        self.start_after = after
        self.received = 0  # frames of the current stream
        self.upto = 0
        self.reader = StreamReader()
        self.ended = False
        self.frames = 0
        self.bytes = 0
        self.restarts = -1

    def restart(self, seq):
        """The PULL body opening a new stream (sequence number `seq`) after `after`."""
        self.seq = seq
        self.start_after = self.after
        self.received = 0
        self.upto = self.window
        self.reader = StreamReader()
        self._inflate = self.inflater() if self.inflater is not None else None
        self.ended = False
        self.restarts += 1
        return self.request()

    def plain(self):
        """Pull without compression from the next restart() on."""
        self.inflater = None
        self.wbits = 0

    def request(self):
        """The PULL body of the current stream (to resend after a timeout: it grants the
        same credit, or more)."""
        return sm.pull(self.start_after, self.upto, self.wbits)

    def grant(self):
        """A PULL body granting more credit when half the window is used; else None."""
        if self.ended or self.upto - self.received > self.window // 2:
            return None
        self.upto = self.received + self.window
        return sm.pull(self.start_after, self.upto, self.wbits)

    def on_records(self, seq, body):
        """The entries of a RECORDS frame of this stream: [(type, rec_no, body)], with
        certificates ("C"), sheets ("S") and the end ("E"); None for a frame of another
        stream (ignore it). MalformedMessage when the stream does not parse or inflate."""
        if seq != self.seq or self.ended:
            return None
        chunk = sm.read_records(body)
        self.received += 1
        self.frames += 1
        self.wire += len(chunk)
        if self._inflate is not None:
            chunk = self._inflate.feed(chunk)
        self.bytes += len(chunk)
        entries = self.reader.feed(chunk)
        for etype, rec_no, _ in entries:
            if etype == SHEET:
                self.after = rec_no
            elif etype == END:
                self.ended = True
        return entries
