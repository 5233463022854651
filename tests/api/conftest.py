"""Tokens for the three roles, and an approved plan, on top of the ``world`` fixture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.factories import ok


@pytest.fixture
def department(token: Callable[..., dict[str, str]], world: dict[str, Any]) -> dict[str, str]:
    """The Skatteministeriet department (UFST and MST)."""
    return token("department", ministry="SKM")


@pytest.fixture
def institution(token: Callable[..., dict[str, str]], world: dict[str, Any]) -> dict[str, str]:
    """UFST."""
    return token("institution", institution="UFST")


@pytest.fixture
def approved(client: FlaskClient, admin: dict[str, str], world: dict[str, Any]) -> dict[str, Any]:
    """UFST's plan, approved by the admin."""
    plan = world["plans"]["UFST"]
    return ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of an error answer with ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("urn:mrp:problem:")
    return body
