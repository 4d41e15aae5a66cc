"""Unloading a terminal from the page: the sync runs in a thread of its own (it takes seconds
to minutes) while the page asks for its progress (GET .../etat, JSON) and shows it.

One unloading at a time: a second click while one runs shows the one running.
"""

import threading
import time

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from host_agent import french, terminals, workspace
from host_agent.errors import AgentError
from host_agent.sync_parts import Progress, Summary
from host_agent.web import render
from host_agent.web.security import random_id


class Job(Progress):
    """One unloading: its progress as the sync reports it, then its summary or error."""

    what = "Le déchargement"  # the job, in the sentence of an unexpected error

    def __init__(self, port: str):
        self.id = random_id()
        self.port = port
        self.lock = threading.Lock()
        self.stage_text = french.sync_stage("connecting")
        self.total = None
        self.done_sheets = 0
        self.bytes = 0
        self.started = time.monotonic()
        self.finished = False
        self.summary: Summary | None = None
        self.error = ""  # French, for the page
        self.detail = ""  # English, for the IT person
        self.thread: threading.Thread | None = None

    # The sync's Progress (host_agent/sync_parts.py), called from the job's thread.
    def stage(self, text):
        with self.lock:
            self.stage_text = french.sync_stage(text)

    def expect(self, sheets):
        with self.lock:
            self.total = sheets

    def advance(self, sheets, nbytes):
        with self.lock:
            self.done_sheets += sheets
            self.bytes += nbytes

    def state(self) -> dict:
        """What the page shows, as JSON."""
        with self.lock:
            return {
                "stage": self.stage_text,
                "sheets": self.done_sheets,
                "total": self.total,
                "bytes": self.bytes,
                "seconds": int(time.monotonic() - self.started),
                "finished": self.finished,
                "error": self.error,
            }


class Jobs:
    def __init__(self):
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}

    def running(self) -> Job | None:
        with self.lock:
            return next((j for j in self.jobs.values() if not j.finished), None)

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def page(self, request, job_id: str, template: str, title: str):
        """The page of job `job_id` (404 when there is none), its state as it is now."""
        job = self.find(job_id)
        return render.page(request, template, title=title, job=job, state=job.state())

    def state(self, job_id: str) -> JSONResponse:
        """What the page asks every half second (JSON; 404 when there is no such job)."""
        return JSONResponse(self.find(job_id).state())

    def find(self, job_id: str):
        job = self.get(job_id)
        if job is None:
            raise HTTPException(404)
        return job

    def begin(self, job, work):
        """`job` running `work(job)` in a thread of its own, unless one runs already (that
        one is returned). `work` sets what it got on `job`; an AgentError's French sentence
        becomes `job.error`, any other error a sentence naming it; `job.finished` at last."""
        with self.lock:
            for running in self.jobs.values():
                if not running.finished:
                    return running
            self.jobs = {k: j for k, j in list(self.jobs.items())[-20:]}  # keep the last few
            self.jobs[job.id] = job

        def run():
            try:
                work(job)
            except AgentError as e:
                with job.lock:
                    job.error, job.detail = e.french, str(e)
            except Exception as e:  # the last guard: the page says it, the thread ends
                with job.lock:
                    job.error = "%s s'est arrêté sur une erreur imprévue : %s" % (
                        job.what,
                        type(e).__name__,
                    )
            finally:
                with job.lock:
                    job.finished = True

        job.thread = threading.Thread(target=run, name="tla-job-" + job.id, daemon=True)
        job.thread.start()
        return job

    def start(self, db, root, port: str, caps=None) -> Job:
        """The unloading running, or a new one of the terminal on `port` (sending the
        practice's `caps`, Settings.caps(), when set)."""

        def unload(job):
            store = workspace.open_store(db)  # this thread's own connection
            try:
                summary = terminals.sync_once(port, store, root, progress=job, caps=caps)
            finally:
                store.close()
            with job.lock:
                job.summary = summary

        return self.begin(Job(port), unload)
