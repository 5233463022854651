"""The peer comparison's other side: django-helpdesk's ``get_email`` over an IMAP mailbox.

Run by ``bench/intake.py --peer`` with the Python of a throw-away virtual environment that
holds django-helpdesk (never the project's): it configures Django on a fresh SQLite database
in a temporary folder, makes one help-desk queue reading the given IMAP mailbox (plain IMAP
on loopback), sends nothing (Django's dummy mail backend) and times ``process_email``, which
turns every mail into a ticket and deletes it from the mailbox. Prints one line:

    helpdesk: <mails> mails in <seconds> s, <tickets> tickets

    <venv>/bin/python bench/helpdesk_peer.py HOST PORT USER PASSWORD
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="mrp-bench-helpdesk-"))
    try:
        run(*sys.argv[1:5], workdir=workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(host: str, port: str, user: str, password: str, *, workdir: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        USE_TZ=True,
        SITE_ID=1,
        ROOT_URLCONF="bench_helpdesk_urls",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                               "NAME": str(workdir / "helpdesk.sqlite")}},
        INSTALLED_APPS=[
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
            "django.contrib.sites", "django.contrib.messages", "django.contrib.humanize",
            "rest_framework", "helpdesk",
        ],
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        MEDIA_ROOT=str(workdir / "media"),
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        LOGGING_CONFIG=None,
        HELPDESK_TEAMS_MODE_ENABLED=False,  # no pinax-teams: tickets need no teams
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True, "OPTIONS": {"context_processors": []}}],
    )
    django.setup()
    import types

    from django.urls import include, path

    urls = types.ModuleType("bench_helpdesk_urls")  # the help desk's links in its mails
    urls.urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]  # type: ignore[attr-defined]
    sys.modules[urls.__name__] = urls
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from helpdesk.email import process_email
    from helpdesk.models import FollowUp, Queue, Ticket

    Queue.objects.create(
        title="Opfølgning", slug="opf", email_address="opfoelgning@mrp.example",
        allow_email_submission=True, email_box_type="imap", email_box_host=host,
        email_box_port=int(port), email_box_ssl=False, email_box_user=user,
        email_box_pass=password, email_box_imap_folder="INBOX", email_box_interval=0,
        logging_type=os.environ.get("BENCH_HELPDESK_LOG", "none"),
    )
    start = time.perf_counter()
    process_email(quiet=True)
    seconds = time.perf_counter() - start
    tickets, followups = Ticket.objects.count(), FollowUp.objects.count()
    print(f"helpdesk: {followups} mails in {seconds:.3f} s, {tickets} tickets")


if __name__ == "__main__":
    main()
