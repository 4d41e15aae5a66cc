"""`make bench`: run every benchmark and print its figures (under both interpreters where
the code is portable). Figures are for reading, not pass/fail. `make bench ARGS="powercut
sync"` runs only those sections (names in SECTIONS); the power-cut sweeps alone take about
an hour on a 2-core machine."""

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.heap import (
    cps3_day_heap_frozen,
    journal_day_heap,
    round_day_heap,
    round_day_heap_frozen,
    visit_day_heap,
    visit_day_heap_frozen,
)
from emulator.interpreters import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parent.parent


def section(title):
    print("\n== " + title)


def portable(script, *args):
    for name, cmd, env in (
        ("cpython", [sys.executable], None),
        ("micropython", [micropython_command()], micropython_env()),
    ):
        print("-- %s" % name)
        out = subprocess.run(
            cmd + [str(ROOT / "bench" / script), str(ROOT), *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        print(out.stdout.rstrip())
        if out.returncode:
            print(out.stderr.rstrip())


def codec():
    portable("codec_portable.py")


def crypto():
    portable("crypto_portable.py")


def journal():
    portable("journal_portable.py")


def visits_flash():
    from bench import visits
    from emulator.visitday import Cps3VisitDay

    visits.flash_per_sheet()
    visits.flash_per_sheet(day=Cps3VisitDay())  # issue 21: beside tla's cards' figures


def cards():
    from bench import cards

    cards.main()


def sync():
    from bench import sync

    sync.main()


def ingest():
    from bench import ingest

    ingest.main()


def multi():
    from bench import multi

    multi.main()


def roundtrip():
    from bench import roundtrip

    roundtrip.main()


def powercut():
    from bench import powercut

    powercut.main()


def pages():
    from bench import pages

    pages.main()


def update():
    from bench import powercut

    powercut.main(runs=powercut.UPDATE_RUNS)
    # The unix board's update over real processes under CPython too, its whole-size images
    # (make test runs it under micropython only, with lean images: tests/test_update_unix.py).
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/test_update_unix.py"],
        env=dict(os.environ, TLA_UPDATE_UNIX_BOTH="1", TLA_UPDATE_UNIX_FULL="1"),
    )
    print(
        "unix board update, both interpreters: rc %d, %.0f s"
        % (done.returncode, time.monotonic() - began)
    )


SECTIONS = (  # name (`make bench ARGS="name ..."` runs only those), title, function
    ("codec", "codec: CBOR and frames", codec),
    ("crypto", "link security: X25519, HKDF, pairing, AUTH, sealed full frames", crypto),
    (
        "journal",
        "journal: flash per sheet, capacity, reserve (emulator/workday.py for the day)",
        journal,
    ),
    ("journal-heap", "journal: MicroPython heap of a 20-visit day", journal_day_heap),
    (
        "visits",
        "visits: flash per signed sheet with real sheets, sheets a 2 MiB flash holds",
        visits_flash,
    ),
    ("visits-heap", "visits: MicroPython heap of the real 20-visit day", visit_day_heap),
    ("visits-round-heap", "visits: the same day taken from the round", round_day_heap),
    (
        "frozen-heap",
        "visits: heap of the real 20-visit day on the 32-bit build with tla frozen",
        visit_day_heap_frozen,
    ),
    (
        "frozen-cps3-heap",
        "visits: the day with a CPS3 and Cartes Vitale 2 on the 32-bit build with tla frozen",
        cps3_day_heap_frozen,
    ),
    (
        "frozen-round-heap",
        "visits: the day from the round on the 32-bit build with tla frozen",
        round_day_heap_frozen,
    ),
    ("cards", "cards: APDU and reading-scenario times by transport", cards),
    (
        "sync",
        "sync: 1,000 sheets at 115200 8N1 beside ZMODEM, host ingest, opposition look-ups, exactly once",
        sync,
    ),
    (
        "ingest",
        "ingest: sheets/s verified and committed into SQLite and PostgreSQL by 1, 2, 4 agents",
        ingest,
    ),
    (
        "multi",
        "a group practice: 6 PCs, 10 terminals, 3,000 sheets, agents killed, the server stopped",
        multi,
    ),
    (
        "roundtrip",
        "one sheet from the card to the database, and a 20-visit day's sync, by interpreter",
        roundtrip,
    ),
    (
        "powercut",
        "power cuts: every cut point, single and linear modes, both interpreters",
        powercut,
    ),
    ("update", "signed update: every cut of the transfer, the switch and the first boot", update),
    ("pages", "web pages: each page's p95 at 100,000 sheets (goal <= 200 ms)", pages),
)


def main(names):
    known = [name for name, _, _ in SECTIONS]
    unknown = [n for n in names if n not in known]
    if unknown:
        sys.exit("bench: no section %s (sections: %s)" % (", ".join(unknown), ", ".join(known)))
    for name, title, run in SECTIONS:
        if not names or name in names:
            section(title)
            run()


if __name__ == "__main__":
    main(sys.argv[1:])
