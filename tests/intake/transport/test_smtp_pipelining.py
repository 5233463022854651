"""Written mail (receipts, replies) sent with PIPELINING to a server that offers it (aiosmtpd
on loopback, told to say so), and one command at a time to one that does not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.mail.smtp import Connection, SmtpError, SmtpUnavailable
from service.mail.wire import WireMessage, plain_text_mail
from tests.support.mailservers import Certificate, SmtpServer, run_smtp_server

#: a line that starts with a dot, which the data must carry doubled and the server undouble
TEXT = "Kære rapportør\n.\n.punktum først\nSlut."


def mail(to: str = "rapport@dst.dk", text: str = TEXT) -> WireMessage:
    wire = plain_text_mail("mrp@fm.dk", to, [("Subject", "Kvittering")], text)
    assert wire is not None
    return wire


@pytest.fixture
def pipelining(mail_certificate: Certificate) -> Iterator[SmtpServer]:
    with run_smtp_server(mail_certificate, "none", refuse_domain="abc.dk",
                         pipelining=True) as server:
        yield server


@pytest.fixture
def pipelining_starttls(mail_certificate: Certificate) -> Iterator[SmtpServer]:
    with run_smtp_server(mail_certificate, "starttls", pipelining=True) as server:
        yield server


def test_a_written_mail_goes_in_one_group_and_arrives_whole(pipelining: SmtpServer) -> None:
    with Connection(pipelining.settings()) as connection:
        assert connection.send(mail()) == []
        assert connection.send(mail("kontor@dst.dk", "Anden")) == []
    assert pipelining.pipelined == [True, True]
    first, second = pipelining.messages
    assert (first.mail_from, first.rcpt_tos) == ("mrp@fm.dk", ["rapport@dst.dk"])
    assert first.raw.replace(b"\r\n", b"\n") == mail().data.replace(b"\r\n", b"\n")
    assert first.message.get_content().splitlines() == TEXT.splitlines()
    assert second.rcpt_tos == ["kontor@dst.dk"]
    assert len(pipelining.peers) == 2 and len(set(pipelining.peers)) == 1  # one session


def test_pipelined_over_starttls_with_a_login(pipelining_starttls: SmtpServer) -> None:
    with Connection(pipelining_starttls.settings()) as connection:
        connection.send(mail())
    assert pipelining_starttls.pipelined == [True]
    assert pipelining_starttls.logins == ["kvittering"]
    assert len(pipelining_starttls.messages) == 1


def test_one_command_at_a_time_when_the_server_does_not_offer_it(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.probe = True
    with Connection(smtp_server.settings()) as connection:
        connection.send(mail())
    assert smtp_server.pipelined == [False]
    [received] = smtp_server.messages
    assert received.message.get_content().splitlines() == TEXT.splitlines()


def test_refused_recipients_are_returned_when_the_others_took_it(
    pipelining: SmtpServer,
) -> None:
    with Connection(pipelining.settings()) as connection:
        assert connection.send(mail("rapport@dst.dk, gammel@abc.dk")) == ["gammel@abc.dk"]
    [received] = pipelining.messages
    assert received.rcpt_tos == ["rapport@dst.dk"]
    assert pipelining.pipelined == [True]


def test_every_recipient_refused_is_this_mails_error_and_the_next_one_goes(
    pipelining: SmtpServer,
) -> None:
    with Connection(pipelining.settings()) as connection:
        with pytest.raises(SmtpError, match=r"gammel@abc\.dk") as refused:
            connection.send(mail("gammel@abc.dk"))
        assert not isinstance(refused.value, SmtpUnavailable)
        assert connection.send(mail()) == []
    [received] = pipelining.messages
    assert received.rcpt_tos == ["rapport@dst.dk"]


def test_refused_data_is_this_mails_error(pipelining: SmtpServer) -> None:
    pipelining.refuse_data = "554 5.6.0 Indholdet afvist"
    with Connection(pipelining.settings()) as connection:
        with pytest.raises(SmtpError, match=r"554 5\.6\.0 Indholdet afvist") as refused:
            connection.send(mail())
        assert not isinstance(refused.value, SmtpUnavailable)
        pipelining.refuse_data = None
        assert connection.send(mail()) == []
    assert len(pipelining.messages) == 1


def test_a_refused_sender_means_nothing_can_be_sent(pipelining: SmtpServer) -> None:
    pipelining.refuse_sender = "550 5.7.60 SMTP; Client does not have permissions to send"
    with Connection(pipelining.settings()) as connection, \
            pytest.raises(SmtpUnavailable, match=r"5\.7\.60"):
            connection.send(mail())
    assert pipelining.messages == []


def test_a_closing_server_means_nothing_can_be_sent(pipelining: SmtpServer) -> None:
    pipelining.refuse_data = "421 4.3.2 Service shutting down"
    with Connection(pipelining.settings()) as connection, \
            pytest.raises(SmtpUnavailable, match="421"):
            connection.send(mail())
    assert pipelining.messages == []


def test_each_mails_text_goes_with_the_next_ones_commands(pipelining: SmtpServer) -> None:
    """Three mails in three waits, not six: the text of each but the last comes with the
    next one's MAIL, RCPT and DATA."""
    with Connection(pipelining.settings()) as connection:
        assert connection.send_all([mail(), mail("kontor@dst.dk", "Anden"),
                                    mail("chef@dst.dk", "Tredje")]) == [[], [], []]
    assert pipelining.ahead == [True, True, False]
    assert [m.rcpt_tos for m in pipelining.messages] == [
        ["rapport@dst.dk"], ["kontor@dst.dk"], ["chef@dst.dk"]]
    assert pipelining.messages[1].message.get_content().strip() == "Anden"
    assert len(set(pipelining.peers)) == 1  # one session


def test_a_refused_text_fails_its_mail_alone_and_the_next_goes_again(
    pipelining: SmtpServer,
) -> None:
    """The second mail's text is refused while the third's commands are on their way: the
    session is closed and the third sent again over a new one, once."""
    pipelining.refuse_text = (b"Anden", "554 5.6.0 Indholdet afvist")
    with Connection(pipelining.settings()) as connection:
        first, second, third = connection.send_all(
            [mail(), mail("kontor@dst.dk", "Anden"), mail("chef@dst.dk", "Tredje")])
    assert first == [] and third == []
    assert isinstance(second, SmtpError) and not isinstance(second, SmtpUnavailable)
    assert "554 5.6.0 Indholdet afvist" in str(second)
    assert [m.rcpt_tos for m in pipelining.messages] == [["rapport@dst.dk"], ["chef@dst.dk"]]
    assert len(set(pipelining.peers)) == 2


def test_a_refused_recipient_in_the_middle_fails_that_mail_alone(
    pipelining: SmtpServer,
) -> None:
    with Connection(pipelining.settings()) as connection:
        first, second, third = connection.send_all(
            [mail(), mail("gammel@abc.dk", "Anden"), mail("chef@dst.dk", "Tredje")])
    assert first == [] and third == []
    assert isinstance(second, SmtpError) and "gammel@abc.dk" in str(second)
    assert [m.rcpt_tos for m in pipelining.messages] == [["rapport@dst.dk"], ["chef@dst.dk"]]


def test_a_server_closing_in_the_middle_leaves_the_rest_untried(
    pipelining: SmtpServer,
) -> None:
    pipelining.refuse_text = (b"Anden", "421 4.3.2 Service shutting down")
    with Connection(pipelining.settings()) as connection:
        results = connection.send_all(
            [mail(), mail("kontor@dst.dk", "Anden"), mail("chef@dst.dk", "Tredje")])
    assert results[0] == []
    assert len(results) == 2 and isinstance(results[1], SmtpUnavailable)
    assert [m.rcpt_tos for m in pipelining.messages] == [["rapport@dst.dk"]]


def test_one_at_a_time_to_a_server_without_pipelining(smtp_server: SmtpServer) -> None:
    with Connection(smtp_server.settings()) as connection:
        assert connection.send_all([mail(), mail("kontor@dst.dk", "Anden")]) == [[], []]
    assert [m.rcpt_tos for m in smtp_server.messages] == [["rapport@dst.dk"],
                                                          ["kontor@dst.dk"]]


def test_an_address_the_session_cannot_say_fails_its_own_mail_not_the_one_before(
    pipelining: SmtpServer,
) -> None:
    """The second mail's recipient is not ASCII (the server did not offer SMTPUTF8): the
    first, whose text was still to go, is taken; the second fails alone."""
    first = mail()
    unsayable = WireMessage(first.sender, ("bø@dst.dk",), first.data)
    with Connection(pipelining.settings()) as connection:
        results = connection.send_all([first, unsayable, mail("chef@dst.dk", "Tredje")])
    assert results[0] == [] and results[2] == []
    assert isinstance(results[1], SmtpError) and not isinstance(results[1], SmtpUnavailable)
    assert [m.rcpt_tos for m in pipelining.messages] == [["rapport@dst.dk"], ["chef@dst.dk"]]
