"""Handing a batch of stored replies to the SMTP server, and what that did, as the values of
the batch's one update (:func:`deliver`); and a courier that does it in a thread of its
own, so that the poller goes on with its next batch while the server answers
(:class:`Courier`).

Nothing here touches the database: the caller claims the replies before they go and
records the outcomes (``service.mail.queue.record``) in one commit per batch.

Each reply costs the SMTP server's answers to four commands (MAIL, RCPT, DATA, the end of
the data), read in one wait when the server offers PIPELINING (most relays do, Microsoft
365 among them: each reply's text goes with the next one's commands,
:mod:`service.mail.pipelining`) and in four when it does not; about 0.5 ms on loopback and
more to a real relay: time the poller's thread would spend waiting. In the courier's
thread that wait overlaps the poller's own work. A thread blocked on a socket asks
for Python's GIL again when the answer comes, and gets it only when the running thread lets
go, after ``sys.getswitchinterval()`` (5 ms by default): at each wait of each reply, which
would make a reply cost some 10 ms while the poller is busy. While a courier runs, the
interval is at most :data:`SWITCH_INTERVAL` (then restored). At 1 ms the courier fell behind
a poller that records 1,000 reports in 6 s (half a second of replies left when the poll
ended); at 0.2 ms it keeps up (0.15–0.3 s left, the last batch's own) and the poll was 10 %
faster end to end.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from dataclasses import dataclass, field

from service.mail.queue import failed_values, release_values, sent_values
from service.mail.receipts import Reply, reply_wire
from service.mail.smtp import Connection, SmtpError, SmtpSettings, SmtpUnavailable
from service.mail.wire import WireMessage

log = logging.getLogger("mrp.intake")

#: seconds; see the module's docstring
SWITCH_INTERVAL = 0.0002


@dataclass
class Due:
    """One message due a reply, as plain values (nothing is read back from the session
    after a commit): its stored reply (None: it has no usable address, ``problem``)."""

    msg_id: int
    attempts: int
    sender: str | None
    row_id: int | None = None
    row_attempts: int = 0
    kind: str = "receipt"
    reply: Reply | None = None
    sent: bool = False
    problem: str | None = None
    #: claimed for this run (a reply not claimed is another run's to send)
    claimed: bool = False


@dataclass
class Delivered:
    """What handing a batch to the server did: the updates of the stored replies and of
    their messages (``record``), the counts, and why the server could not take mail, when
    it could not (the replies not sent then wait for the next run)."""

    replies: list[dict[str, object]] = field(default_factory=list)
    messages: list[dict[str, object]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"sent": 0, "failed": 0,
                                                            "waiting": 0})
    outage: str | None = None


def message_update(d: Due, state: str, error: str | None,
                   attempt: bool = False) -> dict[str, object]:
    values: dict[str, object] = {"id": d.msg_id, "receipt_state": state,
                                 "receipt_error": error[:2000] if error else None}
    if attempt:
        values["receipt_attempts"] = d.attempts + 1
    return values


def deliver(connection: Connection, due: list[Due], mail_from: str,
            outage: str | None = None) -> Delivered:
    """Send the batch's claimed replies over ``connection``, in order, each one's text with
    the next one's commands (``Connection.send_all``). When the server cannot take mail
    (``outage``, or it says so now), every reply not sent waits, and the server is not
    asked again for them."""
    done = Delivered(outage=outage)
    going: list[tuple[Due, WireMessage]] = []
    for d in due:
        if d.reply is None or d.row_id is None:
            done.messages.append(message_update(d, "failed", d.problem, attempt=True))
            done.counts["failed"] += 1
            log.warning("receipt for message %s not sent (%s)", d.msg_id, d.problem)
        elif d.sent:  # sent by an earlier run that stopped before recording it here
            done.messages.append(message_update(d, "sent", None))
        elif not d.claimed:  # another run sends it
            continue
        elif done.outage is not None:
            _waits(done, d)
        else:
            try:
                going.append((d, reply_wire(d.reply, mail_from)))
            except Exception as error:  # no usable address, or a fault of ours
                _not_sent(done, d, error)
    results = connection.send_all([wire for _d, wire in going]) if going else []
    for index, (d, _wire) in enumerate(going):
        result = results[index] if index < len(results) else None
        if isinstance(result, SmtpUnavailable):
            done.outage = str(result)
        if result is None or isinstance(result, SmtpUnavailable):
            _waits(done, d)
        elif isinstance(result, SmtpError):
            _not_sent(done, d, result)
        else:
            done.replies.append(sent_values(_row(d), d.row_attempts, result))
            done.messages.append(message_update(d, "sent", None, attempt=True))
            done.counts["sent"] += 1
            log.info("%s for message %s sent to %s", d.kind, d.msg_id, d.sender)
            if result:  # taken for the others: not sent again
                log.warning("receipt for message %s: the server refused %s", d.msg_id,
                            ", ".join(result))
    return done


def _not_sent(done: Delivered, d: Due, error: Exception) -> None:
    """A reply that failed on its own (refused, no usable address, a fault of ours): it
    counts an attempt, and is tried again on the next run."""
    if not isinstance(error, SmtpError | OSError | ValueError):
        log.error("the reply to message %s could not be sent", d.msg_id, exc_info=error)
    done.replies.append(failed_values(_row(d), d.row_attempts, str(error)))
    done.messages.append(message_update(d, "failed", str(error), attempt=True))
    done.counts["failed"] += 1
    log.warning("receipt for message %s not sent (%s); retried next run", d.msg_id, error)


def _row(d: Due) -> int:
    assert d.row_id is not None, "only a stored reply is sent"
    return d.row_id


def _waits(done: Delivered, d: Due) -> None:
    """A reply the server could not take now: it waits, and says why."""
    done.replies.append(release_values(_row(d), done.outage))
    done.messages.append(message_update(d, "failed", done.outage))
    done.counts["waiting"] += 1


class Courier:
    """Sends batches of claimed replies over one SMTP session in a thread of its own:
    :meth:`put` a batch and go on; :meth:`take` what was delivered so far, to record it;
    :meth:`close` waits for the rest. Once the server could not take mail, later batches
    are not sent either (each reply waits for the next run)."""

    def __init__(self, settings: SmtpSettings, mail_from: str) -> None:
        self.mail_from = mail_from
        self._connection = Connection(settings)
        self._batches: queue.Queue[list[Due] | None] = queue.Queue()
        self._done: list[Delivered] = []
        self._lock = threading.Lock()
        self.outage: str | None = None
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._run, name="mrp-courier", daemon=True)
        self._thread.start()

    def put(self, due: list[Due]) -> None:
        if due:
            self._batches.put(due)

    def wait(self) -> None:
        """Until every batch put so far is delivered."""
        self._batches.join()

    def take(self) -> list[Delivered]:
        with self._lock:
            done, self._done = self._done, []
        return done

    def close(self) -> list[Delivered]:
        """Wait for every batch put, end the session, and give what was not taken yet."""
        if self._thread.is_alive():
            self._batches.put(None)
            self._thread.join()
        sys.setswitchinterval(self._interval)
        return self.take()

    def _run(self) -> None:
        try:
            while (due := self._batches.get()) is not None:
                try:
                    done = deliver(self._connection, due, self.mail_from, self.outage)
                except Exception as error:  # never lose the batch: it waits, saying why
                    log.exception("sending a batch of replies failed")
                    done = deliver(self._connection, due, self.mail_from,
                                   f"{type(error).__name__}: {error}")
                    done.outage = None  # the server itself was not found unable
                self.outage = self.outage or done.outage
                with self._lock:
                    self._done.append(done)
                self._batches.task_done()
            self._batches.task_done()
        finally:
            self._connection.close()
