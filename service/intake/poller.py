"""The IMAP poller: fetch, store raw first, process, then move (DESIGN section 7).

For each mailbox: select the intake folder, look at every UID, and

1. skip what is already final in the database (a crash after commit and before the move
   left it behind): move it now;
2. quarantine what is over the size limit without downloading it (its headers are kept);
3. fetch the rest with ``BODY.PEEK[]`` in batches, store the raw bytes (keyed by mailbox,
   UIDVALIDITY and UID; the sha256 recognises the same mail under a new UID) and commit;
4. process each stored message in its own transaction (``pipeline.process``);
5. move it to Processed, Quarantine or Ignored only after its state is committed.

A database or network failure ends the run for that mailbox and leaves the mail where it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from service.domain.models import InboundMessage, IntakeRun
from service.domain.models._types import utcnow
from service.extensions import db
from service.intake.imap import ImapSettings, Mailbox, MailboxError
from service.intake.locking import mailbox_lock
from service.intake.pipeline import FINAL_STATES, FOLDER_OF_STATE, process, run_cache, sha256
from service.intake.settings import IntakeOptions, mailbox_key

log = logging.getLogger("mrp.intake")


@dataclass
class PollResult:
    mailbox: str
    ok: bool = True
    skipped: bool = False
    fetched: int = 0
    states: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def _folder(settings: ImapSettings, state: str) -> str:
    return getattr(settings, FOLDER_OF_STATE[state])


def _existing(key: str, uidvalidity: int, uids: list[int]) -> dict[int, InboundMessage]:
    found: dict[int, InboundMessage] = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start:start + 500]
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
    it holds then are the message just written (every column set here or by a Python-side
    default) and what the previous message's commit already expired, so nothing read
    afterwards can be stale, and the message is not read back column by column."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def store_raw(key: str, uidvalidity: int, uid: int, raw: bytes) -> InboundMessage:
    """Keep the raw mail before anything else (committed). The same bytes seen before in this
    mailbox (a new UIDVALIDITY, a crash before the move) reuse their row, moved to the new
    UID, so a report is never counted twice."""
    digest = sha256(raw)
    same = db.session.scalar(
        select(InboundMessage)
        .where(InboundMessage.mailbox == key, InboundMessage.sha256 == digest)
        .order_by(InboundMessage.id)
        .limit(1)
    )
    if same is not None:
        same.uidvalidity, same.uid = uidvalidity, uid
        _commit_keeping_loaded()
        return same
    msg = InboundMessage(
        mailbox=key, uidvalidity=uidvalidity, uid=uid, sha256=digest, size=len(raw), raw=raw,
        state="received",
    )
    db.session.add(msg)
    try:
        _commit_keeping_loaded()
    except IntegrityError:  # another poller stored it first
        db.session.rollback()
        existing = _existing(key, uidvalidity, [uid]).get(uid)
        if existing is None:
            raise
        return existing
    return msg


def _quarantine_oversized(key: str, uidvalidity: int, uid: int, size: int,
                          opts: IntakeOptions) -> InboundMessage:
    msg = InboundMessage(
        mailbox=key, uidvalidity=uidvalidity, uid=uid, size=size, state="quarantined",
        reason="too_large", processed_at=utcnow(), attempts=1,
        detail=f"Mailen er {size} bytes; grænsen er {opts.max_message_bytes}. "
               "Den er ikke hentet; den ligger i karantænemappen.",
    )
    db.session.add(msg)
    db.session.commit()
    log.info("message uid %s in %s: quarantined (too_large, %d bytes)", uid, key, size)
    return msg


#: a fetch asks for at most this many bytes at once (however many UIDs a batch may hold), so
#: a run of large mails never sits in memory together; a larger mail is fetched alone
FETCH_BYTES = 32 * 1024 * 1024


def _by_bytes(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if chunk and total + size > FETCH_BYTES:
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


def _move(mailbox: Mailbox, settings: ImapSettings, msg: InboundMessage) -> None:
    mailbox.move(int(msg.uid or 0), _folder(settings, msg.state))
    msg.moved = True
    db.session.commit()


def poll_mailbox(settings: ImapSettings, opts: IntakeOptions) -> PollResult:
    key = mailbox_key(settings)
    result = PollResult(mailbox=key)
    try:
        with mailbox_lock(key) as held:
            if not held:
                log.info("mailbox %s is being polled by another process; skipped", key)
                result.skipped = True
                return result
            _run(settings, opts, key, result)
    except SQLAlchemyError as error:  # the database is unavailable: nothing is moved
        db.session.rollback()
        result.ok, result.error = False, f"database unavailable: {_first_line(error)}"
        log.error("mailbox %s: %s; the mail stays for the next run", key, result.error)
    return result


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    text = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {text}"[:300]


def _run(settings: ImapSettings, opts: IntakeOptions, key: str, result: PollResult) -> None:
    run = IntakeRun(mailbox=key)
    db.session.add(run)
    db.session.commit()
    try:
        with run_cache():
            _poll(settings, opts, key, result)
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


def _poll(settings: ImapSettings, opts: IntakeOptions, key: str, result: PollResult) -> None:
    with Mailbox(settings) as mailbox:
        mailbox.ensure_folders()
        uidvalidity = mailbox.select()
        uids = mailbox.uids()
        if not uids:
            return
        sizes = mailbox.sizes(uids)
        known = _existing(key, uidvalidity, uids)
        to_fetch: list[int] = []
        for uid in uids:
            msg = known.get(uid)
            if msg is not None and msg.state in FINAL_STATES:
                _move(mailbox, settings, msg)  # committed before, not yet moved
                continue
            if msg is None and sizes.get(uid, 0) > opts.max_message_bytes:
                msg = _quarantine_oversized(key, uidvalidity, uid, sizes[uid], opts)
                _move(mailbox, settings, msg)
                result.states["quarantined"] = result.states.get("quarantined", 0) + 1
                continue
            to_fetch.append(uid)
        moved: list[int] = []  # ids moved out, recorded together (``moved`` is informative)
        try:
            for uid, raw in (item for chunk in _by_bytes(to_fetch, sizes)
                             for item in mailbox.fetch(chunk)):
                result.fetched += 1
                msg = store_raw(key, uidvalidity, uid, raw)
                msg_id, state = msg.id, msg.state
                if state not in FINAL_STATES:
                    state = process(msg, opts).state
                result.states[state] = result.states.get(state, 0) + 1
                mailbox.move(uid, _folder(settings, state))
                moved.append(msg_id)
                if len(moved) >= 100:
                    _mark_moved(moved)
        finally:
            _mark_moved(moved)


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
    ids.clear()
