from tests.support.factories import goal_body, ok, plan_body


def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_missing_token_is_401_problem(client):
    response = client.get("/api/v1/plans")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_create_plan_and_goal(client, admin, world):
    plan = world["plans"]["UFST"]
    assert plan["reference"] == "UFST-2026"
    assert plan["status"] == "draft"
    assert plan["ministry"] == "SKM"
    second = ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)
    assert second["reference"] == "UFST-2026-2"
    goal = world["goals"]["UFST"]
    assert goal["code"] == "M1"
    assert goal["indicators"][0]["target"] == 30
    dup = client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(), headers=admin)
    assert dup.status_code == 409
    assert "code" in dup.get_json()["errors"]
