"""How the poller cuts the intake folder into batches: at most ``batch_size`` mails and
``FETCH_BYTES`` per FETCH, with only the large mails' sizes asked of the server."""

from __future__ import annotations

from service.intake.poller import FETCH_BYTES, _batches

SHARE = FETCH_BYTES // 4


def test_at_most_so_many_mails_per_batch():
    assert list(_batches(list(range(1, 11)), {}, 1, 4)) == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


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
