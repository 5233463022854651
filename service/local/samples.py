"""The mails ``mrp local`` sends in: the sample reports mailed in at the first start, and
the example report a user sends to the local submission port by hand."""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from sqlalchemy import select

from service.domain.models import Plan
from service.extensions import db

#: the demo institution's reporting address (service/domain/demo.py registers it)
UFST_SENDER = "opfoelgning@ufst.dk"

#: what the sample reports answer for UFST's plan: goal → (status, value, progress, comment)
UFST_ANSWERS = {"M1": ("På rette spor", 35, 50, "Sagsbehandlingstiden falder som planlagt."),
                "M2": ("Udfordret", None, 40, "Pilotdriften er forsinket to måneder."),
                "M3": ("På rette spor", None, 50, "Første analyser er leveret."),
                "M4": ("Ikke på rette spor", 8.9, 20, "Sygefraværet er steget.")}


def _mail(sender: str, to: str, subject: str, filename: str, data: bytes, ctype: str,
          **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1].rstrip(">"))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Hermed vores opfølgning.\n\nVenlig hilsen\n")
    if data:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)  # CRLF, as it travels by SMTP and IMAP


def sample_mails(to: str) -> list[bytes]:
    """For the current half-year (by the clock): a filled-in template (accepted), a CSV with
    errors (rejected), an out-of-office reply (ignored) and a report from an unknown sender
    (quarantined)."""
    import openpyxl

    from service.clock import utcnow
    from service.domain.demo import half_years
    from service.exports.template import followup_template
    from service.vocabulary import period_words

    current, _previous = half_years(utcnow().date())
    year = current.year
    ufst = db.session.scalar(select(Plan).where(Plan.reference == f"UFST-{year}"))
    mails: list[bytes] = []
    if ufst is not None:
        _name, data = followup_template(ufst, str(current))
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb["Opfølgning"]
        for row in ws.iter_rows(min_row=9):
            code = row[0].value
            if code in UFST_ANSWERS:
                status, value, progress, comment = UFST_ANSWERS[code]
                row[8].value, row[9].value, row[10].value, row[11].value = (
                    status, value, progress, comment)
        out = io.BytesIO()
        wb.save(out)
        mails.append(_mail(f"UFST Opfølgning <{UFST_SENDER}>", to,
                           f"Opfølgning UFST-{year} {period_words(current)}", "opfølgning.xlsx",
                           out.getvalue(),
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    csv = "Mål-ID;Status;Målt værdi;Fremdrift (%);Kommentar\r\nM1;grøn;91,5;60;\r\n" \
          "M7;gul;;;Forkert mål\r\n"
    mails.append(_mail("mrp@motorst.dk", to, f"[MST-{year}] Opfølgning {current}",
                       "opfølgning.csv", csv.encode("utf-8-sig"), "text/csv"))
    mails.append(_mail("anne@ufst.dk", to, "Automatisk svar: Fraværende", "", b"", "",
                       Auto_Submitted="auto-replied"))
    mails.append(_mail("ukendt@example.org", to, f"Opfølgning DST-{year} {current}",
                       "rapport.csv", csv.encode(), "text/csv"))
    return mails


def example_report(to: str) -> bytes:
    """A report from UFST's reporting address on its plan for the current half-year, as a
    CSV with semicolons and decimal commas (as Danish Excel writes it): the mail a user sends
    to the submission port to see it ingested and answered."""
    from service.clock import utcnow
    from service.domain.demo import half_years
    from service.vocabulary import format_number, period_words

    current, _previous = half_years(utcnow().date())
    lines = ["Mål-ID;Status;Målt værdi;Fremdrift (%);Kommentar"]
    for code, (status, value, progress, comment) in UFST_ANSWERS.items():
        measured = "" if value is None else format_number(value)
        lines.append(f"{code};{status};{measured};{progress};{comment}")
    csv = "\r\n".join(lines) + "\r\n"
    return _mail(f"UFST Opfølgning <{UFST_SENDER}>", to,
                 f"Opfølgning UFST-{current.year} {period_words(current)}", "opfølgning.csv",
                 csv.encode("utf-8-sig"), "text/csv")
