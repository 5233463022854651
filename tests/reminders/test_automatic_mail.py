"""A mail the service sends of itself (``service.mail.automatic``), as the reminders and the
review reminders write it: marked automatic so that no out-of-office answers it, Danish, its
attachment beside the text, and, given the stored row of a mail not yet sent, the same mail
again without writing it anew."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from service.mail.automatic import Attachment, automatic_mail

NOW = datetime(2026, 8, 1, 9, tzinfo=UTC)


def _never() -> str:
    raise AssertionError("written again although stored")


def test_a_new_mail_is_written_marked_automatic_and_danish():
    message = automatic_mail(
        mail_from="mrp@stat.dk", recipients=["a@dst.dk", "b@dst.dk"], reply_to="svar@stat.dk",
        subject=lambda: "Påmindelse", text=lambda: "Kære modtager,\n", now=NOW,
        attachment=Attachment(b"PK\x03\x04", "skabelon.xlsx", "application", "zip"))
    assert message["From"] == "mrp@stat.dk" and message["To"] == "a@dst.dk, b@dst.dk"
    assert message["Reply-To"] == "svar@stat.dk" and message["Subject"] == "Påmindelse"
    assert message["Date"] == "Sat, 01 Aug 2026 09:00:00 +0000"
    assert message["Message-ID"].endswith("@stat.dk>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Content-Language"] == "da"  # on the mail, not moved into a part
    body, attached = list(message.iter_parts())
    assert body.get_content() == "Kære modtager,\n" and body["Content-Language"] is None
    assert attached.get_filename() == "skabelon.xlsx"
    assert attached.get_content() == b"PK\x03\x04"


def test_a_stored_mail_is_sent_as_it_was_first_written():
    stored = SimpleNamespace(subject="Rykker", text="Som gemt.\n", message_id="<1@stat.dk>")
    message = automatic_mail(mail_from="mrp@stat.dk", recipients=["a@dst.dk"],
                             subject=_never, text=_never, stored=stored)
    assert message["Subject"] == "Rykker" and message["Message-ID"] == "<1@stat.dk>"
    assert message.get_content() == "Som gemt.\n" and not message.is_multipart()
    assert message["Reply-To"] is None


def test_a_stored_mail_without_a_message_id_gets_a_new_one_at_the_senders_domain():
    stored = SimpleNamespace(subject="S", text="T\n", message_id=None)
    message = automatic_mail(mail_from="mrp@stat.dk", recipients=["a@dst.dk"],
                             subject=_never, text=_never, stored=stored)
    assert message["Message-ID"].endswith("@stat.dk>") and message["Subject"] == "S"
