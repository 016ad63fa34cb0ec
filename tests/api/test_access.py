"""Who reaches the API at all: tokens, never cookies; the documentation is public."""

from datetime import timedelta

import pytest
from werkzeug.routing import AnyConverter

from app import clock
from app.api import tokens
from app.auth.models import Role
from app.auth.services import revoke_role
from app.extensions import db
from tests.api.helpers import API, ApiClient, offline_app, unchanged_state
from tests.factories import CallFactory, UserFactory

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _api_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the API's resources, with ids filled in."""
    adapter = offline_app().url_map.bind("localhost")
    routes = []
    for rule in offline_app().url_map.iter_rules():
        if not rule.endpoint.startswith("api_") or rule.endpoint.startswith("api_docs"):
            continue
        values = {
            name: sorted(converter.items)[0] if isinstance(converter, AnyConverter) else 1
            for name, converter in rule._converters.items()
        }
        path = adapter.build(rule.endpoint, values)
        routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_a_signed_in_browser_session_does_not_reach_the_api(login):
    """Cookies would open the API to cross-site requests: every route wants a token."""
    browser = login(UserFactory(roles_given=tuple(Role)))
    CallFactory()
    before = unchanged_state()
    answers = {
        (method, path): browser.open(path, method=method, json={}).status_code
        for method, path in _api_routes()
    }
    assert set(answers.values()) == {401}, answers
    assert len(answers) > 10
    assert unchanged_state() == before


@pytest.mark.parametrize(
    "path", ["/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/assets/swagger-ui-bundle.js"]
)
def test_the_documentation_is_public(client, path):
    assert client.get(path).status_code == 200


def test_the_reference_page_loads_nothing_from_elsewhere(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert "/api/v1/openapi.json" in page


def test_the_document_describes_every_route_with_bearer_auth(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = [
        operation
        for path_item in document["paths"].values()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    ]
    assert len(operations) == len(_api_routes())
    for operation in operations:
        assert {"400", "401", "429"} <= set(operation["responses"])
        assert "default" not in operation["responses"]


def test_errors_are_json_never_html(api, admin):
    client = api(admin)
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "status": 404,
        "code": "not_found",
        "message": "There is nothing here, or it is not yours to see.",
    }
    wrong_method = client.put("/calls/")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]
    assert wrong_method.get_json()["code"] == "method_not_allowed"
    malformed = client.post(
        "/calls/", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code in (400, 422)
    assert malformed.is_json


def test_token_acts_with_its_users_current_roles(api, audit_log):
    user = UserFactory(roles_given=(Role.ADMIN, Role.RESEARCHER))
    UserFactory(admin=True)  # not the last administrator
    client = api(user)
    assert client.get("/audit/events").status_code != 401
    assert client.post("/calls/", json={}).status_code == 422  # an admin: validated
    revoke_role(user, Role.ADMIN, actor=user)
    db.session.commit()
    assert client.post("/calls/", json={}).status_code == 403


def test_revoked_expired_and_deactivated_tokens_are_refused(app):
    user = UserFactory(researcher=True)
    revoked, revoked_raw = tokens.create_token(user, name="a", expires_on=None, actor=user)
    expiring, expiring_raw = tokens.create_token(
        user, name="b", expires_on=clock.today(), actor=user
    )
    live, live_raw = tokens.create_token(user, name="c", expires_on=None, actor=user)
    tokens.revoke_token(revoked, actor=user)
    expiring.created_at = clock.now() - timedelta(days=2)
    expiring.expires_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    statuses = {
        name: ApiClient(app.test_client(), raw).get("/calls/").status_code
        for name, raw in [("revoked", revoked_raw), ("expired", expiring_raw), ("live", live_raw)]
    }
    assert statuses == {"revoked": 401, "expired": 401, "live": 200}
    user.is_active = False
    user.deactivated_at = clock.now()
    db.session.commit()
    assert ApiClient(app.test_client(), live_raw).get("/calls/").status_code == 401


def test_last_use_is_recorded(api, researcher):
    client = api(researcher)
    [token] = tokens.active_tokens(researcher)
    assert token.last_used_at is None
    client.get("/calls/")
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_requests_are_rate_limited_per_token(app, api, researcher, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    limited, other = api(researcher), api(UserFactory(researcher=True))
    answers = [limited.get("/calls/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = limited.get("/calls/")
    assert refused.get_json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert other.get("/calls/").status_code == 200


def test_the_api_prefix_is_versioned():
    assert API == "/api/v1"


def test_operators_create_a_token_from_the_command_line(app, audit_log):
    user = UserFactory(researcher=True, email="script.user@example.edu")
    result = app.test_cli_runner().invoke(
        args=["users", "create-token", "script.user@example.edu", "--name", "Nightly sync"]
    )
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert ApiClient(app.test_client(), raw).get("/calls/").status_code == 200
    [token] = tokens.active_tokens(user)
    assert token.name == "Nightly sync" and token.expires_at is None
    [event] = audit_log("access_token.created")
    assert event.actor_id is None and event.detail["user_id"] == user.id


def test_the_command_refuses_an_unknown_address(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-token", "nobody@example.edu", "--name", "x"]
    )
    assert result.exit_code != 0
    assert "No active account" in result.output
