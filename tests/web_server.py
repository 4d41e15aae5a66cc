"""The web app served for real (uvicorn in a thread of the test, on a free port of
127.0.0.1, stopped with it), its log records kept, and Debian's chromium driven by
Playwright (never Playwright's own browser download, which cannot work on these machines).
"""

import logging
import os
import shutil
import socket
import threading
from pathlib import Path

import uvicorn

from emulator.waiting import until
from host_agent.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS_ENV = "TLA_SCREENSHOTS"  # a folder: the screenshots are copied there too (docs/img)


class Captured(logging.Handler):
    """Every log record of the process while the server runs, formatted."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


class Server:
    """The app of `config` on http://127.0.0.1:PORT/ for the length of a with-block."""

    def __init__(self, config):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_config=None, log_level="debug"))
        self.logs = Captured()
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self):
        root = logging.getLogger()
        root.addHandler(self.logs)
        self._level = root.level
        root.setLevel(logging.DEBUG)
        self.thread.start()
        assert until(lambda: self.server.started, 30), "the web app did not start"
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()
        root = logging.getLogger()
        root.removeHandler(self.logs)
        root.setLevel(self._level)


def browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class Shots:
    """Screenshots (PNG) into the test's folder, and into $TLA_SCREENSHOTS when set."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.also = Path(os.environ[SHOTS_ENV]) if os.environ.get(SHOTS_ENV) else None
        self.taken: list[Path] = []
        self.pages: list[tuple[str, str]] = []  # (name, the page's HTML) of each shot

    def take(self, page, name: str):
        path = self.folder / ("%s.png" % name)
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        self.pages.append((name, page.content()))
        if self.also is not None:
            self.also.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.also / ("web-" + path.name))
        return path
