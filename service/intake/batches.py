"""A poll's batches, from the raw mails fetched to the mails moved (see ``poller``).

Each batch's raw mails are stored and committed first (``store_raws``), then handed to the
parse workers, and only then is the batch before it decided, its outcomes (and the receipts
due) committed, and its mails moved: the workers read one batch while the poller records
the other, one batch in the workers at a time; meanwhile the batch after that is fetched,
in a thread of its own on the same IMAP connection, which the move waits for. The commit of
a batch's outcomes keeps the next batch's messages loaded (``_commit_outcomes``), so they
are not read again. The receipts of each batch go to the run's
:class:`~service.mail.delivery.Courier`, which sends them while the poll goes on; what it
delivered is recorded between batches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from service.chunks import chunks
from service.domain.common import write_lock
from service.domain.ids import give_ids
from service.domain.models import InboundMessage
from service.extensions import db
from service.intake.imap import Mailbox
from service.intake.imap_connection import ImapSettings, MailboxError
from service.intake.pipeline import FINAL_STATES, FOLDER_OF_STATE, decide, log_outcome, sha256
from service.intake.pool import Parsing, shared_pool
from service.intake.settings import IntakeOptions
from service.mail.delivery import Courier
from service.mail.outbox import queue_decided, record_delivered

log = logging.getLogger("mrp.intake")


@dataclass
class PollResult:
    mailbox: str
    ok: bool = True
    skipped: bool = False
    fetched: int = 0
    states: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    #: message id → the References of a mail decided in this run that is due a receipt,
    #: as its mail said them (they are not stored: the receipt is written from them)
    references: dict[int, str] = field(default_factory=dict, repr=False)


def _folder(settings: ImapSettings, state: str) -> str:
    return getattr(settings, FOLDER_OF_STATE[state])

def existing(key: str, uidvalidity: int, uids: list[int]) -> dict[int, InboundMessage]:
    """The messages stored for these UIDs of the mailbox under ``uidvalidity``."""
    found: dict[int, InboundMessage] = {}
    for chunk in chunks(uids, 500):
        for msg in db.session.scalars(
            select(InboundMessage).where(
                InboundMessage.mailbox == key,
                InboundMessage.uidvalidity == uidvalidity,
                InboundMessage.uid.in_(chunk),
            )
        ):
            found[int(msg.uid or 0)] = msg
    return found


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds. Only for the raw store: the objects
    it holds then are the messages just written (every column set here or by a Python-side
    default) and what the previous batch's commit already expired, so nothing read
    afterwards can be stale, and the messages are not read back column by column."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def store_raws(key: str, uidvalidity: int,
               fetched: list[tuple[int, bytes]]) -> list[tuple[int, InboundMessage]]:
    """Keep a fetched batch of raw mails before anything else, in one commit:
    ``[(uid, message)]`` in the order given. The same bytes seen before in this mailbox (a
    new UIDVALIDITY, a crash before the move, the same mail twice in the batch) reuse their
    row, moved to the new UID, so a report is never counted twice."""
    if not fetched:
        return []
    write_lock()  # on SQLite: the new rows' ids are given after the highest (give_ids)
    digests = [sha256(raw) for _uid, raw in fetched]
    seen: dict[str, InboundMessage] = {}
    wanted = sorted(set(digests))
    for chunk in chunks(wanted, 500):
        for msg in db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.mailbox == key, InboundMessage.sha256.in_(chunk))
            .order_by(InboundMessage.id)
        ):
            seen.setdefault(str(msg.sha256), msg)
    stored: list[tuple[int, InboundMessage]] = []
    added: list[InboundMessage] = []
    for (uid, raw), digest in zip(fetched, digests, strict=True):
        msg = seen.get(digest)
        if msg is not None:
            msg.uidvalidity, msg.uid = uidvalidity, uid
        else:
            msg = InboundMessage(
                mailbox=key, uidvalidity=uidvalidity, uid=uid, sha256=digest, size=len(raw),
                raw=raw, state="received",
            )
            db.session.add(msg)
            added.append(msg)
            seen[digest] = msg
        stored.append((uid, msg))
    give_ids(added)  # one INSERT for the batch on SQLite too
    try:
        _commit_keeping_loaded()
    except IntegrityError:  # another poller stored some of them first
        db.session.rollback()
        if len(fetched) == 1:
            uid = fetched[0][0]
            found = existing(key, uidvalidity, [uid]).get(uid)
            if found is None:
                raise
            return [(uid, found)]
        return [pair for one in fetched for pair in store_raws(key, uidvalidity, [one])]
    return stored

@dataclass
class Decided:
    """A mail of the batch and the state its message was committed in."""

    uid: int
    msg_id: int
    state: str


@dataclass
class _Stored:
    """A fetched batch, stored: its mails and messages, those to decide, and their parsing
    in the pool (None: parsed when decided, in this process)."""

    mails: list[tuple[int, InboundMessage]]
    pending: list[InboundMessage]
    parsing: Parsing | None = None


def _stored(mails: list[tuple[int, InboundMessage]], opts: IntakeOptions) -> _Stored:
    """The batch's messages not yet final (a mail twice in the batch: one row), handed to
    the parse workers at once when there are any."""
    pending: dict[int, InboundMessage] = {}
    for _uid, msg in mails:
        if msg.state not in FINAL_STATES:
            pending.setdefault(msg.id, msg)
    batch = _Stored(mails, list(pending.values()))
    pool = shared_pool(opts.workers)
    if pool is not None and batch.pending:
        batch.parsing = pool.start([msg.raw or b"" for msg in batch.pending],
                                   opts.parse_settings)
    return batch


def _decide_batch(batch: _Stored, opts: IntakeOptions, result: PollResult,
                  courier: Courier | None = None,
                  keep: list[InboundMessage] | None = None) -> list[Decided]:
    """Decide every stored message not yet final (``pipeline.decide``) and commit the
    batch's outcomes once, with the receipts due when a ``courier`` is to send them (else
    the References of those due a receipt go into ``result``), which it is then handed.
    ``keep``: the next batch's messages, stored and being parsed, which the commit does not
    expire. When the database is unavailable the error is raised and the caller rolls the
    whole batch's outcomes back."""
    msgs = batch.pending
    decisions = []
    if msgs:
        decisions = decide(msgs, opts, shared_pool(opts.workers),
                           batch.parsing.results() if batch.parsing is not None else None)
    # read before the commit expires them (else each is a query afterwards)
    said = [(msg.id, msg.sender, msg.subject, decision.outcome)
            for msg, decision in zip(msgs, decisions, strict=True)]
    references = {msg.id: " ".join(decision.facts.references)
                  for msg, decision in zip(msgs, decisions, strict=True)
                  if msg.receipt_state == "pending"}
    due = queue_decided([m for m in msgs if m.id in references], opts, references) \
        if courier is not None and references else []
    decided = [Decided(uid, msg.id, msg.state) for uid, msg in batch.mails]
    _commit_outcomes(keep or [])
    if due:
        courier.put(due)  # type: ignore[union-attr]
    else:
        result.references.update(references)
    for line in said:
        log_outcome(*line)
    return decided


def _commit_outcomes(keep: list[InboundMessage]) -> None:
    """Commit, and expire what the session holds but ``keep`` (whose columns are what was
    just stored: they are not read again one by one). Everything is expired at once, without
    following each object's relationships (``Session.expire`` would, for each of the few
    thousand objects a batch leaves), and the kept messages' columns are put back as they
    were committed."""
    session = db.session()
    session.commit()
    if not session.expire_on_commit:
        columns = [attr.key for attr in inspect(InboundMessage).column_attrs]
        kept = [(msg, {key: msg.__dict__[key] for key in columns if key in msg.__dict__})
                for msg in keep]
        session.expire_all()
        for msg, values in kept:
            for key, value in values.items():
                set_committed_value(msg, key, value)


def move(mailbox: Mailbox, settings: ImapSettings, decided: list[Decided]) -> None:
    """Move the mails to their states' folders, one command per folder, and record which
    were moved (the flag only informs: a mail found final in the intake folder is moved
    whatever it says)."""
    by_folder: dict[str, list[Decided]] = {}
    for one in decided:
        by_folder.setdefault(_folder(settings, one.state), []).append(one)
    moved: list[int] = []
    try:
        for folder, mails in by_folder.items():
            mailbox.move_many([one.uid for one in mails], folder)
            moved.extend(one.msg_id for one in mails)
    finally:
        _mark_moved(moved)


def _fetch_next(fetcher: ThreadPoolExecutor, mailbox: Mailbox,
                batches: Iterator[list[int]]) -> Future[list[tuple[int, bytes]]] | None:
    """The next batch's mails, fetched in the fetcher's thread; None when none is left. A
    batch of one mail is fetched in this thread: a large mail goes alone
    (``poller._batches``), and read in another thread (another of the C library's memory
    arenas) its bytes cost the process more: 10.5 times a 20 MB attachment at the peak
    against 9.1 (``bench/intake.py``), and one mail has little to overlap."""
    uids = next(batches, None)
    if uids is None:
        return None
    if len(uids) > 1:
        return fetcher.submit(lambda: list(mailbox.fetch(uids)))
    done: Future[list[tuple[int, bytes]]] = Future()
    try:
        done.set_result(list(mailbox.fetch(uids)))
    except Exception as error:  # raised where the batch's mails are taken, as from a thread
        done.set_exception(error)
    return done


def take_batches(mailbox: Mailbox, settings: ImapSettings, opts: IntakeOptions, key: str,
                 uidvalidity: int, batches: Iterator[list[int]], result: PollResult,
                 courier: Courier | None) -> None:
    """Fetch, store, parse, decide and move the batches, so that the poller seldom waits:
    while a batch is decided, the parse workers read the one after it, and the IMAP server
    sends the one after that (fetched in a thread of its own on the same connection, which
    the move of the decided batch waits for). What the session holds is expired by hand
    (``_commit_outcomes``), so the next batch's messages are not read again."""
    ahead: _Stored | None = None
    batch: _Stored | None = None
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    fetcher = ThreadPoolExecutor(1, thread_name_prefix="mrp-imap-fetch")
    coming: Future[list[tuple[int, bytes]]] | None = None
    try:
        coming = _fetch_next(fetcher, mailbox, batches)
        while coming is not None:
            # what the fetch raised, raised here; the raw mails held by the stored rows alone
            stored = store_raws(key, uidvalidity, coming.result())
            coming = None
            if not stored:
                coming = _fetch_next(fetcher, mailbox, batches)
                continue
            result.fetched += len(stored)
            if ahead is not None and ahead.parsing is not None:
                ahead.parsing.wait()  # done first: one batch in the workers at a time
            batch = _stored(stored, opts)
            coming = _fetch_next(fetcher, mailbox, batches)
            if ahead is not None:
                _settle_batch(mailbox, settings, opts, ahead, result, courier, batch.pending,
                              coming)
            ahead = batch
            _record_delivered(courier)
        if ahead is not None:
            _settle_batch(mailbox, settings, opts, ahead, result, courier, [])
    except BaseException:  # the run ends: what the workers still parse is given up
        for one in (ahead, batch):
            if one is not None and one.parsing is not None:
                one.parsing.cancel()
        raise
    finally:
        if coming is not None:  # the connection is left as the fetch leaves it
            wait([coming])
        fetcher.shutdown()
        session.expire_on_commit = before
        session.expire_all()


def _settle_batch(mailbox: Mailbox, settings: ImapSettings, opts: IntakeOptions,
                  batch: _Stored, result: PollResult, courier: Courier | None,
                  keep: list[InboundMessage],
                  fetching: Future[list[tuple[int, bytes]]] | None = None) -> None:
    """Decide a batch and move its mails; ``fetching``: the next batch's fetch on the same
    connection, which the move waits for (its outcome is its caller's to take; when the
    move fails after the fetch failed, what the fetch raised is the cause, and raised)."""
    decided = _decide_batch(batch, opts, result, courier, keep)
    for one in decided:
        result.states[one.state] = result.states.get(one.state, 0) + 1
    failed = None
    if fetching is not None:
        wait([fetching])
        failed = fetching.exception()
    try:
        move(mailbox, settings, decided)
    except MailboxError:
        if failed is not None:
            raise failed from None
        raise


def _record_delivered(courier: Courier | None) -> None:
    """Record what the courier has delivered so far (one commit for all of it)."""
    if courier is not None:
        record_delivered(courier.take())


def _mark_moved(ids: list[int]) -> None:
    if not ids:
        return
    try:
        db.session.execute(
            update(InboundMessage).where(InboundMessage.id.in_(ids)).values(moved=True)
        )
        db.session.commit()
    except SQLAlchemyError:  # the run is failing anyway; the flag only informs
        db.session.rollback()

