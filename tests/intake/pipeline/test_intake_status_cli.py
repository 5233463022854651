"""``mrp intake status``: messages per state and the time of the last successful poll."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.intake.pipeline.conftest import corpus


def _status(runner) -> dict[str, str]:
    result = runner.invoke(args=["intake", "status"])
    assert result.exit_code == 0, result.output
    lines = {}
    for line in result.output.splitlines():
        if line.startswith("last successful poll:"):
            lines["last"] = line.partition(":")[2].strip()
        elif line.strip():
            state, _, count = line.rpartition(" ")
            lines[state.strip()] = count
    return lines


def test_counts_per_state_and_last_successful_poll(app, dst_plan, mailbox, poll, runner):
    before = _status(runner)
    assert before == {"received": "0", "accepted": "0", "rejected": "0", "quarantined": "0",
                      "ignored": "0", "last": "never"}

    for name in ("json-report.eml", "xlsx-template.eml", "auto-reply.eml", "bounce.eml",
                 "missing-headers.eml"):
        mailbox.append("INBOX", corpus(name))
    started = datetime.now(UTC)
    poll()
    finished = datetime.now(UTC)

    after = _status(runner)
    assert {k: v for k, v in after.items() if k != "last"} == {
        "received": "0", "accepted": "2", "rejected": "0", "quarantined": "1", "ignored": "2"}
    last = datetime.fromisoformat(after["last"])
    if last.tzinfo is None:  # SQLite keeps no zone; the service stores UTC
        last = last.replace(tzinfo=UTC)
    assert started <= last <= finished

    # a failed poll (the server unreachable) does not count as successful
    from tests.support.mailservers import free_port

    app.config["IMAP_PORT"] = free_port()
    result = runner.invoke(args=["intake", "poll", "--once"])
    assert result.exit_code == 1
    failed = runner.invoke(args=["intake", "status"])
    assert f"last successful poll: {after['last']}" in failed.output
    assert "last error:" in failed.output
