"""Repeated reads are answered from the cache, and never with data older than the request
would have read, nor with another tenant's answer (``service/api/cache.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from service.api.cache import ResponseCache
from service.domain.tokens import revoke_token
from service.extensions import db
from tests.api.conftest import problem_of
from tests.api.test_statement_count import counting
from tests.support.factories import goal_body, ok, plan_body

SKM_PLANS = "/api/v1/plans?ministry=SKM&year=2026"


def read(client: FlaskClient, url: str, headers: dict[str, str]) -> tuple[str, Any, str]:
    """``X-Cache``, the body and the ``X-Pagination`` header of a ``200`` answer."""
    response = client.get(url, headers=headers)
    body = ok(response)
    return response.headers.get("X-Cache", ""), body, response.headers.get("X-Pagination", "")


def warm(client: FlaskClient, url: str, headers: dict[str, str]) -> Any:
    """Read ``url`` until it is a hit; returns the kept body."""
    first, body, _ = read(client, url, headers)
    assert first == "miss"
    again, kept, _ = read(client, url, headers)
    assert again == "hit"
    assert kept == body
    return kept


def test_a_repeated_read_is_the_same_answer_from_the_cache(client, admin, world):
    miss = client.get(SKM_PLANS + "&page_size=1", headers=admin)
    hit = client.get(SKM_PLANS + "&page_size=1", headers=admin)
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("miss", "hit")
    assert hit.get_data() == miss.get_data()
    assert hit.headers["X-Pagination"] == miss.headers["X-Pagination"]
    assert hit.mimetype == "application/json"
    assert hit.headers["Content-Length"] == str(len(miss.get_data()))
    assert [plan["institution"] for plan in hit.get_json()] == ["UFST"]


def test_a_kept_answer_costs_one_statement(client, admin, world):
    """The token check's statement reads the data version too; nothing else runs."""
    warm(client, SKM_PLANS, admin)
    db.session.remove()
    with counting() as statements:
        assert read(client, SKM_PLANS, admin)[0] == "hit"
    assert len(statements) == 1, statements
    assert "data_version" in statements[0] and "api_token" in statements[0]


def test_query_parameters_in_another_order_share_the_answer(client, admin, world):
    warm(client, "/api/v1/plans?ministry=SKM&year=2026", admin)
    assert read(client, "/api/v1/plans?year=2026&ministry=SKM", admin)[0] == "hit"
    assert read(client, "/api/v1/plans?year=2027&ministry=SKM", admin)[0] == "miss"


# --- every write is seen --------------------------------------------------------------------


def _ids(body: list[dict[str, Any]]) -> list[int]:
    return sorted(item["id"] for item in body)


WRITES: dict[str, tuple[str, Callable[..., Any], Callable[..., Any]]] = {
    # name: (url read before and after, the write, what the read shows after it)
    "create plan": (
        SKM_PLANS,
        lambda c, h, w: ok(c.post("/api/v1/plans", headers=h,
                                  json=plan_body("MST", period_start=2025)), 201),
        lambda before, after, w, made: len(after) == len(before) + 1
        and made["id"] in _ids(after),
    ),
    "change plan": (
        "/api/v1/plans/{UFST}",
        lambda c, h, w: ok(c.patch(f"/api/v1/plans/{w['plans']['UFST']['id']}", headers=h,
                                   json={"title": "Ny titel"})),
        lambda before, after, w, made: after["title"] == "Ny titel",
    ),
    "approve plan": (
        SKM_PLANS + "&status=approved",
        lambda c, h, w: ok(c.post(f"/api/v1/plans/{w['plans']['UFST']['id']}/approve",
                                  headers=h)),
        lambda before, after, w, made: _ids(after) == [w["plans"]["UFST"]["id"]],
    ),
    "delete plan": (
        SKM_PLANS,
        lambda c, h, w: c.delete(f"/api/v1/plans/{w['plans']['MST']['id']}", headers=h),
        lambda before, after, w, made: made.status_code == 204
        and w["plans"]["MST"]["id"] not in _ids(after),
    ),
    "add goal (the task type filter)": (
        SKM_PLANS + "&task_type=project",
        lambda c, h, w: ok(c.post(f"/api/v1/plans/{w['plans']['MST']['id']}/goals", headers=h,
                                  json=goal_body("M2", task_type="project",
                                                 nature="qualitative", indicators=[],
                                                 milestones=[{"title": "Start"}])), 201),
        lambda before, after, w, made: before == [] and _ids(after) == [w["plans"]["MST"]["id"]],
    ),
    "change goal (the goal type filter)": (
        SKM_PLANS + "&goal_type=effect",
        lambda c, h, w: ok(c.patch(f"/api/v1/goals/{w['goals']['UFST']['id']}", headers=h,
                                   json={"goal_type": "effect"})),
        lambda before, after, w, made: before == [] and _ids(after) == [w["plans"]["UFST"]["id"]],
    ),
    "move institution to another ministry": (
        SKM_PLANS,
        lambda c, h, w: ok(c.patch("/api/v1/institutions/MST", headers=h,
                                   json={"ministry": "FM"})),
        lambda before, after, w, made: _ids(after) == [w["plans"]["UFST"]["id"]],
    ),
    "change reporting addresses": (
        "/api/v1/institutions/UFST",
        lambda c, h, w: ok(c.patch("/api/v1/institutions/UFST", headers=h,
                                   json={"reporting_addresses": ["ny@ufst.dk"]})),
        lambda before, after, w, made: after["reporting_addresses"] == ["ny@ufst.dk"],
    ),
    "rename ministry": (
        "/api/v1/ministries?page_size=5",
        lambda c, h, w: ok(c.patch("/api/v1/ministries/SKM", headers=h,
                                   json={"name": "Skatteministeriet (ny)"})),
        lambda before, after, w, made: "Skatteministeriet (ny)" in [m["name"] for m in after],
    ),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_through_the_api_is_seen_by_the_next_read(client, admin, world, name):
    url, write, shows = WRITES[name]
    url = url.format(UFST=world["plans"]["UFST"]["id"])
    before = warm(client, url, admin)
    made = write(client, admin, world)
    state, after, _ = read(client, url, admin)
    assert state == "miss"
    assert after != before
    assert shows(before, after, world, made), (before, after)


@pytest.mark.parametrize(("table", "statement"), [
    ("ministry", "UPDATE ministry SET name = 'Omdøbt' WHERE code = 'SKM'"),
    ("institution", "UPDATE institution SET name = 'Omdøbt' WHERE code = 'UFST'"),
    ("reporting_address", "DELETE FROM reporting_address WHERE address = 'opfoelgning@ufst.dk'"),
    ("plan", "UPDATE plan SET title = 'Omdøbt' WHERE reference LIKE 'UFST%'"),
    ("goal", "UPDATE goal SET task_type = 'project'"),
])
def test_a_write_in_plain_sql_from_another_connection_is_seen(
    client, admin, world, database_url, table, statement
):
    """What another process writes (another worker, the poller, an operator's SQL) changes
    the data version in its own transaction, so the next read here misses."""
    urls = {
        "ministry": ("/api/v1/ministries/SKM", lambda b: b["name"] == "Omdøbt"),
        "institution": ("/api/v1/institutions/UFST", lambda b: b["name"] == "Omdøbt"),
        "reporting_address": ("/api/v1/institutions/UFST",
                              lambda b: b["reporting_addresses"] == []),
        "plan": (f"/api/v1/plans/{world['plans']['UFST']['id']}",
                 lambda b: b["title"] == "Omdøbt"),
        "goal": (SKM_PLANS + "&task_type=project", lambda b: len(b) == 2),
    }
    url, shows = urls[table]
    warm(client, url, admin)
    other = create_engine(database_url)
    try:
        with other.begin() as conn:
            conn.execute(text(statement.replace(" plan ", ' "plan" ')))
    finally:
        other.dispose()
    state, body, _ = read(client, url, admin)
    assert state == "miss"
    assert shows(body), body


def test_a_write_not_yet_committed_is_not_seen_and_its_commit_is(client, admin, world,
                                                                 database_url):
    url = f"/api/v1/plans/{world['plans']['UFST']['id']}"
    warm(client, url, admin)
    other = create_engine(database_url)
    try:
        with other.connect() as conn:
            conn.execute(text("UPDATE \"plan\" SET title = 'Senere' WHERE id = :id"),
                         {"id": world["plans"]["UFST"]["id"]})
            state, body, _ = read(client, url, admin)  # the other transaction is open
            assert (state, body["title"]) == ("hit", "Mål- og resultatplan 2026")
            conn.commit()
    finally:
        other.dispose()
    state, body, _ = read(client, url, admin)
    assert (state, body["title"]) == ("miss", "Senere")


def test_writes_to_other_tables_keep_the_answers(client, admin, world, token):
    """Tokens, follow-ups and intake do not change plans, ministries or institutions."""
    warm(client, SKM_PLANS, admin)
    token("department", ministry="FM")
    assert read(client, SKM_PLANS, admin)[0] == "hit"


# --- tenants ------------------------------------------------------------------------------


def test_each_scope_has_its_own_answers(client, admin, token, world):
    skm = token("department", ministry="SKM")
    fm = token("department", ministry="FM")
    ufst = token("institution", institution="UFST")
    url = "/api/v1/plans?year=2026"
    warm(client, url, admin)
    seen = {}
    for name, headers in (("skm", skm), ("fm", fm), ("ufst", ufst)):
        state, body, _ = read(client, url, headers)
        assert state == "miss", name
        seen[name] = sorted(plan["institution"] for plan in body)
    assert seen == {"skm": ["MST", "UFST"], "fm": ["DST"], "ufst": ["UFST"]}
    assert read(client, url, fm)[0] == "hit"
    # another token with the same scope shares the answers
    assert read(client, url, token("department", ministry="FM"))[0] == "hit"


def test_another_tenants_object_stays_a_404_when_its_owner_has_read_it(client, admin, token,
                                                                       world):
    url = f"/api/v1/plans/{world['plans']['DST']['id']}"
    fm = token("department", ministry="FM")
    warm(client, url, fm)
    warm(client, url, admin)
    for headers in (token("department", ministry="SKM"), token("institution",
                                                                institution="UFST")):
        response = client.get(url, headers=headers)
        problem_of(response, 404)
        assert response.headers["X-Cache"] == "miss"


def test_a_revoked_token_is_refused_though_its_answer_is_kept(app, client, admin, world):
    from service.domain.tokens import create_token

    row, secret = create_token(role="department", name="kort", ministry="SKM")
    headers = {"Authorization": f"Bearer {secret}"}
    warm(client, SKM_PLANS, headers)
    revoke_token(row.id)
    db.session.remove()
    problem_of(client.get(SKM_PLANS, headers=headers), 401)


def test_unknown_query_parameters_are_refused_though_the_answer_is_kept(client, admin, world):
    warm(client, SKM_PLANS, admin)
    problem_of(client.get(SKM_PLANS + "&ministy=FM", headers=admin), 422)


def test_errors_are_not_kept(client, admin, world):
    for _ in range(2):
        response = client.get("/api/v1/plans?year=tyve", headers=admin)
        problem_of(response, 422)
        assert response.headers["X-Cache"] == "miss"


def test_uncached_routes_say_nothing(client, admin, world):
    response = client.get("/api/v1/goals", headers=admin)
    ok(response)
    assert "X-Cache" not in response.headers
    assert "X-Cache" not in client.get("/api/v1/health").headers


# --- bounds and settings ------------------------------------------------------------------


class TestBounded:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"API_CACHE_BYTES": 8_000}

    def test_the_store_keeps_to_its_bytes_and_drops_the_least_recently_used(
        self, app, client, admin, world
    ):
        store = ResponseCache.store(app)
        assert store is not None
        store.clear()
        urls = [f"/api/v1/plans/{world['plans'][code]['id']}" for code in ("UFST", "MST")]
        for url in urls:
            warm(client, url, admin)
        for year in range(2000, 2100):  # many small answers push the oldest out
            read(client, f"/api/v1/plans?year={year}", admin)
            assert store.size <= 8_000
        assert read(client, urls[0], admin)[0] == "miss"
        assert 0 < len(store) < 100

    def test_an_answer_larger_than_a_quarter_of_the_store_is_not_kept(
        self, app, client, admin, world
    ):
        for n in range(12):
            ok(client.post("/api/v1/plans", headers=admin,
                           json=plan_body("UFST", title="x" * 250, period_start=2030 + n,
                                          period_end=2030 + n)), 201)
        response = client.get("/api/v1/plans?page_size=100", headers=admin)
        assert len(response.get_data()) > 2_000
        assert client.get("/api/v1/plans?page_size=100", headers=admin).headers[
            "X-Cache"] == "miss"


class TestOff:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"API_CACHE_BYTES": 0}

    def test_zero_bytes_turns_the_cache_off(self, app, client, admin, world):
        assert ResponseCache.store(app) is None
        for _ in range(2):
            response = client.get(SKM_PLANS, headers=admin)
            ok(response)
            assert "X-Cache" not in response.headers
