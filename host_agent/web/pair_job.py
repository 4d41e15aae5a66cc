"""Pairing a terminal from the page (host_agent/pair.py in a job's thread, web/jobs.py): the
page shows this PC's 6-digit code while the terminal shows its own, the user says whether
they are the same (the thread waits for that answer, at most pair.WAIT_S seconds), then
presses OK on the terminal while the page counts down, and the page says the outcome.

Nothing is kept unless the user said "the same" here and pressed OK there (pair.pair)."""

import threading
import time

from host_agent import pair, terminals, workspace
from host_agent.web.security import random_id

CONNECTING, COMPARE, WAITING = "connecting", "compare", "waiting"
STAGES = {
    CONNECTING: "Connexion au terminal…",
    COMPARE: "Comparez les deux codes.",
    WAITING: "Appuyez sur OK sur le terminal.",
}


class PairJob:
    what = "L'appairage"  # the job, in the sentence of an unexpected error

    def __init__(self, port: str, wait_s: int = pair.WAIT_S):
        self.id = random_id()
        self.port = port
        self.wait_s = wait_s
        self.lock = threading.Lock()
        self.stage = CONNECTING
        self.code = ""
        self.terminal = ""  # the serial the terminal's pairing names
        self.left = None  # seconds left to press OK on the terminal
        self.answer = None  # True: the same code, False: not
        self.answered = threading.Event()
        self.serial = ""  # the terminal paired, at the end
        self.finished = False
        self.error = ""
        self.detail = ""
        self.started = time.monotonic()
        self.thread: threading.Thread | None = None

    # What pair.pair calls, from the job's thread.
    def confirm(self, code: str, serial: str) -> bool:
        with self.lock:
            self.stage, self.code, self.terminal = COMPARE, code, serial
        if not self.answered.wait(self.wait_s):
            return False  # nobody answered: nothing kept (pair.PairError says the codes)
        with self.lock:
            self.stage = WAITING
            return bool(self.answer)

    def waiting(self, left: int) -> None:
        with self.lock:
            self.stage, self.left = WAITING, left

    def say(self, same: bool) -> bool:
        """The user's answer from the page; False when none is asked (any more)."""
        with self.lock:
            if self.stage != COMPARE or self.answered.is_set() or self.finished:
                return False
            self.answer = same
        self.answered.set()
        return True

    def state(self) -> dict:
        with self.lock:
            return {
                "stage": self.stage,
                "said": STAGES[self.stage],
                "code": "%s %s" % (self.code[:3], self.code[3:]) if self.code else "",
                "terminal": self.terminal,
                "left": self.left,
                "finished": self.finished,
                "serial": self.serial,
                "error": self.error,
            }


def _why(job: PairJob, error) -> str:
    """The French sentence of a pairing that did not complete."""
    if job.code and not job.answered.is_set():
        return (
            "Personne n'a comparé les codes dans les %d secondes : rien n'a été gardé. "
            "Appuyez sur ANNULER sur le terminal et recommencez." % job.wait_s
        )
    if job.answer is False:
        return (
            "Vous avez dit que les codes diffèrent : rien n'a été gardé. Appuyez sur "
            "ANNULER sur le terminal. Si les codes diffèrent encore, un autre appareil est "
            "peut-être sur le câble."
        )
    if job.stage == WAITING:
        return (
            "Personne n'a appuyé sur OK sur le terminal à temps, ou le terminal a refusé : "
            "rien n'a été gardé. Recommencez."
        )
    return error.french


def start(jobs, db, port: str, wait_s: int = pair.WAIT_S) -> PairJob:
    """The pairing running (one at a time), or a new one with the terminal on `port`."""

    def work(job: PairJob):
        store = workspace.open_store(db)  # this thread's own connection
        try:
            serial, _ = terminals.pair_with(
                port, store, job.confirm, wait_s=job.wait_s, waiting=job.waiting
            )
        except pair.PairError as e:
            raise pair.PairError(str(e), e.exit_code, _why(job, e)) from None
        finally:
            store.close()
        with job.lock:
            job.serial = serial

    return jobs.begin(PairJob(port, wait_s), work)
