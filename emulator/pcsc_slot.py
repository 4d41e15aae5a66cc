"""A terminal card slot backed by a PC/SC reader through pyscard, so a bench can put real or
test cards (or vpcd's virtual readers) in the emulated terminal: a hw.hal.CardSlot.

PC/SC errors become the HAL's: no card -> CardAbsent, card gone during an exchange ->
CardRemoved, anything else (mute card, reader gone, daemon stopped) -> CardIOError.
"""

from smartcard import scard

from hw import hal

_GONE = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
}


def _message(code):
    try:
        return scard.SCardGetErrorMessage(code).strip()
    except Exception:
        return "PC/SC error 0x%08X" % (code & 0xFFFFFFFF)


def list_readers() -> list:
    """Names of the PC/SC readers pcscd knows; [] when pcscd does not run."""
    code, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if code != scard.SCARD_S_SUCCESS:
        return []
    try:
        code, readers = scard.SCardListReaders(ctx, [])
        return list(readers) if code == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(ctx)


class PcscSlot(hal.CardSlot):
    """The slot `name` of the terminal, served by the PC/SC reader `reader`."""

    def __init__(self, name, reader):
        self.name = name
        self.reader = reader
        self._ctx = None
        self._card = None
        self._protocol = 0

    def _context(self):
        if self._ctx is None:
            code, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if code != scard.SCARD_S_SUCCESS:
                raise hal.CardIOError(self.name, "PC/SC is not available: " + _message(code))
            self._ctx = ctx
        return self._ctx

    def _state(self):
        code, states = scard.SCardGetStatusChange(
            self._context(), 0, [(self.reader, scard.SCARD_STATE_UNAWARE)]
        )
        if code != scard.SCARD_S_SUCCESS:
            if code == scard.SCARD_E_TIMEOUT:
                return 0
            raise hal.CardIOError(self.name, "reader %r: %s" % (self.reader, _message(code)))
        return states[0][1]

    def present(self):
        try:
            state = self._state()
        except hal.CardIOError:
            return False
        return bool(state & scard.SCARD_STATE_PRESENT)

    def power_on(self):
        self.power_off()
        code, card, protocol = scard.SCardConnect(
            self._context(),
            self.reader,
            scard.SCARD_SHARE_EXCLUSIVE,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if code in _GONE:
            raise hal.CardAbsent(self.name)
        if code != scard.SCARD_S_SUCCESS:
            raise hal.CardIOError(self.name, "cannot power the card: " + _message(code))
        self._card, self._protocol = card, protocol
        code, _reader, _state, _protocol, atr = scard.SCardStatus(card)
        if code != scard.SCARD_S_SUCCESS:
            self.power_off()
            raise hal.CardIOError(self.name, "the card gave no ATR: " + _message(code))
        return bytes(atr)

    def transmit(self, apdu):
        if self._card is None:
            raise hal.CardAbsent(self.name)
        code, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if code in _GONE:
            self._forget()
            raise hal.CardRemoved(self.name)
        if code != scard.SCARD_S_SUCCESS:
            self._forget()
            raise hal.CardIOError(self.name, "the card does not answer: " + _message(code))
        if len(response) < 2:
            raise hal.CardIOError(self.name, "the card sent a truncated response")
        return bytes(response)

    def _forget(self):
        card, self._card = self._card, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

    def power_off(self):
        card, self._card = self._card, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_UNPOWER_CARD)

    def close(self):
        self.power_off()
        if self._ctx is not None:
            scard.SCardReleaseContext(self._ctx)
            self._ctx = None
