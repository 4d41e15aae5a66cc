"""A card slot backed by a PC/SC reader through pyscard (CPython only): a hw.hal.CardSlot
for the emulator's bench slots and for the practice PC's CPS reader (tla-agent lots seal).

PC/SC errors become the HAL's: no card -> CardAbsent, card gone during an exchange ->
CardRemoved, anything else (mute card, reader gone, daemon stopped) -> CardIOError.
pyscard is imported on first use, so this module compiles with mpy-cross and imports on a
PC without pyscard (which then hears it in one sentence).
"""

from hw import hal

_scard = None


def _pcsc():
    """pyscard's `smartcard.scard`, imported once."""
    global _scard
    if _scard is None:
        try:
            from smartcard import scard  # type: ignore[import-not-found]
        except ImportError:
            raise hal.CardIOError("reader", "pyscard is not installed (pip install pyscard)")
        _scard = scard
    return _scard


def _gone(code):
    scard = _pcsc()
    return code in (
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_RESET_CARD,
        scard.SCARD_W_UNPOWERED_CARD,
    )


def _message(code):
    scard = _pcsc()
    try:
        return scard.SCardGetErrorMessage(code).strip()
    except Exception:
        return "PC/SC error 0x%08X" % (code & 0xFFFFFFFF)


def list_readers() -> list:
    """Names of the PC/SC readers pcscd knows; [] when pcscd does not run."""
    scard = _pcsc()
    code, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if code != scard.SCARD_S_SUCCESS:
        return []
    try:
        code, readers = scard.SCardListReaders(ctx, [])
        return list(readers) if code == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(ctx)


class PcscSlot(hal.CardSlot):
    """The slot `name` (a terminal's, or the PC's CPS reader), served by the PC/SC reader
    `reader`."""

    def __init__(self, name, reader):
        self.name = name
        self.reader = reader
        self._ctx = None
        self._card = None
        self._protocol = 0

    def _context(self):
        scard = _pcsc()
        if self._ctx is None:
            code, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if code != scard.SCARD_S_SUCCESS:
                raise hal.CardIOError(self.name, "PC/SC is not available: " + _message(code))
            self._ctx = ctx
        return self._ctx

    def _state(self):
        scard = _pcsc()
        code, states = scard.SCardGetStatusChange(
            self._context(), 0, [(self.reader, scard.SCARD_STATE_UNAWARE)]
        )
        if code != scard.SCARD_S_SUCCESS:
            if code == scard.SCARD_E_TIMEOUT:
                return 0
            raise hal.CardIOError(self.name, "reader %r: %s" % (self.reader, _message(code)))
        return states[0][1]

    def present(self):
        scard = _pcsc()
        try:
            state = self._state()
        except hal.CardIOError:
            return False
        return bool(state & scard.SCARD_STATE_PRESENT)

    def power_on(self):
        scard = _pcsc()
        self.power_off()
        code, card, protocol = scard.SCardConnect(
            self._context(),
            self.reader,
            scard.SCARD_SHARE_EXCLUSIVE,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if _gone(code):
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
        scard = _pcsc()
        if self._card is None:
            raise hal.CardAbsent(self.name)
        code, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if _gone(code):
            self._forget()
            raise hal.CardRemoved(self.name)
        if code != scard.SCARD_S_SUCCESS:
            self._forget()
            raise hal.CardIOError(self.name, "the card does not answer: " + _message(code))
        if len(response) < 2:
            raise hal.CardIOError(self.name, "the card sent a truncated response")
        return bytes(response)

    def _forget(self):
        scard = _pcsc()
        card, self._card = self._card, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

    def power_off(self):
        scard = _pcsc()
        card, self._card = self._card, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_UNPOWER_CARD)

    def close(self):
        scard = _pcsc()
        self.power_off()
        if self._ctx is not None:
            scard.SCardReleaseContext(self._ctx)
            self._ctx = None
