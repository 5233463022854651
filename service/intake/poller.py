"""The IMAP poller: fetch, store raw first, process, then move (DESIGN section 7).

For each mailbox: select the intake folder, look at every UID, and

1. move what is already final in the database (a crash after the commit and before the
   move left it behind), one ``UID MOVE`` per destination folder;
2. quarantine what is over the size limit without downloading it and move it (a search
   finds the large mails; only their sizes are asked);
3. fetch the rest with ``BODY.PEEK[]`` in batches (``batch_size`` UIDs and at most
   ``FETCH_BYTES`` per batch), and for each batch:

   a. store the raw bytes of every mail (keyed by mailbox, UIDVALIDITY and UID; the sha256
      recognises the same mail under a new UID) and commit, once;
   b. decide the stored messages in one transaction (``pipeline.decide``): parse them,
      in the pool of parse workers when there is one (``MRP_INTAKE_WORKERS``, see
      ``service.intake.pool``), then record all of them in
      one savepoint and one flush when their reports are on distinct plans and periods and
      nothing fails, else each in a savepoint of its own, so a message that fails is undone
      and quarantined alone; commit the batch's outcomes, once;
   c. move the batch's mails to Processed, Quarantine or Ignored, one ``UID MOVE`` per
      folder, only after their states are committed.

A database or network failure ends the run for that mailbox and leaves the mail where it is:
a batch whose outcomes were not committed is decided again on the next run from its stored
raw bytes, and a mail whose state was committed but which was not moved is moved then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from service.chunks import chunks
from service.clock import utcnow
from service.domain.locking import mailbox_lock
from service.domain.models import InboundMessage, IntakeRun
from service.extensions import db
from service.intake.imap import Mailbox
from service.intake.imap_connection import ImapSettings, MailboxError
from service.intake.lookups import run_cache
from service.intake.pipeline import (
    FINAL_STATES,
    FOLDER_OF_STATE,
    decide,
    log_outcome,
    sha256,
)
from service.intake.pool import Parsing, shared_pool
from service.intake.settings import IntakeOptions, mailbox_key
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


def _existing(key: str, uidvalidity: int, uids: list[int]) -> dict[int, InboundMessage]:
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
            seen[digest] = msg
        stored.append((uid, msg))
    try:
        _commit_keeping_loaded()
    except IntegrityError:  # another poller stored some of them first
        db.session.rollback()
        if len(fetched) == 1:
            uid = fetched[0][0]
            existing = _existing(key, uidvalidity, [uid]).get(uid)
            if existing is None:
                raise
            return [(uid, existing)]
        return [pair for one in fetched for pair in store_raws(key, uidvalidity, [one])]
    return stored


def _quarantine_oversized(key: str, uidvalidity: int, uid: int, size: int,
                          opts: IntakeOptions) -> InboundMessage:
    msg = InboundMessage(
        mailbox=key, uidvalidity=uidvalidity, uid=uid, size=size, state="quarantined",
        reason="too_large", processed_at=utcnow(), attempts=1,
        detail=f"Mailen er {size} bytes; grænsen er {opts.max_message_bytes}. "
               "Den er ikke hentet; den ligger i karantænemappen.",
    )
    db.session.add(msg)
    log.info("message uid %s in %s: quarantined (too_large, %d bytes)", uid, key, size)
    return msg


#: a fetch asks for at most this many bytes at once (however many UIDs a batch may hold), so
#: a run of large mails never sits in memory together; a larger mail is fetched alone
FETCH_BYTES = 32 * 1024 * 1024


def _large_sizes(mailbox: Mailbox, uids: list[int], settings: ImapSettings,
                 opts: IntakeOptions) -> tuple[dict[int, int], int]:
    """The sizes that matter, and what any other mail is at most: one search finds the mails
    over the size limit or over a batch's even share of ``FETCH_BYTES``, and only their sizes
    are asked (a FETCH per message); every other mail is within the share."""
    share = max(FETCH_BYTES // settings.batch_size, 1)
    present = set(uids)
    large = {uid for uid in mailbox.larger(min(share, opts.max_message_bytes))
             if uid in present}
    return mailbox.sizes(sorted(large)) if large else {}, share


def _batches(uids: list[int], sizes: dict[int, int], share: int,
             most: int) -> Iterator[list[int]]:
    """The UIDs in batches of at most ``most`` UIDs and ``FETCH_BYTES`` (a mail without a
    size counts as ``share``): one FETCH each."""
    chunk: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, share)
        if chunk and (total + size > FETCH_BYTES or len(chunk) >= most):
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


@dataclass
class _Decided:
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
                  keep: list[InboundMessage] | None = None) -> list[_Decided]:
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
    decided = [_Decided(uid, msg.id, msg.state) for uid, msg in batch.mails]
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
    just stored: they are not read again one by one)."""
    session = db.session()
    session.commit()
    if not session.expire_on_commit:
        kept = {id(msg) for msg in keep}
        for obj in list(session.identity_map.values()):
            if id(obj) not in kept:
                session.expire(obj)


def _move(mailbox: Mailbox, settings: ImapSettings, decided: list[_Decided]) -> None:
    """Move the mails to their states' folders, one command per folder, and record which
    were moved (the flag only informs: a mail found final in the intake folder is moved
    whatever it says)."""
    by_folder: dict[str, list[_Decided]] = {}
    for one in decided:
        by_folder.setdefault(_folder(settings, one.state), []).append(one)
    moved: list[int] = []
    try:
        for folder, mails in by_folder.items():
            mailbox.move_many([one.uid for one in mails], folder)
            moved.extend(one.msg_id for one in mails)
    finally:
        _mark_moved(moved)


def poll_mailbox(settings: ImapSettings, opts: IntakeOptions,
                 courier: Courier | None = None) -> PollResult:
    """One run over the mailbox's intake folder. With a ``courier``, the receipts due are
    stored with each batch's outcomes and handed to it to send while the next batch is
    taken in; else they are left to ``send_pending`` (``result.references``)."""
    key = mailbox_key(settings)
    result = PollResult(mailbox=key)
    try:
        with mailbox_lock(key) as held:
            if not held:
                log.info("mailbox %s is being polled by another process; skipped", key)
                result.skipped = True
                return result
            _run(settings, opts, key, result, courier)
    except SQLAlchemyError as error:  # the database is unavailable: nothing is moved
        db.session.rollback()
        result.ok, result.error = False, f"database unavailable: {_first_line(error)}"
        log.error("mailbox %s: %s; the mail stays for the next run", key, result.error)
    return result


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    text = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {text}"[:300]


def _run(settings: ImapSettings, opts: IntakeOptions, key: str, result: PollResult,
         courier: Courier | None) -> None:
    run = IntakeRun(mailbox=key)
    db.session.add(run)
    db.session.commit()
    try:
        with run_cache():
            _poll(settings, opts, key, result, courier)
    except (MailboxError, OSError) as error:
        db.session.rollback()
        result.ok, result.error = False, f"{type(error).__name__}: {error}"
        log.warning("mailbox %s: %s; the mail stays for the next run", key, result.error)
    except SQLAlchemyError as error:
        db.session.rollback()
        result.ok, result.error = False, f"database error: {_first_line(error)}"
        log.error("mailbox %s: %s; the mail stays for the next run", key, result.error)
    except Exception as error:
        db.session.rollback()
        result.ok, result.error = False, f"{type(error).__name__}: {error}"
        log.exception("mailbox %s: run failed; the mail stays for the next run", key)
    try:
        run = db.session.merge(run)
        run.finished_at = utcnow()
        run.ok, run.fetched, run.error = result.ok, result.fetched, result.error
        db.session.commit()
    except SQLAlchemyError:  # the database itself may be what failed
        db.session.rollback()
        log.error("could not record the run of %s", key)


def _poll(settings: ImapSettings, opts: IntakeOptions, key: str, result: PollResult,
          courier: Courier | None) -> None:
    with Mailbox(settings) as mailbox:
        mailbox.ensure_folders()
        uidvalidity = mailbox.select()
        uids = mailbox.uids()
        if not uids:
            return
        sizes, share = _large_sizes(mailbox, uids, settings, opts)
        known = _existing(key, uidvalidity, uids)
        left: list[_Decided] = []  # committed before, not yet moved
        oversized: list[InboundMessage] = []
        to_fetch: list[int] = []
        for uid in uids:
            msg = known.get(uid)
            if msg is not None and msg.state in FINAL_STATES:
                left.append(_Decided(uid, msg.id, msg.state))
            elif msg is None and sizes.get(uid, 0) > opts.max_message_bytes:
                oversized.append(_quarantine_oversized(key, uidvalidity, uid, sizes[uid], opts))
            else:
                to_fetch.append(uid)
        if oversized:
            db.session.commit()
            left.extend(_Decided(int(m.uid or 0), m.id, m.state) for m in oversized)
            result.states["quarantined"] = result.states.get("quarantined", 0) + len(oversized)
        _move(mailbox, settings, left)
        _take_batches(mailbox, settings, opts, key, uidvalidity,
                      _batches(to_fetch, sizes, share, settings.batch_size), result, courier)


def _take_batches(mailbox: Mailbox, settings: ImapSettings, opts: IntakeOptions, key: str,
                  uidvalidity: int, batches: Iterator[list[int]], result: PollResult,
                  courier: Courier | None) -> None:
    """Fetch, store, parse, decide and move the batches, the next one fetched, stored and
    handed to the parse workers before the one before is decided: the workers parse it
    while this process records the other. What the session holds is expired by hand
    (``_commit_outcomes``), so the next batch's messages are not read again."""
    ahead: _Stored | None = None
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        for uids in batches:
            stored = store_raws(key, uidvalidity, list(mailbox.fetch(uids)))
            if not stored:
                continue
            result.fetched += len(stored)
            if ahead is not None and ahead.parsing is not None:
                ahead.parsing.wait()  # done first: one batch in the workers at a time
            batch = _stored(stored, opts)
            if ahead is not None:
                _settle_batch(mailbox, settings, opts, ahead, result, courier, batch.pending)
            ahead = batch
            _record_delivered(courier)
        if ahead is not None:
            _settle_batch(mailbox, settings, opts, ahead, result, courier, [])
    except BaseException:
        if ahead is not None and ahead.parsing is not None:
            ahead.parsing.cancel()
        raise
    finally:
        session.expire_on_commit = before
        session.expire_all()


def _settle_batch(mailbox: Mailbox, settings: ImapSettings, opts: IntakeOptions,
                  batch: _Stored, result: PollResult, courier: Courier | None,
                  keep: list[InboundMessage]) -> None:
    decided = _decide_batch(batch, opts, result, courier, keep)
    for one in decided:
        result.states[one.state] = result.states.get(one.state, 0) + 1
    _move(mailbox, settings, decided)


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
