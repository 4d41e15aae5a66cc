"""Opposition list (R161-33-7): serial numbers of Vitale cards reported lost, stolen or
denounced, which the terminal must refuse. The card layer asks `contains()` at every read.

`OppositionList` is the interface; `MemoryOppositionList` holds a set (tests). The list the
practice PC pushes is stored on flash as a sorted file and searched in place.
"""


class OppositionList:
    def contains(self, card_serial: str) -> bool:
        raise NotImplementedError


class MemoryOppositionList(OppositionList):
    def __init__(self, serials=()):
        self.serials = set(serials)

    def contains(self, card_serial):
        return card_serial in self.serials
