"""Pairing with a practice PC on the terminal's screen and keypad, and unpairing.

A part of App (first in App.parts): open() puts up the pairing screen, and PAIR requests
are answered only while it is up, so nobody pairs behind the user's back. The screen shows
the 6-digit code both sides derived; OK confirms that the PC shows the same, CANCEL refuses.
The terminal answers one PAIR step 1 per opening of the screen: any other step 1 ends the
attempt on an "abandoned" screen (with the code, if one was computed), and only the keypad
opens a new one; so a man in the middle has one try at matching codes per opening
(docs/protocol.md "Pairing"). The pairing is written to flash before the terminal's last
answer, so the PC never keeps a pairing the terminal lost. Unpairing overwrites the key in
RAM and erases it from flash (firmware/pairing_store.py: a raw block, not littlefs).
"""

from hw import hal
from hw.drivers.battery import LowBattery
from protocol import messages
from protocol.ascii import shown as on_screen
from protocol.security_errors import PairingError

# What the part shows.
CLOSED = 0
WAITING = 1  # screen up, no PC yet
CODE = 2  # code shown: OK or CANCEL
CONFIRMED = 3  # OK pressed, waiting for the PC
PAIRED = 4
REFUSED = 5
FAILED = 6
UNPAIR = 7  # "unpair? OK / CANCEL"
UNPAIRED = 8
NOT_PAIRED = 9
ABANDONED = 10  # a second PAIR step 1 came: reopen the screen from the menu
ERASE_FAILED = 11  # unpaired in RAM, but the key block did not erase
LOW_BATTERY = 12  # the erase was refused before it began: still paired, in RAM and flash
CUT_OFF = 13  # closed after a PC answered step 1: said, so no try of a man in the middle is silent


def _code(code):
    return "%s %s" % (code[:3], code[3:])


class PairingPart:
    def __init__(self, board, link, gate, store):
        """`gate`: the link's protocol.auth.TerminalAuth; `store`: a PairingStore."""
        self.board = board
        self.gate = gate
        self.store = store
        self.attempt = None
        self.view = CLOSED
        link.on(messages.PAIR, self._on_pair)

    # ------------------------------------------------------------ App's part protocol

    def active(self):
        return self.view != CLOSED

    def open(self):
        """The user chose "pair a PC": a new attempt, fresh keys."""
        # Imported here, not at boot: pairing is rare and its module (X25519, the key
        # schedule) would hold heap all day (docs/board.md "Heap").
        from protocol.pairing import TerminalPairing

        self.attempt = TerminalPairing(self.board.serial_number, self.board.random_bytes)
        self.view = WAITING

    def ask_unpair(self):
        self.view = UNPAIR if self.gate.pairing is not None else NOT_PAIRED

    def close(self):
        if self.attempt is not None and self.attempt.state not in ("paired", "failed"):
            self.attempt.refuse()
        self.attempt = None
        self.view = CLOSED

    def step(self, key):
        if key is None:
            return False
        view = self.view
        if view == CODE:
            if key == hal.KEY_OK:
                self.attempt.confirm()  # type: ignore[union-attr]
                self.view = CONFIRMED
            elif key == hal.KEY_CANCEL:
                self.attempt.refuse()  # type: ignore[union-attr]
                self.view = REFUSED
            return True
        if view == UNPAIR:
            if key == hal.KEY_OK:
                self.view = self._unpair()
            elif key == hal.KEY_CANCEL:
                self.view = CLOSED
            return True
        if view == WAITING and key == hal.KEY_CANCEL and self._contacted():
            self.attempt.refuse()  # type: ignore[union-attr]
            self.view = CUT_OFF
            return True
        if key in (hal.KEY_OK, hal.KEY_CANCEL):
            self.close()
            return True
        return False

    def _contacted(self):
        """True once a PC's step 1 was answered on this opening."""
        return self.attempt is not None and self.attempt.answered

    def _unpair(self):
        """Erase the key block, then the key in RAM. A low battery refuses the erase before
        it starts (hw/drivers/battery.py): the terminal stays paired, consistently, and
        says so. Any other failure may have torn the block: the key in RAM goes anyway,
        and the next boot scrubs what is left (firmware/pairing_store.py)."""
        try:
            self.store.erase()
        except LowBattery:
            return LOW_BATTERY
        except hal.PowerCut:
            raise  # the power is gone (emulator, power-cut bench): nothing runs after it
        except (OSError, hal.FlashError):
            self.gate.unpair()
            return ERASE_FAILED
        self.gate.unpair()
        self.board.emit("EVENT", {"unpaired": True})
        return UNPAIRED

    def screen(self):
        v = self.view
        a = self.attempt
        # A computed code is on every screen that ends the attempt (FAILED, ABANDONED).
        shown = "Code %s annule" % _code(a.code) if a is not None and a.code else ""
        if v == WAITING and self._contacted():
            return ["Appairage d'un PC", "Un PC a repondu", "Attente du code...", "ANNUL: quitter"]
        if v == WAITING:
            return ["Appairage d'un PC", "Sur le PC, lancez", "tla-agent pair", "ANNUL: quitter"]
        if v == CODE and a is not None and a.code is not None:
            return ["Code: " + _code(a.code), "Meme code sur le PC?", "OK: oui", "ANNUL: non"]
        if v == CONFIRMED:
            return ["Code confirme", "Attente du PC...", "", "ANNUL: quitter"]
        if v == PAIRED and a is not None:
            # the PC's name for itself, from the line: any text of 1 to 64 characters
            return ["Appaire avec", on_screen(a.agent_id or "")[:20], "", "OK: terminer"]
        if v == REFUSED:
            return ["Appairage refuse", "Rien n'est garde", "", "OK: terminer"]
        if v == FAILED:
            return [
                "Appairage echoue",
                shown or "Codes differents ou",
                "echange altere",
                "OK: terminer",
            ]
        if v == CUT_OFF:
            return ["Appairage abandonne", "apres contact", "d'un PC: rien garde", "OK: terminer"]
        if v == ABANDONED:
            return ["Appairage abandonne", "2e demande recue", shown, "OK: terminer"]
        if v == UNPAIR:
            peer = self.gate.pairing.peer if self.gate.pairing is not None else ""
            return ["Desappairer le PC", on_screen(peer)[:20], "OK: oui", "ANNUL: non"]
        if v == UNPAIRED:
            return ["PC desappaire", "Il ne peut plus", "synchroniser", "OK: terminer"]
        if v == ERASE_FAILED:
            return ["PC desappaire", "Cle non effacee:", "flash en panne", "OK: terminer"]
        if v == LOW_BATTERY:
            return ["Batterie faible", "PC toujours appaire", "Rechargez et", "recommencez  OK:fin"]
        if v == NOT_PAIRED:
            return ["Aucun PC appaire", "", "", "OK: terminer"]
        return ["", "", "", ""]

    # ------------------------------------------------------------ PAIR

    def _on_pair(self, body, seq):
        a = self.attempt
        if a is None or self.view not in (WAITING, CODE, CONFIRMED, PAIRED):
            raise PairingError(
                "the terminal is not showing its pairing screen: press MENU, then 1, on it"
            )
        try:
            reply = a.on_request(body)
        except PairingError:
            ended = {"failed": FAILED, "refused": REFUSED, "abandoned": ABANDONED}
            if a.state in ended and self.view != ended[a.state]:
                self.view = ended[a.state]
                self.board.emit("EVENT", {"pairing": a.state})
            raise
        if a.state == "comparing":
            self.view = CODE
        elif a.state == "paired" and self.view != PAIRED:
            # Kept in flash before the answer that lets the PC keep its own copy.
            self.store.save(a.pairing)
            self.gate.set_pairing(a.pairing)
            self.board.emit("EVENT", {"paired": a.agent_id})
            self.view = PAIRED
        return messages.PAIR, reply
