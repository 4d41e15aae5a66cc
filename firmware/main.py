"""Entry point: build the application from a board and run its main loop.

On a device, the root `main.py` calls `main(board)` with the device's board. On a PC,
`micropython -m firmware.main CONFIG.json` (or CPython) runs it on the unix board.
"""

import sys

from firmware.app import App
from firmware.opposition import in_flash
from firmware.storage import Storage


def build(board, opposition_seed=(), **options):
    """The App on `board`. `opposition_seed`: card serials installed as the opposition
    list when the flash holds none yet (the emulator's fixture list; the PC's list replaces
    it at the first sync). `options`: App's keyword arguments (storage, opposition,
    cps_session_s)."""
    if board.flash is not None and "opposition" not in options:
        storage = options.get("storage") or Storage(board)
        options["storage"] = storage
        if storage.fs is not None:  # (salvage mode: the App keeps the list in RAM)
            opposition = in_flash(storage)
            opposition.seed(opposition_seed)
            options["opposition"] = opposition
    return App(board, **options)


def main(board, max_steps=0, **options):
    """Build the App (`options`: build()'s) and run its main loop."""
    app = build(board, **options)
    app.run(max_steps)
    return app


def _main_unix(argv):
    if len(argv) < 2:
        print("usage: micropython -m firmware.main CONFIG.json")
        sys.exit(2)
    from hw import hal
    from hw.boards import unix

    try:
        board = unix.from_config_file(argv[1])
    except (OSError, ValueError, KeyError, hal.HalError) as e:  # one line, no traceback
        why = "no %s in it" % e if isinstance(e, KeyError) else str(e)
        sys.stderr.write("tla: cannot start the terminal from %s: %s\n" % (argv[1], why))
        sys.exit(1)
    options: dict = {"opposition_seed": board.config.get("opposition", ())}
    if "cps_session_s" in board.config:
        options["cps_session_s"] = board.config["cps_session_s"]
    main(board, **options)


if __name__ == "__main__":
    _main_unix(sys.argv)
