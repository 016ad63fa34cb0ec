"""Every registered route × every role: the expected answer, and a refused POST changes nothing.

Adding a route without a row here fails `test_every_route_is_in_the_matrix`.
"""

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import NotificationStatus
from tests.factories import UserFactory

ROLES = ("anonymous", "researcher", "reviewer", "member", "admin")
LOGIN = "login"  # a redirect to the sign-in page
HOME = "home"  # a redirect to the home page


@dataclass(frozen=True)
class Route:
    """One endpoint, how to call it, and what each role gets."""

    endpoint: str
    method: str
    path: str
    expect: dict[str, int | str]
    data: dict = field(default_factory=dict)
    changes: bool = False  # True where an allowed call is meant to change the database


def everyone(status, anonymous=None) -> dict:
    return {role: status for role in ROLES} | ({"anonymous": anonymous} if anonymous else {})


def admin_only(status) -> dict:
    return {"anonymous": LOGIN, "researcher": 403, "reviewer": 403, "member": 403, "admin": status}


def signed_in(status) -> dict:
    return everyone(status, anonymous=LOGIN)


ROUTES = [
    Route("main.home", "GET", "/", everyone(200)),
    Route("main.healthz", "GET", "/healthz", everyone(200)),
    Route("auth.login", "GET", "/login", everyone(HOME, anonymous=200)),
    Route(
        "auth.login",
        "POST",
        "/login",
        everyone(HOME, anonymous=200),
        {"email": "x@y.z", "password": "nope"},
    ),
    Route("auth.register", "GET", "/register", everyone(HOME, anonymous=200)),
    Route("auth.register", "POST", "/register", everyone(HOME, anonymous=200), {"email": "bad"}),
    Route("auth.verify_email", "GET", "/verify/not-a-token", everyone(400)),
    Route("auth.forgot", "GET", "/forgot", everyone(200)),
    Route("auth.forgot", "POST", "/forgot", everyone(302), {"email": "nobody@example.org"}),
    Route("auth.reset_password", "GET", "/reset/not-a-token", everyone(400)),
    Route(
        "auth.reset_password",
        "POST",
        "/reset/not-a-token",
        everyone(400),
        {"password": "x" * 20, "confirm": "x" * 20},
    ),
    Route("auth.accept_invitation", "GET", "/invitation/not-a-token", everyone(400)),
    Route(
        "auth.accept_invitation",
        "POST",
        "/invitation/not-a-token",
        everyone(400),
        {"password": "x" * 20},
    ),
    Route("auth.logout", "POST", "/logout", everyone(302, anonymous=LOGIN), changes=True),
    Route("auth.profile", "GET", "/account", signed_in(200)),
    Route(
        "auth.profile",
        "POST",
        "/account",
        signed_in(302),
        {"name": "Renamed", "timezone": "UTC"},
        changes=True,
    ),
    Route(
        "auth.change_password",
        "POST",
        "/account/password",
        signed_in(200),
        {"current_password": "wrong"},
    ),
    Route("users.index", "GET", "/admin/users/", admin_only(200)),
    Route("users.invite", "GET", "/admin/users/invite", admin_only(200)),
    Route(
        "users.invite",
        "POST",
        "/admin/users/invite",
        admin_only(302),
        {"email": "new@example.org", "roles": ["reviewer"]},
        changes=True,
    ),
    Route("users.detail", "GET", "/admin/users/{target}", admin_only(200)),
    Route(
        "users.grant_role",
        "POST",
        "/admin/users/{target}/roles",
        admin_only(302),
        {"role": "reviewer"},
        changes=True,
    ),
    Route(
        "users.revoke_role",
        "POST",
        "/admin/users/{target}/roles/researcher/revoke",
        admin_only(302),
        changes=True,
    ),
    Route(
        "users.deactivate",
        "POST",
        "/admin/users/{target}/deactivate",
        admin_only(302),
        {"reason": "x"},
        changes=True,
    ),
    Route(
        "users.reactivate",
        "POST",
        "/admin/users/{inactive}/reactivate",
        admin_only(302),
        changes=True,
    ),
    Route("audit.index", "GET", "/admin/audit/", admin_only(200)),
    Route("notifications.index", "GET", "/admin/outbox/", admin_only(200)),
    Route("notifications.detail", "GET", "/admin/outbox/{notification}", admin_only(200)),
    Route(
        "notifications.retry",
        "POST",
        "/admin/outbox/{notification}/retry",
        admin_only(302),
        changes=True,
    ),
]

IGNORED_ENDPOINTS = {"static", "bootstrap.static"}


def snapshot() -> dict[str, list[tuple]]:
    """Return every row of every table, to prove a refused request changed nothing."""
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables


@pytest.fixture
def world(login, client):
    users = {
        "researcher": UserFactory(researcher=True),
        "reviewer": UserFactory(reviewer=True),
        "member": UserFactory(member=True),
        "admin": UserFactory(admin=True),
    }
    UserFactory(admin=True)  # so the admin under test is never the last one
    target = UserFactory(researcher=True)
    inactive = UserFactory(researcher=True, deactivated=True)
    [message] = notifications.enqueue("password_changed", target, {"reset_url": "x"})
    message.status, message.attempts, message.last_error = NotificationStatus.FAILED, 8, "x"
    db.session.commit()
    clients = {role: login(user) for role, user in users.items()} | {"anonymous": client}
    ids = {"target": target.id, "inactive": inactive.id, "notification": message.id}
    return clients, ids


def test_every_route_is_in_the_matrix(app):
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in IGNORED_ENDPOINTS
    }
    covered = {(route.endpoint, route.method) for route in ROUTES}

    assert registered - covered == set(), "add these routes to ROUTES"
    assert covered - registered == set(), "ROUTES names routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_route_answers_each_role_as_expected(world, route, role):
    clients, ids = world
    expected = route.expect[role]
    before = snapshot() if route.method == "POST" else None

    response = clients[role].open(route.path.format(**ids), method=route.method, data=route.data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif expected == HOME:
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
    else:
        assert response.status_code == expected
    refused = expected in (LOGIN, 403, 404, 400) or not route.changes
    if route.method == "POST" and refused:
        after = snapshot()
        changed = {name for name in after if after[name] != before[name]}
        # A failed sign-in with an unknown address writes nothing; nor does any refusal.
        assert changed == set(), f"a refused {route.method} {route.path} changed {changed}"
