"""A pool of worker processes for the parsing stage (``MRP_INTAKE_WORKERS``).

The poller hands a fetched batch's raw mails to :meth:`ParsePool.parse`, which parses them
in worker processes (:func:`service.intake.parse.parse_raw`: the raw bytes in, plain data
out; a worker never touches the database or the app) and gives the results back in order.
Everything else stays in the poller's process as before: the raw mails are stored before
they are parsed, the states committed before the mails are moved.

Mails go to the workers a few at a time (:data:`CHUNK`), and each worker says in an array
the pool shares which mail it is parsing and since when, so each mail has its own clock: a
mail that takes longer than its parse budget's ``seconds`` (plus :data:`GRACE`) is given up,
the pool's processes are ended and a new pool started, and the mail is quarantined as
``parse_budget_exceeded``; the other mails that were in the pool then are parsed again in
the new one. A worker that dies (a crash in a C library, the kernel's OOM killer) breaks
the whole pool, so the mails then in it are parsed again one at a time, and the one that
breaks the pool alone is quarantined as ``internal_error``. Either way the other mails of
the batch are read. When no worker can be started at all, the batch is parsed in the poller.

Workers are started with ``forkserver`` (a clean process, not a copy of the poller's with
its database connections), with :mod:`service.intake.parse` imported once in the server.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from service.intake.budget import OVER_BUDGET, too_slow
from service.intake.parse import ParsedMail, ParseSettings, parse_each, parse_raw

__all__ = ["GRACE", "ParsePool", "Parsing", "shared_pool"]

log = logging.getLogger("mrp.intake")

#: seconds a worker is given beyond the budget (the round trip of the bytes and the result)
GRACE = 1.0
#: the Danish explanation of a mail whose parse ended its worker process
CRASHED = ("Intern fejl da mailen blev læst: processen, der læste den, stoppede uventet. "
           "Fejlen ligger i systemet, ikke hos afsenderen, og er skrevet i loggen. Genbehandl "
           "beskeden, når fejlen er rettet.")

Parse = Callable[[bytes, ParseSettings], ParsedMail]

#: mails per task: a round trip to a worker costs about what parsing a small report mail
#: does, so small mails go a few at a time
CHUNK = 4
#: how often the clocks of the mails in the workers are looked at, seconds
TICK = 0.05

# -- in a worker ------------------------------------------------------------------------------

#: which mail this worker is parsing, and since when (``time.monotonic``, the same clock in
#: every process): its two numbers in the pool's shared array, set by ``_start_worker``
_CLOCK: tuple[Any, int] | None = None


def _start_worker(clocks: Any, counter: Any, alive: Any) -> None:
    global _CLOCK
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    _CLOCK = (clocks, 2 * slot)
    threading.Thread(target=_outlive_nothing, args=(alive,), daemon=True,
                     name="mrp-parse-watch").start()


def _outlive_nothing(alive: Any) -> None:
    """End this worker when the poller is gone (killed, say): nothing is ever sent on
    ``alive``, which ends when the poller's end of it closes. Else the worker would wait for
    its next mail for ever, on a queue it holds both ends of, and keep the forkserver (and
    whatever it inherited, the poller's stdout) alive with it."""
    with contextlib.suppress(Exception):
        alive.recv()
    os._exit(0)


def _ready() -> bool:
    return True


def _parse_chunk(mails: list[tuple[int, bytes]], settings: ParseSettings,
                 parse: Parse) -> list[ParsedMail | Exception]:
    """Parse the mails of one task (``(index, raw)``), each on the worker's clock."""
    clocks, at = _CLOCK if _CLOCK is not None else (None, 0)
    out: list[ParsedMail | Exception] = []
    for index, raw in mails:
        if clocks is not None:
            clocks[at + 1] = 0.0
            clocks[at] = float(index)
            clocks[at + 1] = time.monotonic()
        [result] = parse_each([raw], settings, parse)
        out.append(_sendable(result))
        if clocks is not None:
            clocks[at + 1] = 0.0
    return out


def _sendable(result: ParsedMail | Exception) -> ParsedMail | Exception:
    """The result, or an error that does not pickle as one of its kind that does (else the
    whole task would fail, with the other mails in it)."""
    if isinstance(result, Exception):
        try:
            pickle.loads(pickle.dumps(result))
        except Exception:
            return RuntimeError(f"{type(result).__name__}: {result}")
    return result


# -- in the poller --------------------------------------------------------------------------


@dataclass
class _Task:
    indexes: list[int]
    alone: bool = False


class ParsePool:
    """``workers`` processes that parse mails with ``parse`` (``parse_raw``; a test may
    give another function a worker can import)."""

    def __init__(self, workers: int, *, parse: Parse = parse_raw,
                 context: str = "forkserver") -> None:
        self.workers = max(int(workers), 1)
        self.function = parse
        self._context = multiprocessing.get_context(context)
        if context == "forkserver":
            self._context.set_forkserver_preload(["service.intake.parse"])
        self._executor: ProcessPoolExecutor | None = None
        self._starting = threading.Lock()
        self._exiting = False  # no start after the process began to exit
        self._warming: threading.Thread | None = None
        self._clocks: Any = None
        self._alive: Any = None  # the poller's end of what tells the workers it is there
        #: how many times the pool was replaced (a mail over its time, a worker that died)
        self.replaced = 0

    # -- the processes --------------------------------------------------------------------

    def warm(self) -> None:
        """Start the workers in the background (a fresh forkserver and its imports take a
        few tenths of a second), while the poller logs in and fetches its first batch."""
        if self._executor is None and self._warming is None:
            self._warming = threading.Thread(target=self._warm, name="mrp-parse-start",
                                             daemon=True)
            self._warming.start()

    def settle(self) -> None:
        """Wait for a start :meth:`warm` began: a poll that ends sooner (the database is
        down, say) must not leave it half done, or the interpreter's exit would end the
        workers as they start."""
        warming, self._warming = self._warming, None
        if warming is not None:
            warming.join()

    def _warm(self) -> None:
        with contextlib.suppress(Exception):  # the first batch says why, and parses inline
            self._pool()

    def _pool(self) -> ProcessPoolExecutor:
        with self._starting:
            return self._start()

    def _start(self) -> ProcessPoolExecutor:
        if self._exiting:
            raise RuntimeError("the poller is exiting")
        if self._executor is None:
            self._clocks = self._context.Array("d", 2 * self.workers, lock=False)
            counter = self._context.Value("i", 0)
            alive, self._alive = self._context.Pipe(duplex=False)
            executor = ProcessPoolExecutor(self.workers, mp_context=self._context,
                                           initializer=_start_worker,
                                           initargs=(self._clocks, counter, alive))
            # start every worker now, so a mail's clock does not count a worker's start
            for future in [executor.submit(_ready) for _ in range(self.workers)]:
                future.result()
            self._executor = executor
        return self._executor

    def _replace(self) -> None:
        """End the pool's processes, whatever they are doing; a new pool is started when
        next needed."""
        executor, self._executor = self._executor, None
        self.replaced += 1
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        for process in processes:  # the executor has no way to stop a running call
            if process.is_alive():
                process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(1)
        self._alive.close()

    def _at_exit(self) -> None:
        with self._starting:
            self._exiting = True
        self.close()

    def close(self) -> None:
        with self._starting:  # a start in the background ends first (its children need us)
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
            self._alive.close()

    def _late(self, limit: float) -> set[int]:
        """The mails a worker has been parsing for longer than ``limit`` seconds."""
        clocks, now = self._clocks, time.monotonic()
        if clocks is None:
            return set()
        return {int(clocks[at]) for at in range(0, len(clocks), 2)
                if clocks[at + 1] and now - clocks[at + 1] > limit}

    # -- parsing --------------------------------------------------------------------------

    def parse(self, raws: Sequence[bytes],
              settings: ParseSettings) -> list[ParsedMail | Exception]:
        """Every mail parsed in the pool, in order; a mail whose parse raised gives its
        error, one over its time or whose worker died a :class:`ParsedMail` with its
        ``failure``."""
        return self.start(raws, settings).results()

    def start(self, raws: Sequence[bytes], settings: ParseSettings) -> Parsing:
        """Hand every mail to the workers and return at once: the poller stores and
        records the batch before while they parse (``Parsing.results`` waits for them)."""
        return Parsing(self, raws, settings)


class Parsing:
    """A batch being parsed in a :class:`ParsePool` (:meth:`ParsePool.start`): every task
    is handed to the pool when it starts, and the clocks are watched while
    :meth:`results` waits. One batch at a time per pool: a mail over its time ends the
    pool's processes, whoever's mails they hold."""

    def __init__(self, pool: ParsePool, raws: Sequence[bytes],
                 settings: ParseSettings) -> None:
        self.pool, self.raws, self.settings = pool, raws, settings
        self._results: list[ParsedMail | Exception | None] = [None] * len(raws)
        self._inline = False
        self._waiting: deque[_Task] = deque()
        self._running: dict[Future[list[ParsedMail | Exception]], _Task] = {}
        try:
            pool._pool()
        except Exception:  # no processes to be had: the intake goes on without them
            log.exception("the parse workers could not be started; parsing in the poller")
            self._inline = True
            return
        size = max(1, min(CHUNK, -(-len(raws) // (4 * pool.workers))))
        self._waiting.extend(_Task(list(range(i, min(i + size, len(raws)))))
                             for i in range(0, len(raws), size))
        self._submit()

    def cancel(self) -> None:
        """Give the batch up (the run ends): what has not started is not parsed, and a
        mail being parsed ends with its worker (its clock must not count against the next
        batch's mail of the same place)."""
        started = [future for future in self._running if not future.cancel()]
        if any(not future.done() for future in started):
            self.pool._replace()
        self._running.clear()
        self._waiting.clear()

    def results(self) -> list[ParsedMail | Exception]:
        """Every mail's result, in order (see :meth:`ParsePool.parse`), handed over: the
        batch keeps none of them."""
        self.wait()
        results, self._results = self._results, []
        return results  # type: ignore[return-value]

    def wait(self) -> None:
        """Until every mail is parsed, watching their clocks."""
        if self._inline:
            self._results, self._inline = [*parse_each(self.raws, self.settings,
                                                       self.pool.function)], False
            return
        pool, results, settings = self.pool, self._results, self.settings
        waiting, running = self._waiting, self._running
        limit = settings.budget.seconds + GRACE
        while waiting or running:
            self._submit()
            done, _ = wait(list(running), timeout=TICK, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = running.pop(future)
                try:
                    for index, result in zip(task.indexes, future.result(), strict=True):
                        results[index] = result
                except BrokenProcessPool:
                    broken = True
                    if task.alone:
                        log.error("a worker process died parsing a mail; it is quarantined")
                        results[task.indexes[0]] = ParsedMail(
                            None, failure=("internal_error", CRASHED))
                    else:  # which of the mails then in the pool broke it is found alone
                        waiting.extendleft(_Task([i], alone=True) for i in task.indexes)
                except Exception as error:  # the task's results did not pickle, say
                    for index in task.indexes:
                        results[index] = error
            late = {i for i in pool._late(limit) if i < len(results) and results[i] is None} \
                if running and not broken else set()
            for index in late:
                log.warning("a mail took over %.1f s to parse; its worker is ended", limit)
                results[index] = ParsedMail(None, failure=(OVER_BUDGET,
                                                           too_slow(settings.budget)))
            if late or broken:
                # the other mails in the pool now are not to blame: they are parsed again,
                # one at a time when the pool broke (to find the one that breaks it)
                for task in running.values():
                    again = [i for i in task.indexes if results[i] is None]
                    if broken:
                        waiting.extendleft(_Task([i], alone=True) for i in again)
                    elif again:
                        waiting.appendleft(_Task(again, task.alone))
                running.clear()
                pool._replace()
        assert all(r is not None for r in results)

    def _submit(self) -> None:
        """Hand the waiting tasks to the pool; a mail to be parsed alone only to an empty
        pool, and nothing after it until it is done."""
        waiting, running, pool = self._waiting, self._running, self.pool
        while waiting:
            task = waiting[0]
            if task.alone and running:
                return
            waiting.popleft()
            mails = [(i, self.raws[i]) for i in task.indexes]
            try:
                future = pool._pool().submit(_parse_chunk, mails, self.settings,
                                             pool.function)
            except BrokenProcessPool:  # a worker died between two tasks
                pool._replace()
                future = pool._pool().submit(_parse_chunk, mails, self.settings,
                                             pool.function)
            running[future] = task
            if task.alone:
                return


_SHARED: dict[int, ParsePool] = {}
_LOCK = threading.Lock()


def shared_pool(workers: int) -> ParsePool | None:
    """The process's pool of ``workers`` parse workers, kept from poll to poll (None for
    one worker: the poller parses inline)."""
    if workers <= 1:
        return None
    with _LOCK:
        pool = _SHARED.get(workers)
        if pool is None:
            pool = _SHARED[workers] = ParsePool(workers)
            atexit.register(pool._at_exit)
        return pool
