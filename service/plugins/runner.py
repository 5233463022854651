"""Running plugin work on worker threads under a per-unit time limit.

A *unit* is one plugin's whole share of a validation call (its plan hook and its goal hooks
for every active goal, say). :meth:`Runner.run` hands all units of a call to one worker
thread as a single job, which runs them in order; the calling thread watches the clock. A
unit that runs longer than the time limit is given up: its result becomes a
:class:`UnitTimeout`, the thread running it is abandoned (it is left to finish on its own and
then exits) and replaced, and the remaining units continue as a new job. One job per call
keeps the cost of the time limit to a single hand-over between threads.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from time import monotonic

log = logging.getLogger(__name__)

_PENDING = object()


class UnitTimeout(Exception):
    """The result of a unit that ran longer than the time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"ran longer than {seconds:g} s")
        self.seconds = seconds


class _Job:
    __slots__ = ("abandoned", "done", "finished", "index", "lock", "results", "started", "units")

    def __init__(self, units: Sequence[Callable[[], object]], results: list[object], start: int):
        self.units = units
        self.results = results
        self.index = start
        self.started: float | None = None
        self.lock = threading.Lock()
        self.done = threading.Lock()  # held until the worker finishes the job
        self.done.acquire()
        self.finished = False
        self.abandoned = False


class Runner:
    """Runs units of plugin work with a time limit of ``timeout`` seconds each.

    ``timeout=None`` runs units in the calling thread with no time limit (exceptions are
    still caught). Worker threads start on first use and are restarted after a fork.
    """

    def __init__(self, timeout: float | None = 2.0, workers: int = 4) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive or None")
        self.timeout = timeout
        self.workers = max(1, workers)
        self.abandoned_threads = 0
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._pid: int | None = None
        self._start_lock = threading.Lock()

    # -- public -------------------------------------------------------------------------

    def run(self, units: Sequence[Callable[[], object]]) -> list[object]:
        """Run every unit; return, in order, each one's return value, the exception it
        raised, or a :class:`UnitTimeout`. Never raises for a unit's sake."""
        if not units:
            return []
        if self.timeout is None:
            return [_call(unit) for unit in units]
        self._ensure_started()
        results: list[object] = [_PENDING] * len(units)
        job = _Job(units, results, 0)
        self._queue.put(job)
        timeout = self.timeout
        while True:
            started = job.started
            wait = timeout if started is None else started + timeout - monotonic()
            if job.done.acquire(timeout=wait if wait > 0 else 0):
                return results
            with job.lock:
                if job.finished:
                    return results
                index = job.index
                if (
                    job.started is None
                    or monotonic() - job.started < timeout
                    or results[index] is not _PENDING
                ):
                    continue
                job.abandoned = True
                results[index] = UnitTimeout(timeout)
            self._replace_abandoned_worker()
            if index + 1 >= len(units):
                return results
            job = _Job(units, results, index + 1)
            self._queue.put(job)

    def close(self) -> None:
        """Stop the worker threads (abandoned ones end when their unit returns)."""
        if self._pid == os.getpid():
            for _ in range(self.workers):
                self._queue.put(None)
        self._pid = None
        self._queue = queue.SimpleQueue()

    # -- workers ------------------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.SimpleQueue()  # a fork leaves the parent's threads behind
            for _ in range(self.workers):
                self._start_worker()
            self._pid = os.getpid()

    def _start_worker(self) -> None:
        thread = threading.Thread(
            target=self._work, args=(self._queue,), name="mrp-plugin-worker", daemon=True
        )
        thread.start()

    def _replace_abandoned_worker(self) -> None:
        self.abandoned_threads += 1
        log.warning(
            "a plugin worker thread was abandoned after %g s (%d so far); starting another",
            self.timeout,
            self.abandoned_threads,
        )
        self._start_worker()

    @staticmethod
    def _work(jobs: queue.SimpleQueue[_Job | None]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            units, results, lock = job.units, job.results, job.lock
            for index in range(job.index, len(units)):
                with lock:
                    job.index = index
                    job.started = monotonic()
                try:
                    result = units[index]()
                except BaseException as exc:  # a plugin's SystemExit must not kill the worker
                    result = exc
                with lock:
                    if job.abandoned:
                        return  # the caller gave up on this unit; a new worker took over
                    results[index] = result
            with lock:
                job.finished = True
            job.done.release()


def _call(unit: Callable[[], object]) -> object:
    try:
        return unit()
    except Exception as exc:
        return exc
