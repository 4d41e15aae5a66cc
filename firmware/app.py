"""The terminal application: a state machine stepped by a main loop, without threads.

`App.step()` does one round of work (serve the link, read the keypad, refresh the
screen) and returns; `App.run()` loops on it. The emulator steps it directly, a device
runs `run()` forever.
"""

from firmware import screens
from firmware.link import Link
from firmware.version import FIRMWARE_VERSION
from protocol import messages

IDLE = "idle"


class App:
    def __init__(self, board):
        self.board = board
        self.state = IDLE
        self.link = Link(board.port)
        self.link.on(messages.HELLO, self._on_hello)
        self._last_screen_minute = -1

    # ------------------------------------------------------------ link handlers

    def _on_hello(self, body, seq):
        self.board.emit("EVENT", {"hello": seq})
        return (
            messages.HELLO,
            messages.hello_reply(
                self.board.serial_number, FIRMWARE_VERSION, self.board.model, self.board.name
            ),
        )

    # ------------------------------------------------------------ main loop

    def refresh_screen(self, force=False):
        now = self.board.clock.now()
        minute = now // 60
        if force or minute != self._last_screen_minute:
            self._last_screen_minute = minute
            if self.state == IDLE:
                self.board.display.show(
                    screens.idle(self.board.model, self.board.serial_number, now)
                )

    def step(self) -> bool:
        """One round of work; True when something happened."""
        busy = self.link.poll()
        key = self.board.keypad.get_key()
        if key is not None:
            busy = True
        self.refresh_screen()
        return busy

    def run(self, max_steps=0):
        self.refresh_screen(force=True)
        self.board.emit("READY", {"serial": self.board.serial_number, "fw": FIRMWARE_VERSION})
        steps = 0
        while not self.board.should_stop():
            if not self.step():
                self.board.idle()
            steps += 1
            if max_steps and steps >= max_steps:
                break
