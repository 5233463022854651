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
      ``service.intake.pool``), then record all of them in one savepoint and one flush
      when nothing fails, else each in a savepoint of its own, so a message that fails is
      undone and quarantined alone; commit the batch's outcomes, once, with the receipts
      due;
   c. move the batch's mails to Processed, Quarantine or Ignored, one ``UID MOVE`` per
      folder, only after their states are committed.

   The batches overlap (``service.intake.batches``): the next batch is stored (a) and
   handed to the parse workers before the one before it is decided (b, c).

A database or network failure ends the run for that mailbox and leaves the mail where it is:
a batch whose outcomes were not committed is decided again on the next run from its stored
raw bytes, and a mail whose state was committed but which was not moved is moved then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from sqlalchemy.exc import SQLAlchemyError

from service.clock import utcnow
from service.domain.locking import mailbox_lock
from service.domain.models import InboundMessage, IntakeRun
from service.extensions import db
from service.intake.batches import Decided, PollResult, existing, move, take_batches
from service.intake.imap import Mailbox
from service.intake.imap_connection import ImapSettings, MailboxError
from service.intake.lookups import run_cache
from service.intake.pipeline import FINAL_STATES
from service.intake.settings import IntakeOptions, mailbox_key
from service.mail.delivery import Courier

log = logging.getLogger("mrp.intake")



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
    size counts as ``share``): one FETCH each. The first batches and the last are smaller
    (:func:`_batch_size`)."""
    chunk: list[int] = []
    total = 0
    made = 0
    wanted = _batch_size(made, len(uids), most)
    for index, uid in enumerate(uids):
        size = sizes.get(uid, share)
        if chunk and (total + size > FETCH_BYTES or len(chunk) >= wanted):
            yield chunk
            made += 1
            chunk, total = [], 0
            wanted = _batch_size(made, len(uids) - index, most)
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


#: the fewest mails the first and the last batches are cut down to (:func:`_batch_size`):
#: a smaller batch would cost its round trips more than it saves
RAMP_LEAST = 10


def _batch_size(made: int, left: int, most: int) -> int:
    """How many of the ``left`` mails the next batch is to hold, ``made`` batches into the
    run: a quarter of ``most`` first, then half, then ``most``, and toward the end half of
    what is left, down to a quarter again (never fewer than :data:`RAMP_LEAST`: a ``most``
    under four times that is never cut). The batches go through a pipeline
    (``batches.take_batches``): nothing is decided before the first batch is parsed, and
    nothing is done after the last but sending its receipts; smaller batches there fill
    the pipeline sooner and drain it sooner."""
    small = most // 4 if most // 4 >= RAMP_LEAST else most
    if made < 2:
        size = small if made == 0 else max(most // 2, small)
    else:
        size = min(most, max(small, left // 2))
    return left if left - size < small and left <= most else size


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
        known = existing(key, uidvalidity, uids)
        left: list[Decided] = []  # committed before, not yet moved
        oversized: list[InboundMessage] = []
        to_fetch: list[int] = []
        for uid in uids:
            msg = known.get(uid)
            if msg is not None and msg.state in FINAL_STATES:
                left.append(Decided(uid, msg.id, msg.state))
            elif msg is None and sizes.get(uid, 0) > opts.max_message_bytes:
                oversized.append(_quarantine_oversized(key, uidvalidity, uid, sizes[uid], opts))
            else:
                to_fetch.append(uid)
        if oversized:
            db.session.commit()
            left.extend(Decided(int(m.uid or 0), m.id, m.state) for m in oversized)
            result.states["quarantined"] = result.states.get("quarantined", 0) + len(oversized)
        move(mailbox, settings, left)
        take_batches(mailbox, settings, opts, key, uidvalidity,
                      _batches(to_fetch, sizes, share, settings.batch_size), result, courier)


