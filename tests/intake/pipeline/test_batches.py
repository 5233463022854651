"""How the poller cuts the intake folder into batches: at most ``batch_size`` mails and
``FETCH_BYTES`` per FETCH, the first and the last smaller, with only the large mails' sizes
asked of the server."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.intake.poller import FETCH_BYTES, RAMP_LEAST, _batches

SHARE = FETCH_BYTES // 4


def test_at_most_so_many_mails_per_batch():
    assert list(_batches(list(range(1, 11)), {}, 1, 4)) == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_the_first_batches_and_the_last_are_smaller():
    """1,000 mails in batches of 100: a quarter and a half of 100 first, so the first batch
    is parsed sooner; then the last 225 halved, so less is left when the last is decided;
    never a batch of fewer than ``RAMP_LEAST``."""
    sizes = [len(b) for b in _batches(list(range(1000)), {}, 1, 100)]
    assert sizes == [25, 50, *[100] * 8, 62, 31, 32]
    assert [len(b) for b in _batches(list(range(80)), {}, 1, 100)] == [25, 55]
    assert [len(b) for b in _batches(list(range(30)), {}, 1, 100)] == [30]


def test_batches_under_four_times_the_least_are_never_cut():
    assert [len(b) for b in _batches(list(range(100)), {}, 1, 39)] == [39, 39, 22]


@given(count=st.integers(0, 3000), most=st.integers(1, 600))
def test_every_mail_in_one_batch_of_at_most_so_many(count, most):
    uids = list(range(count))
    batches = list(_batches(uids, {}, 1, most))
    assert [uid for batch in batches for uid in batch] == uids
    assert all(0 < len(batch) <= most for batch in batches)
    assert all(len(batch) >= min(RAMP_LEAST, most) for batch in batches[:-1])


def test_mails_without_a_size_count_as_the_share():
    """Four mails within the share fill a batch's bytes whatever the count allows."""
    assert list(_batches(list(range(1, 7)), {}, SHARE, 100)) == [[1, 2, 3, 4], [5, 6]]


def test_large_mails_count_as_their_size_and_a_larger_one_goes_alone():
    sizes = {2: FETCH_BYTES // 2, 4: FETCH_BYTES * 3}
    assert list(_batches([1, 2, 3, 4, 5], sizes, 1_000, 100)) == [[1, 2, 3], [4], [5]]


def test_only_the_large_mails_sizes_are_asked(dst_plan, mailbox, poll, monkeypatch, app):
    """A poll asks the server for the sizes of the mails over a batch's share of
    ``FETCH_BYTES`` (here, 1,000 mails a batch: 33 kB), not of every mail."""
    from service.intake.imap import Mailbox
    from tests.intake.pipeline.conftest import json_report, report_mail

    app.config["IMAP_BATCH_SIZE"] = 1000
    asked: list[list[int]] = []
    real_sizes = Mailbox.sizes

    def sizes(self, uids):
        asked.append(list(uids))
        return real_sizes(self, uids)

    monkeypatch.setattr(Mailbox, "sizes", sizes)
    for n in range(3):
        mailbox.append("INBOX", report_mail(attachment=json_report(), message_id=f"<s{n}@dst.dk>"))
    mailbox.append("INBOX", report_mail(attachment=json_report(), message_id="<big@dst.dk>",
                                        body="Rapporten er vedhæftet.\n" + "x" * 60_000))
    mailbox.select("INBOX")
    big = mailbox.uids()[-1]
    output = poll()
    assert "fetched 4; accepted 4" in output
    assert asked == [[big]]


def _three_batches(app, mailbox) -> None:
    from tests.intake.pipeline.conftest import json_report, report_mail

    app.config["IMAP_BATCH_SIZE"] = 2
    for n in range(6):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<b{n}@dst.dk>"))


def test_the_batch_after_next_is_fetched_while_a_batch_is_decided(
    dst_plan, mailbox, poll, monkeypatch, app
):
    """While the first batch is decided, the third is fetched (in a thread of its own):
    deciding waits here until that fetch has begun, which it never would if the fetch came
    after it."""
    import threading

    from service.intake import batches
    from service.intake.imap import Mailbox

    _three_batches(app, mailbox)
    fetches: list[str] = []
    third_asked = threading.Event()
    seen_while_deciding: list[bool] = []
    real_fetch, real_decide = Mailbox.fetch, batches._decide_batch

    def fetch(self, uids):
        fetches.append(threading.current_thread().name)
        if len(fetches) == 3:
            third_asked.set()
        return real_fetch(self, uids)

    def decide(batch, *args, **kwargs):
        if not seen_while_deciding:  # the first batch
            seen_while_deciding.append(third_asked.wait(10))
        return real_decide(batch, *args, **kwargs)

    monkeypatch.setattr(Mailbox, "fetch", fetch)
    monkeypatch.setattr(batches, "_decide_batch", decide)
    output = poll()
    assert "fetched 6; accepted 6" in output
    assert seen_while_deciding == [True]
    assert len(fetches) == 3 and all(name.startswith("mrp-imap-fetch") for name in fetches)


def test_a_fetch_that_fails_in_its_thread_fails_the_poll_and_loses_nothing(
    dst_plan, mailbox, runner, monkeypatch, app
):
    """The third batch's fetch fails: the poll says so, the first batch is decided and
    moved all the same (the second, stored, waits undecided, as it did when the fetch came
    in this thread), and the next poll takes the rest."""
    from service.intake.imap import Mailbox
    from service.intake.imap_connection import MailboxError

    _three_batches(app, mailbox)
    real_fetch = Mailbox.fetch
    calls: list[int] = []

    def fetch(self, uids):
        calls.append(1)
        if len(calls) == 3:
            raise MailboxError("IMAP UID FETCH BODY.PEEK[] failed: timed out")
        return real_fetch(self, uids)

    monkeypatch.setattr(Mailbox, "fetch", fetch)
    failed = runner.invoke(args=["intake", "poll", "--once"])
    assert "timed out" in failed.output
    mailbox.select("INBOX")
    assert len(mailbox.uids()) == 4  # the second and third batches stay
    monkeypatch.setattr(Mailbox, "fetch", real_fetch)
    again = runner.invoke(args=["intake", "poll", "--once"])
    assert again.exit_code == 0 and "fetched 4; accepted 4" in again.output
    mailbox.select("INBOX")
    assert mailbox.uids() == []


def test_a_batch_of_one_mail_is_fetched_in_the_pollers_thread(
    dst_plan, mailbox, poll, monkeypatch, app
):
    """A large mail goes in a batch of its own; fetched in another thread its bytes cost
    the process more memory (bench/intake.py's memory run), so one mail is fetched here."""
    import threading

    from service.intake.imap import Mailbox
    from tests.intake.pipeline.conftest import json_report, report_mail

    app.config["IMAP_BATCH_SIZE"] = 1
    for n in range(2):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<one{n}@dst.dk>"))
    threads: list[str] = []
    real_fetch = Mailbox.fetch

    def fetch(self, uids):
        threads.append(threading.current_thread().name)
        return real_fetch(self, uids)

    monkeypatch.setattr(Mailbox, "fetch", fetch)
    assert "fetched 2; accepted 2" in poll()
    assert threads == [threading.main_thread().name] * 2
