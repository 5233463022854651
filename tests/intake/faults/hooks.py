"""``mrp intake poll --once`` with a fault injected, for the fault tests (never imported by
the service). The poller works in batches (``MRP_IMAP_BATCH_SIZE``): it stores a batch's raw
mails and commits, records each message's outcome, commits the batch's outcomes, then moves
the batch with one ``move_many`` per destination folder::

    python -m tests.intake.faults.hooks kill-before-move 1     # SIGKILL before the 2nd
                                                               #     move_many
    python -m tests.intake.faults.hooks kill-after-move 1      # ... after the 2nd move_many,
                                                               #     before it is recorded
    python -m tests.intake.faults.hooks kill-before-process 7  # ... as the 8th message's
                                                               #     state is written
    python -m tests.intake.faults.hooks kill-before-commit 1   # ... before the 2nd commit of
                                                               #     a batch's outcomes
    python -m tests.intake.faults.hooks slow-move 0.05         # every move waits first, this
                                                               #     long per mail moved

The process kills itself with SIGKILL: no ``finally``, no rollback, no logout. The receipts
a run sends while it goes on (``service.mail.delivery.Courier``) are sent and recorded here
as each batch is handed over, so that a kill never strikes while a receipt is on its way
(that window is the outbox's, tested with it).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any


def _die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(mode: str, value: str) -> None:
    from service.intake import batches, imap, pipeline
    from service.mail.delivery import Courier
    from service.mail.outbox import record_delivered

    real_put = Courier.put

    def put(self: Courier, due: Any) -> None:
        real_put(self, due)
        self.wait()
        record_delivered(self.take())

    Courier.put = put  # type: ignore[method-assign]
    calls = {"n": 0}
    real_move = imap.Mailbox.move_many
    real_settle = pipeline._settle
    real_commit = batches._commit_outcomes

    if mode == "kill-before-move":
        def move_many(self: Any, uids: Any, folder: str) -> None:
            if calls["n"] >= int(value):
                _die()
            calls["n"] += 1
            real_move(self, uids, folder)

        imap.Mailbox.move_many = move_many  # type: ignore[method-assign]
    elif mode == "kill-after-move":
        def move_many(self: Any, uids: Any, folder: str) -> None:
            real_move(self, uids, folder)
            calls["n"] += 1
            if calls["n"] > int(value):
                _die()

        imap.Mailbox.move_many = move_many  # type: ignore[method-assign]
    elif mode == "kill-before-process":
        def settle(*args: Any, **kwargs: Any) -> Any:
            if calls["n"] >= int(value):
                _die()
            calls["n"] += 1
            return real_settle(*args, **kwargs)

        pipeline._settle = settle
    elif mode == "kill-before-commit":
        def commit(*args: Any) -> None:
            if calls["n"] >= int(value):
                _die()
            calls["n"] += 1
            real_commit(*args)

        batches._commit_outcomes = commit
    elif mode == "slow-move":
        def move_many(self: Any, uids: Any, folder: str) -> None:
            uids = list(uids)
            time.sleep(float(value) * len(uids))
            real_move(self, uids, folder)

        imap.Mailbox.move_many = move_many  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown fault {mode!r}")


def main() -> None:
    mode, value = sys.argv[1], sys.argv[2]
    install(mode, value)
    from service.cli import main as mrp

    sys.argv = ["mrp", "intake", "poll", "--once"]
    mrp()


if __name__ == "__main__":
    main()
