"""Access log of card-data consultations (R162-1-10 c): who (CPS holder id), when, which
card, what was read. Every read of card data on the terminal appends one entry, refusals
included.

`AccessLog` is the interface the card layer writes to; `MemoryAccessLog` keeps entries in
RAM (tests, and a terminal before its flash is mounted). The durable, hash-chained log on
flash implements the same interface.
"""


class AccessEntry:
    def __init__(self, when, who, card, card_id, what):
        self.when = when  # epoch seconds (terminal clock)
        self.who = who  # CPS holder id (11 digits), "" when no CPS was authenticated
        self.card = card  # "vitale" or "cps"
        self.card_id = card_id  # the card's serial number, "" when unknown (mute card)
        self.what = what  # short text: the data items read, or why the read was refused

    def as_list(self):
        return [self.when, self.who, self.card, self.card_id, self.what]

    def __repr__(self):
        return "AccessEntry(%r)" % (self.as_list(),)


class AccessLog:
    def record(self, when, who, card, card_id, what) -> None:
        """Append one entry. Must not fail silently: raises OSError when it cannot write."""
        raise NotImplementedError

    def entries(self):
        """Iterate over the entries, oldest first."""
        raise NotImplementedError


class MemoryAccessLog(AccessLog):
    def __init__(self):
        self._entries = []

    def record(self, when, who, card, card_id, what):
        self._entries.append(AccessEntry(when, who, card, card_id, what))

    def entries(self):
        return iter(self._entries)

    def __len__(self):
        return len(self._entries)
