"""Everything that decides a mail before its plan is looked up: whether it is ours to read
at all (an auto-reply, a bounce, our own mail), who sent it, and which of its attachments is
the report and for which plan and period."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from service.intake.authresults import MICROSOFT_365, dmarc_passes
from service.intake.budget import OVER_BUDGET, BudgetExceeded, metered, too_deep
from service.intake.classify import classify, is_from_us
from service.intake.lookups import parsers_of, sender_of
from service.intake.message import InboundMail
from service.intake.parse import ParsedMail, ParseSettings
from service.intake.reports import CsvParser, JsonParser, XlsxParser, choose_parser, read_with
from service.intake.settings import IntakeOptions
from service.intake.stages import Attribution, Candidate, Outcome, Reading, report_nul_free
from service.intake.subject import parse_subject
from service.plugins.reports import ParsedReport, ReportError, ReportParser

#: attachments that look like a report in a format we do not read: the sender gets a hint
#: the built-in parsers, whose reports the parsing stage reads (``service.intake.parse``)
_BUILTIN_TYPES = (XlsxParser, CsvParser, JsonParser)
UNREADABLE_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".ods", ".numbers", ".doc", ".docx", ".pdf",
                       ".zip")


def attribute(mail: InboundMail, opts: IntakeOptions, reading: Reading,
              parsed: ParsedMail | None = None) -> Outcome | None:
    """Everything that decides a mail before its plan is looked up; None when it goes on
    (``reading.attribution`` then names the plan). What it learns goes into ``reading`` as
    it goes, so it is kept when a later step raises. ``parsed`` is what the parsing stage
    read of the mail (its reports are used where the ministry reads them the same way)."""
    kind = classify(mail)
    if is_from_us(mail, [opts.mail_from]):
        return Outcome("ignored", "own_address")
    if kind is not None:
        return Outcome("ignored", kind)
    if not mail.sender:
        return Outcome("quarantined", "unknown_sender", "Mailen har ingen læsbar afsender.")
    if opts.require_dmarc and not dmarc_passes(mail, opts.authserv_id, opts.authresults):
        server = "Microsoft 365" if opts.authresults == MICROSOFT_365 else opts.authserv_id
        return Outcome("quarantined", "not_authenticated",
                       f"Ingen dmarc=pass fra {server} i Authentication-Results.")
    sender = sender_of(mail.sender)
    if not sender.institutions:
        return Outcome("quarantined", "unknown_sender",
                       f"{mail.sender} er ikke registreret som indberetningsadresse.")
    reading.sender = sender  # it is the sender's; a plan the mail names replaces that
    reading.stage = "report"
    if mail.oversized:
        big = mail.oversized[0]
        return Outcome("quarantined", "too_large",
                       f"Bilaget {big.filename} er for stort ({big.size} bytes).")
    if mail.too_deep:
        return Outcome("quarantined", OVER_BUDGET, too_deep(opts.budget))
    report = read_report(mail, parsers_of(sender.ministries[0]), parsed, opts.parse_settings)
    if isinstance(report, Outcome):
        return report
    report = report_nul_free(report)
    reference, period = report.plan or "", report.period
    if not (reference and period):  # the subject names what the report does not
        subject = parse_subject(mail.subject)
        reference = reference or subject.plan or ""
        period = period or subject.period
    reading.attribution = Attribution(report, reference.strip().upper(), period)
    if not reading.attribution.reference:
        return Outcome("quarantined", "unknown_plan", "Planen (ingen) findes ikke.")
    return None


def candidates(mail: InboundMail,
               parsers: Sequence[ReportParser]) -> Iterator[tuple[int, Candidate]]:
    """The attachments that may be the report, in order, each with its index among the
    mail's attachments and the parser chosen for it (once). Files no parser accepts (a
    logo, a signature) are passed over, unless they look like a report in a format we do
    not read."""
    for index, attachment in enumerate(mail.attachments):
        name = attachment.filename or ""
        parser = choose_parser(parsers, name, attachment.content_type or "", attachment.data)
        if parser is not None or name.lower().endswith(UNREADABLE_SUFFIXES):
            yield index, Candidate(attachment, parser)


def _read_one(index: int, candidate: Candidate, parsed: ParsedMail | None,
              settings: ParseSettings) -> ParsedReport:
    """The report of one candidate: as the parsing stage read it when the ministry's parser
    is the built-in one it used, else read now (within a budget of its own)."""
    parser = candidate.parser
    if parsed is not None and parser is not None and type(parser) in _BUILTIN_TYPES \
            and getattr(parser, "limits", None) == settings.limits:
        ready = parsed.report(index, parser.name)
        if ready is not None:
            return ready.result()
    attachment = candidate.attachment
    with metered(settings.budget):
        return read_with(parser, attachment.filename or "", attachment.content_type or "",
                         attachment.data)


def read_report(mail: InboundMail, parsers: Sequence[ReportParser],
                parsed: ParsedMail | None = None,
                settings: ParseSettings | None = None) -> ParsedReport | Outcome:
    """The first candidate's report that its parser reads, else why there is none. A
    report over the parse budget ends the search: the mail is quarantined for it."""
    settings = settings or ParseSettings()
    errors: list[ReportError] = []
    for index, candidate in candidates(mail, parsers):
        try:
            return _read_one(index, candidate, parsed, settings)
        except BudgetExceeded as error:
            return Outcome("quarantined", OVER_BUDGET, str(error))
        except ReportError as error:
            errors.append(error)
    if errors:
        first = errors[0]
        reason = "too_large" if first.reason in {"too_large", "zip_bomb"} else "unreadable_report"
        return Outcome("quarantined", reason, str(first))
    return Outcome("quarantined", "no_report", "Mailen har ingen læsbar rapport vedhæftet.")
