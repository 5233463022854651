"""?page= and ?page_size= with the totals in X-Pagination."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import ok, plan_body


@pytest.fixture
def twelve_plans(client, admin, world):
    for year in range(2030, 2039):
        ok(client.post("/api/v1/plans", json=plan_body("MST", period_start=year,
                                                         period_end=year), headers=admin), 201)
    return 12


def test_pages_and_header(client, admin, twelve_plans):
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"/api/v1/plans?page={page}&page_size=5", headers=admin)
        header = json.loads(response.headers["X-Pagination"])
        assert header["total"] == 12
        assert header["total_pages"] == 3
        assert header["page"] == page
        seen += [p["id"] for p in ok(response)]
    assert len(seen) == 12 == len(set(seen))
    assert seen == sorted(seen)


def test_past_the_end_is_empty(client, admin, twelve_plans):
    response = client.get("/api/v1/plans?page=9&page_size=5", headers=admin)
    assert ok(response) == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 12


@pytest.mark.parametrize("url", ["/api/v1/plans", "/api/v1/goals", "/api/v1/institutions",
                                 "/api/v1/ministries"])
def test_page_size_above_maximum_is_422(client, admin, world, url):
    body = problem_of(client.get(f"{url}?page_size=100000", headers=admin), 422)
    assert "page_size" in body["errors"]
    assert "page" in problem_of(client.get(f"{url}?page=0", headers=admin), 422)["errors"]


@pytest.mark.parametrize("url", ["/api/v1/goals", "/api/v1/institutions", "/api/v1/ministries"])
def test_other_lists_carry_the_header(client, admin, world, url):
    response = client.get(f"{url}?page_size=1", headers=admin)
    assert len(ok(response)) == 1
    header = json.loads(response.headers["X-Pagination"])
    assert header["total"] == {"goals": 3, "institutions": 3, "ministries": 2}[url.split("/")[-1]]
