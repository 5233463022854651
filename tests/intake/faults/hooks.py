"""``mrp intake poll --once`` with a fault injected, for the fault tests (never imported by
the service)::

    python -m tests.intake.faults.hooks kill-before-move 3     # SIGKILL before the 4th move
    python -m tests.intake.faults.hooks kill-after-move 3      # ... after the 4th move,
                                                               #     before it is recorded
    python -m tests.intake.faults.hooks kill-before-process 3  # ... with the 4th mail stored
                                                               #     but not yet processed
    python -m tests.intake.faults.hooks slow-move 0.05         # every move waits first

The process kills itself with SIGKILL: no ``finally``, no rollback, no logout.
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
    from service.intake import imap, poller

    calls = {"n": 0}
    real_move = imap.Mailbox.move
    real_process = poller.process

    if mode == "kill-before-move":
        def move(self: Any, uid: int, folder: str) -> None:
            if calls["n"] >= int(value):
                _die()
            calls["n"] += 1
            real_move(self, uid, folder)

        imap.Mailbox.move = move  # type: ignore[method-assign]
    elif mode == "kill-after-move":
        def move(self: Any, uid: int, folder: str) -> None:
            real_move(self, uid, folder)
            calls["n"] += 1
            if calls["n"] > int(value):
                _die()

        imap.Mailbox.move = move  # type: ignore[method-assign]
    elif mode == "kill-before-process":
        def process(msg: Any, opts: Any) -> Any:
            if calls["n"] >= int(value):
                _die()
            calls["n"] += 1
            return real_process(msg, opts)

        poller.process = process
    elif mode == "slow-move":
        def move(self: Any, uid: int, folder: str) -> None:
            time.sleep(float(value))
            real_move(self, uid, folder)

        imap.Mailbox.move = move  # type: ignore[method-assign]
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
