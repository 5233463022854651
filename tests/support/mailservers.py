"""Real mail servers on loopback for the tests, as pytest fixtures.

* ``imap_server`` — pymap's in-memory ``dict`` backend, started once per test session
  in-process (its own asyncio loop in a thread), with three listeners: implicit TLS
  (``ssl``), plain text offering STARTTLS (``starttls``; login only after STARTTLS), and
  plain text without STARTTLS (``none``). It accepts PLAIN, LOGIN and XOAUTH2. Every test
  gets a fresh user, so a fresh mailbox.
* ``dovecot_server`` — a throw-away Dovecot 2.3 instance from its own configuration in a
  temporary folder (``dovecot -c FILE``): implicit TLS and STARTTLS listeners, maildir,
  ``mail_fsync = never``; any user name logs in with the test password, so every test gets a
  fresh user and mailbox. XOAUTH2 tokens are checked by Dovecot's oauth2 passdb against the
  fake token endpoint's introspection URL. Skipped when ``dovecot`` is not installed, except
  when ``CI=true``: then the test fails.
* ``imap_any`` — the same test against pymap and against Dovecot.
* ``oauth2_endpoint`` — a tiny OAuth2 client-credentials token endpoint on 127.0.0.1 (the one
  fake: Microsoft's identity platform). Tokens it issues are accepted by both IMAP servers.
* ``smtp_server`` / ``smtp_server_starttls`` — aiosmtpd on loopback collecting messages.
* ``smtp_server_xoauth2`` — aiosmtpd requiring STARTTLS and SASL XOAUTH2, checking each
  bearer token at the token endpoint's introspection URL over HTTP, as Microsoft 365 checks
  its own; it can be told to refuse tokens (``334`` with a JSON error, then ``535``).

Load with ``pytest_plugins = ["tests.support.mailservers"]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from argparse import Namespace
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from service.intake.imap_connection import ImapSettings
from service.mail.oauth2 import OAuth2Settings
from service.mail.smtp import SmtpSettings

HOST = "127.0.0.1"
PASSWORD = "hemmelig-kode"
CLIENT_ID = "mrp-intake"
CLIENT_SECRET = "klient-hemmelighed"


# -- certificates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate (and checks the hostname)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        return context

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(self.key))
        return context


def make_certificate(directory: Path) -> Certificate:
    """A self-signed certificate for ``localhost`` and ``127.0.0.1`` (openssl CLI)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def unique_user(prefix: str = "intake") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


# -- what a test gets -----------------------------------------------------------------------


@dataclass
class ImapAccount:
    """A fresh mailbox on a real IMAP server, and how to reach it."""

    server: str  # "pymap" or "dovecot"
    host: str
    ports: dict[str, int]  # security → port
    username: str
    password: str
    ssl_context: ssl.SSLContext
    #: a plain-text port that does not offer STARTTLS, where the server has one
    no_starttls_port: int | None = None
    #: the server's hierarchy separator
    delimiter: str = "/"

    @property
    def port(self) -> int:
        return self.ports["ssl"]

    def settings(self, security: str = "ssl", **overrides: Any) -> ImapSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.ports[security],
            "username": self.username,
            "password": self.password,
            "security": security,
            "ssl_context": self.ssl_context,
            "timeout": 10.0,
        }
        values.update(overrides)
        return ImapSettings(**values)


# -- OAuth2 token endpoint (the one fake) ---------------------------------------------------


class OAuth2Endpoint:
    """Client-credentials token endpoint with an RFC 7662 introspection endpoint.

    ``POST /token`` issues a bearer token for a known client; ``POST /introspect`` answers
    whether a token is active and for which mailbox user. Tokens are issued for
    ``mailbox_user`` (the user the application was granted, as in Microsoft 365).
    """

    def __init__(self, clients: dict[str, str], expires_in: int = 3600) -> None:
        self.clients = dict(clients)
        self.expires_in = expires_in
        self.mailbox_user = ""
        self.tokens: dict[str, str] = {}  # token → user
        #: the scopes it issues tokens for
        self.scopes = {"https://outlook.office365.com/.default"}
        self.requests: list[dict[str, str]] = []
        self.listeners: list[Callable[[str, str], None]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((HOST, 0), self._handler())
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="oauth2-endpoint", daemon=True
        )

    @property
    def token_url(self) -> str:
        return f"http://{HOST}:{self.port}/token"

    @property
    def introspection_url(self) -> str:
        return f"http://{HOST}:{self.port}/introspect"

    def settings(self, **overrides: Any) -> OAuth2Settings:
        values: dict[str, Any] = {
            "token_url": self.token_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "timeout": 5.0,
        }
        values.update(overrides)
        return OAuth2Settings(**values)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def issue(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(form)
            if form.get("grant_type") != "client_credentials":
                return 400, {"error": "unsupported_grant_type"}
            client = form.get("client_id", "")
            if client not in self.clients or self.clients[client] != form.get(
                "client_secret"
            ):
                return 401, {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                }
            if form.get("scope") not in self.scopes:
                return 400, {"error": "invalid_scope"}
            token = secrets.token_urlsafe(32)
            user = self.mailbox_user
            self.tokens[token] = user
            listeners = list(self.listeners)
        for listener in listeners:
            listener(token, user)
        return 200, {
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": token,
        }

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            user = self.tokens.get(form.get("token", ""))
        if user is None:
            return 200, {"active": "false"}
        return 200, {"active": "true", "username": user, "token_type": "Bearer"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                form = dict(urllib.parse.parse_qsl(body))
                if "Bearer" in (self.headers.get("Authorization") or "") and "token" not in form:
                    form["token"] = self.headers["Authorization"].split(None, 1)[1]
                path = self.path.split("?", 1)[0]
                if path == "/token":
                    status, answer = endpoint.issue(form)
                elif path == "/introspect":
                    status, answer = endpoint.introspect(form)
                else:
                    status, answer = 404, {"error": "not_found"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


# -- pymap, in-process ----------------------------------------------------------------------


class PymapServer:
    """pymap's dict backend in a thread, with ssl / starttls / none listeners sharing one
    set of users and mailboxes."""

    def __init__(self, certificate: Certificate) -> None:
        self.certificate = certificate
        self.ports: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pymap", daemon=True)
        self._login: Any = None
        self._config: Any = None

    # public

    def start(self, timeout: float = 15.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("pymap did not start")
        if self._error is not None:
            raise RuntimeError("pymap did not start") from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def add_user(self, name: str, password: str) -> None:
        self._call(self._add_user(name, password))

    def authorize_token(self, token: str, user: str) -> None:
        """Accept this bearer token for this user over XOAUTH2."""
        self._login.bearer_tokens[token] = user

    def account(self, username: str | None = None) -> ImapAccount:
        username = username or unique_user()
        self.add_user(username, PASSWORD)
        return ImapAccount(
            server="pymap",
            host=HOST,
            ports={
                "ssl": self.ports["ssl"],
                "starttls": self.ports["starttls"],
                "none": self.ports["none"],
            },
            username=username,
            password=PASSWORD,
            ssl_context=self.certificate.client_context(),
            no_starttls_port=self.ports["none"],
            delimiter="/",
        )

    # inside the server thread

    def _call(self, coro: Any, timeout: float = 10.0) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _add_user(self, name: str, password: str) -> None:
        from pymap.user import Passwords, UserMetadata

        hashed = await Passwords(self._config).hash_password(password)
        self._login.users_dict[name] = UserMetadata(self._config, name, password=hashed)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        from proxyprotocol.reader import ProxyProtocolReader
        from pymap.backend.dict import Config, Identity, Login
        from pymap.concurrent import Subsystem
        from pymap.exceptions import InvalidAuth
        from pymap.imap import IMAPServer
        from pysasl import SASLAuth
        from pysasl.creds.external import ExternalCredentials, ExternalVerificationRequired

        class TestConfig(Config):
            @property
            def tls_auth(self) -> SASLAuth:
                return SASLAuth.named([b"PLAIN", b"LOGIN", b"XOAUTH2"])

        class TestLogin(Login):
            """The dict backend's login, plus bearer tokens over XOAUTH2."""

            def __init__(self, config: Config) -> None:
                super().__init__(config)
                self.bearer_tokens: dict[str, str] = {}

            async def authenticate(self, credentials: Any) -> Any:
                if isinstance(credentials, ExternalCredentials):
                    try:
                        credentials.verify(None)
                    except ExternalVerificationRequired as exc:
                        token = exc.token
                    user = self.bearer_tokens.get(token or "")
                    if user is None or user != credentials.authzid:
                        raise InvalidAuth()
                    return Identity(user, self, None, frozenset())
                return await super().authenticate(credentials)

        args = Namespace(passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)

        def config(tls_enabled: bool) -> Config:
            return TestConfig(
                args,
                host=HOST,
                port=0,
                demo_data=False,
                demo_user="demouser",
                demo_password=secrets.token_hex(8),
                ssl_context=self.certificate.server_context(),
                tls_enabled=tls_enabled,
                reject_dnsbl=False,
                invalid_user_sleep=0.0,
                subsystem=Subsystem.for_asyncio(),
                cpu_subsystem=Subsystem.for_asyncio(),
            )

        plain = config(tls_enabled=False)
        starttls = config(tls_enabled=True)
        login = TestLogin(plain)
        self._login, self._config = login, plain
        reader = ProxyProtocolReader(plain.proxy_protocol)
        listeners = {
            "ssl": (plain, self.certificate.server_context()),
            "starttls": (starttls, None),
            "none": (plain, None),
        }
        servers: list[asyncio.AbstractServer] = []
        for name, (cfg, context) in listeners.items():
            callback = reader.get_callback(IMAPServer(login, cfg))
            server = await asyncio.start_server(callback, HOST, 0, ssl=context)
            servers.append(server)
            self.ports[name] = int(server.sockets[0].getsockname()[1])
        self._stopping = asyncio.Event()
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            for server in servers:
                server.close()
            for server in servers:
                await server.wait_closed()
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


# -- Dovecot, a throw-away instance ---------------------------------------------------------

DOVECOT_TEMPLATE = Path(__file__).resolve().parents[2] / ".ci" / "dovecot" / "dovecot.conf.in"


class DovecotServer:
    """Dovecot 2.3 from its own configuration, everything inside ``root``."""

    def __init__(self, binary: str, certificate: Certificate, oauth2: OAuth2Endpoint) -> None:
        self.binary = binary
        self.certificate = certificate
        self.oauth2 = oauth2
        self.root = Path(tempfile.mkdtemp(prefix="mrp-dovecot-"))
        self.config = self.root / "dovecot.conf"
        self.ports = {"ssl": free_port(), "starttls": free_port()}

    def start(self) -> None:
        root = self.root
        root.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        mail = root / "mail"
        with contextlib.suppress(KeyError, PermissionError):
            shutil.chown(mail, "dovecot", "dovecot")
        (root / "oauth2.conf").write_text(
            "introspection_mode = post\n"
            f"introspection_url = {self.oauth2.introspection_url}\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
            "force_introspection = yes\n"
            "timeout_msecs = 5000\n"
        )
        values = {
            "root": str(root),
            "cert": str(self.certificate.cert),
            "key": str(self.certificate.key),
            "imap_port": str(self.ports["starttls"]),
            "imaps_port": str(self.ports["ssl"]),
            "password": PASSWORD,
            "login_user": _existing_user("dovenull", fallback=_current_user()),
            "mail_user": _existing_user("dovecot", fallback=_current_user()),
        }
        text = DOVECOT_TEMPLATE.read_text()
        for name, value in values.items():
            text = text.replace("@" + name + "@", value)
        self.config.write_text(text)
        # the daemon keeps its standard streams: a file, never a pipe we would wait on
        with open(root / "start.log", "wb") as output:
            result = subprocess.run(
                [self.binary, "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=30,
            )
        if result.returncode != 0:
            started = (root / "start.log").read_text(errors="replace")
            raise RuntimeError(f"dovecot did not start: {started}{self.log()}")
        for port in self.ports.values():
            wait_for_port(port)

    def stop(self) -> None:
        subprocess.run(
            [self.binary, "-c", str(self.config), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        pidfile = self.root / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not os.environ.get("MRP_KEEP_DOVECOT"):  # keep its log and mail for a look
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def account(self, username: str | None = None) -> ImapAccount:
        return ImapAccount(
            server="dovecot",
            host=HOST,
            ports=dict(self.ports, none=self.ports["starttls"]),
            username=username or unique_user(),
            password=PASSWORD,
            ssl_context=self.certificate.client_context(),
            no_starttls_port=None,
            delimiter=".",
        )


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _existing_user(name: str, fallback: str) -> str:
    import pwd

    if os.getuid() != 0:
        return fallback
    try:
        pwd.getpwnam(name)
    except KeyError:
        return fallback
    return name


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


# -- SMTP -----------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class SmtpServer:
    """aiosmtpd on loopback; ``messages`` holds what it received."""

    host: str
    port: int
    security: str
    ssl_context: ssl.SSLContext | None
    username: str = ""
    password: str = ""
    messages: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    #: recipients at this domain get ``550`` at RCPT; the message goes to the others
    refuse_domain: str | None = None
    #: seconds each message waits before it is taken (a slow server, for races)
    delay: float = 0.0
    #: messages whose data has arrived (taken or still waiting out ``delay``)
    arrived: int = 0
    #: the client's (host, port) of each MAIL FROM: one per SMTP session sent over
    peers: list[Any] = field(default_factory=list)
    #: the answer to MAIL FROM instead of ``250`` (``550 5.7.60`` is a missing Send As)
    refuse_sender: str | None = None
    #: the answer to the end of a message's data instead of ``250``
    refuse_data: str | None = None
    #: say PIPELINING in the answer to EHLO (aiosmtpd reads pipelined commands in order but
    #: does not say so)
    pipelining: bool = False
    #: note in ``pipelined``, for each MAIL FROM, whether its RCPT and DATA had come with
    #: it: the answer to MAIL waits a moment, then looks at what is waiting to be read
    probe: bool = False
    pipelined: list[bool] = field(default_factory=list)
    #: with ``probe``: for each message's end, whether the next message's MAIL had come
    #: with it (its text pipelined into the next one's commands)
    ahead: list[bool] = field(default_factory=list)
    #: the answer to the end of a message whose text holds these bytes, instead of ``250``
    refuse_text: tuple[bytes, str] | None = None
    #: XOAUTH2 only: the token endpoint that issued the tokens it accepts
    oauth2: OAuth2Endpoint | None = None
    #: XOAUTH2: refuse this many logins from now on (a token the server holds expired)
    refuse_next: int = 0
    #: XOAUTH2: refuse every login
    refuse_all: bool = False
    #: XOAUTH2: tokens it no longer accepts
    expired: set[str] = field(default_factory=set)
    #: XOAUTH2: the tokens of the logins it accepted, and of those it refused
    tokens_accepted: list[str] = field(default_factory=list)
    tokens_refused: list[str] = field(default_factory=list)
    #: XOAUTH2: each initial client response as received (decoded from base64)
    responses: list[bytes] = field(default_factory=list)
    #: XOAUTH2: what the client answered to each error challenge (decoded; empty is right)
    error_answers: list[bytes] = field(default_factory=list)

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "username": self.username,
            "password": self.password,
            "timeout": 10.0,
            "ssl_context": self.ssl_context,
        }
        if self.oauth2 is not None:
            values.update(password="", auth="xoauth2", oauth2=self.oauth2.settings())
        values.update(overrides)
        return SmtpSettings(**values)

    def expire_tokens(self) -> None:
        """The tokens accepted so far are expired from now on."""
        self.expired.update(self.tokens_accepted)


def with_pipelining(responses: list[str]) -> list[str]:
    """aiosmtpd's answer to EHLO saying PIPELINING too (before its last line): aiosmtpd
    reads pipelined commands in order but does not say so itself."""
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


class _Collector:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return with_pipelining(responses) if self.server.pipelining else responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        self.server.peers.append(session.peer)
        if self.server.probe:  # a client that waits for this answer has sent no more
            await asyncio.sleep(0.05)
            self.server.pipelined.append(b"\r\nDATA\r\n" in bytes(server._reader._buffer))
        if self.server.refuse_sender:
            return self.server.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refused = self.server.refuse_domain
        if refused and address.lower().endswith("@" + refused):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.arrived += 1
        if self.server.probe:
            await asyncio.sleep(0.02)
            self.server.ahead.append(b"MAIL FROM:" in bytes(server._reader._buffer))
        if self.server.refuse_data:
            return self.server.refuse_data
        marked = self.server.refuse_text
        if marked and marked[0] in bytes(envelope.original_content or envelope.content):
            return marked[1]
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        raw = bytes(envelope.original_content or envelope.content)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message)
        )
        return "250 OK"


#: what Microsoft 365 (like Gmail) sends, base64, in the 334 that refuses a token
XOAUTH2_ERROR = {"status": "401", "schemes": "bearer",
                 "scope": "https://outlook.office365.com/.default"}


class _XOAuth2Collector(_Collector):
    """The collector, plus SASL XOAUTH2 (aiosmtpd calls ``auth_<MECHANISM>`` on the
    handler). A token is good when the token endpoint's introspection says it is active for
    the user named in the response, and the server was not told to refuse it."""

    async def auth_XOAUTH2(self, smtp: Any, args: list[str]) -> Any:
        import base64
        import binascii

        from aiosmtpd.smtp import MISSING, AuthResult

        if len(args) == 1:  # "AUTH XOAUTH2", the response follows the empty challenge
            blob = await smtp.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                await smtp.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        server = self.server
        server.responses.append(blob)
        user, token = _parse_xoauth2(blob)
        if user is None:
            return AuthResult(success=False, handled=False,
                              message="501 5.5.2 Malformed XOAUTH2 response")
        good = await asyncio.get_running_loop().run_in_executor(
            None, self._introspect, token, user)
        if server.refuse_all or server.refuse_next > 0 or token in server.expired:
            server.refuse_next = max(0, server.refuse_next - 1)
            good = False
        if not good:
            server.tokens_refused.append(token)
            answer = await smtp.challenge_auth(json.dumps(XOAUTH2_ERROR).encode())
            if answer is MISSING:
                return AuthResult(success=False, handled=True)
            server.error_answers.append(answer)
            return AuthResult(success=False, handled=False,
                              message="535 5.7.3 Authentication unsuccessful")
        server.tokens_accepted.append(token)
        server.logins.append(user)
        return AuthResult(success=True, auth_data=user)

    def _introspect(self, token: str, user: str) -> bool:
        import urllib.request

        endpoint = self.server.oauth2
        assert endpoint is not None
        body = urllib.parse.urlencode({"token": token}).encode()
        with urllib.request.urlopen(endpoint.introspection_url, body, timeout=30) as answer:
            data = json.loads(answer.read())
        return data.get("active") == "true" and data.get("username") == user


def _parse_xoauth2(blob: bytes) -> tuple[str | None, str]:
    """``user=U\\x01auth=Bearer T\\x01\\x01`` → (U, T); (None, "") if it is not that."""
    text = blob.decode("utf-8", "replace")
    if not text.endswith("\x01\x01"):
        return None, ""
    fields = dict(part.partition("=")[::2] for part in text[:-2].split("\x01"))
    scheme, _, token = fields.get("auth", "").partition(" ")
    if set(fields) != {"user", "auth"} or scheme != "Bearer" or not token:
        return None, ""
    return fields["user"], token


@contextlib.contextmanager
def run_smtp_server(
    certificate: Certificate, security: str, refuse_domain: str | None = None,
    oauth2: OAuth2Endpoint | None = None, pipelining: bool = False,
) -> Iterator[SmtpServer]:
    """aiosmtpd on a free port (saying PIPELINING, and probing for it, with ``pipelining``);
    with ``oauth2`` it
    requires STARTTLS and XOAUTH2 logins with that endpoint's tokens (the user
    ``kvittering@mrp.example``)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    port = free_port()
    server = SmtpServer(HOST, port, security, certificate.client_context(),
                        refuse_domain=refuse_domain, pipelining=pipelining,
                        probe=pipelining)
    kwargs: dict[str, Any] = {}
    handler = _Collector(server)
    if oauth2 is not None:
        assert security == "starttls", "XOAUTH2 is offered after STARTTLS only"
        server.oauth2, server.username = oauth2, "kvittering@mrp.example"
        handler = _XOAuth2Collector(server)
        kwargs = {
            "tls_context": certificate.server_context(),
            "require_starttls": True,
            "auth_require_tls": True,
            "auth_required": True,
            "auth_exclude_mechanism": ["LOGIN", "PLAIN"],
        }
    elif security == "starttls":
        server.username, server.password = "kvittering", PASSWORD

        def authenticator(
            smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            if isinstance(data, LoginPassword) and (
                data.login.decode() == server.username
                and data.password.decode() == server.password
            ):
                server.logins.append(data.login.decode())
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        kwargs = {
            "tls_context": certificate.server_context(),
            "require_starttls": True,
            "authenticator": authenticator,
            "auth_require_tls": True,
        }
    controller = Controller(
        handler,
        hostname=HOST,
        port=port,
        server_hostname="localhost",
        ready_timeout=10.0,
        **kwargs,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mail_certificate() -> Iterator[Certificate]:
    directory = Path(tempfile.mkdtemp(prefix="mrp-cert-"))
    directory.chmod(0o755)
    certificate = make_certificate(directory)
    certificate.key.chmod(0o644)  # readable by an unprivileged server, tests only
    yield certificate
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def oauth2_endpoint() -> Iterator[OAuth2Endpoint]:
    """The fake token endpoint (Microsoft's identity platform stand-in)."""
    endpoint = OAuth2Endpoint({CLIENT_ID: CLIENT_SECRET})
    endpoint.start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="session")
def pymap_instance(
    mail_certificate: Certificate, oauth2_endpoint: OAuth2Endpoint
) -> Iterator[PymapServer]:
    server = PymapServer(mail_certificate)
    server.start()
    oauth2_endpoint.listeners.append(server.authorize_token)
    yield server
    oauth2_endpoint.listeners.remove(server.authorize_token)
    server.stop()


@pytest.fixture(scope="session")
def dovecot_instance(
    mail_certificate: Certificate, oauth2_endpoint: OAuth2Endpoint
) -> Iterator[DovecotServer]:
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dovecot not installed (CI must run the Dovecot tests)")
        pytest.skip("dovecot not installed")
    server = DovecotServer(binary, mail_certificate, oauth2_endpoint)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def imap_server(pymap_instance: PymapServer) -> ImapAccount:
    """A fresh user on the in-process pymap server."""
    return pymap_instance.account()


@pytest.fixture
def dovecot_server(dovecot_instance: DovecotServer) -> ImapAccount:
    """A fresh user on the throw-away Dovecot instance."""
    return dovecot_instance.account()


@pytest.fixture(params=["pymap", "dovecot"])
def imap_any(request: pytest.FixtureRequest) -> ImapAccount:
    """A fresh mailbox on pymap, then on Dovecot."""
    if request.param == "pymap":
        return request.getfixturevalue("imap_server")
    return request.getfixturevalue("dovecot_server")


@pytest.fixture
def smtp_server(mail_certificate: Certificate) -> Iterator[SmtpServer]:
    """aiosmtpd in plain text, no login."""
    with run_smtp_server(mail_certificate, "none") as server:
        yield server


@pytest.fixture
def smtp_server_starttls(mail_certificate: Certificate) -> Iterator[SmtpServer]:
    """aiosmtpd requiring STARTTLS, with AUTH (``server.username`` / ``server.password``)."""
    with run_smtp_server(mail_certificate, "starttls") as server:
        yield server


@pytest.fixture
def smtp_server_xoauth2(
    mail_certificate: Certificate, oauth2_endpoint: OAuth2Endpoint
) -> Iterator[SmtpServer]:
    """aiosmtpd requiring STARTTLS and an XOAUTH2 login as ``server.username`` with a token
    from ``oauth2_endpoint`` (which issues tokens for that user meanwhile)."""
    before = oauth2_endpoint.mailbox_user
    with run_smtp_server(mail_certificate, "starttls", oauth2=oauth2_endpoint) as server:
        oauth2_endpoint.mailbox_user = server.username
        try:
            yield server
        finally:
            oauth2_endpoint.mailbox_user = before


@pytest.fixture
def smtp_server_refusing(mail_certificate: Certificate) -> Iterator[SmtpServer]:
    """aiosmtpd in plain text that refuses every recipient at abc.dk (550) and keeps the
    message for the rest."""
    with run_smtp_server(mail_certificate, "none", refuse_domain="abc.dk") as server:
        yield server
