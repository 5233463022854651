"""The institution's rapportkladde saved from several browser sessions at the same instant,
against a real server: one row for the plan and period, the last save's values in it, and
no server error."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

from sqlalchemy import select

from service.domain.models import FollowUpDraft, Goal
from service.extensions import db
from tests.concurrency.conftest import at_once
from tests.support.factories import ok

N = 6
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """One signed-in dashboard session: its own cookies and the report page's CSRF token."""

    def __init__(self, base: str, secret: str, page: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.post("/login", {"csrf_token": self.token("/login"), "token": secret})
        self.csrf = self.token(page)

    def token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            match = CSRF.search(response.read().decode())
        assert match, path
        return match.group(1)

    def post(self, path: str, fields: dict[str, str]) -> int:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            with error:
                return error.code


def test_a_draft_saved_at_once_is_one_row(live, client, admin, token, world):
    plan = world["plans"]["UFST"]
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
    goal_id = db.session.scalar(select(Goal.id).where(Goal.plan_id == plan["id"]))
    secret = token("institution", institution="UFST")["Authorization"].split(" ", 1)[1]
    page = f"/plans/{plan['id']}/report?period=2026-H1"
    browsers = [Browser(live.base, secret, page) for _ in range(N)]

    def save(i: int) -> int:
        return browsers[i].post(f"/plans/{plan['id']}/report", {
            "csrf_token": browsers[i].csrf, "period": "2026-H1", "action": "save",
            f"g{goal_id}-status": "on_track", f"g{goal_id}-comment": f"Gemt af {i}."})

    answers = at_once(N, save)
    # a save that lost the race to the row is a 409 page, never a 500 nor a second row
    assert set(answers) <= {200, 409} and 200 in answers, answers  # 303 is followed
    db.session.expire_all()
    drafts = db.session.scalars(select(FollowUpDraft).where(
        FollowUpDraft.plan_id == plan["id"])).all()
    assert len(drafts) == 1
    assert re.fullmatch(r"Gemt af \d\.", drafts[0].goals[0]["comment"])
    assert "Traceback" not in live.errors()
