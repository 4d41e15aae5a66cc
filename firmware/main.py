"""Entry point: build the application from a board and run its main loop.

On a device, the root `main.py` calls `main(board)` with the device's board. On a PC,
`micropython -m firmware.main CONFIG.json` (or CPython) runs it on the unix board.
"""

import sys

from firmware.app import App


def main(board, max_steps=0, **options):
    """`options`: App's keyword arguments (access_log, opposition, cps_session_s)."""
    app = App(board, **options)
    app.run(max_steps)
    return app


def _main_unix(argv):
    if len(argv) < 2:
        print("usage: micropython -m firmware.main CONFIG.json")
        sys.exit(2)
    from firmware.opposition import MemoryOppositionList
    from hw.boards import unix

    board = unix.from_config_file(argv[1])
    options: dict = {"opposition": MemoryOppositionList(board.config.get("opposition", ()))}
    if "cps_session_s" in board.config:
        options["cps_session_s"] = board.config["cps_session_s"]
    main(board, **options)


if __name__ == "__main__":
    _main_unix(sys.argv)
