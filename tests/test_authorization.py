"""Every registered route × every role: the expected answer, and a refused POST changes nothing.

Each feature lists its routes in `tests/<feature>/routes.py` (see tests/authz.py); a route
registered in the app but listed nowhere fails `test_every_route_is_in_the_matrix`.
"""

import pytest

from app.extensions import db
from tests import core_routes
from tests.authz import HOME, LOGIN, ROLES
from tests.awards import report_routes as award_report_routes
from tests.awards import routes as award_routes
from tests.calls import routes as call_routes
from tests.dbutil import snapshot
from tests.decisions import ranking_routes as decision_ranking_routes
from tests.decisions import routes as decision_routes
from tests.factories import UserFactory
from tests.interest import routes as interest_routes
from tests.members import dashboard_routes as member_dashboard_routes
from tests.members import routes as member_routes
from tests.members import transfer_routes as member_transfer_routes
from tests.portal import routes as portal_routes
from tests.proposals import admin_routes as proposal_admin_routes
from tests.proposals import routes as proposal_routes
from tests.reviews import admin_routes as review_admin_routes
from tests.reviews import routes as review_routes

FEATURES = [
    core_routes,
    member_routes,
    member_dashboard_routes,
    member_transfer_routes,
    portal_routes,
    proposal_routes,
    proposal_admin_routes,
    call_routes,
    review_admin_routes,
    review_routes,
    interest_routes,
    decision_ranking_routes,
    decision_routes,
    award_routes,
    award_report_routes,
]
ROUTES = [route for feature in FEATURES for route in feature.ROUTES]
IGNORED_ENDPOINTS = {"static", "bootstrap.static"}
# The JSON API signs in by token only; tests/api/test_access.py covers every one of its routes
# for every role (with a token) and with a session cookie (refused).
API_BLUEPRINT_PREFIXES = ("api_", "api-docs.")


@pytest.fixture
def world(login, client):
    people = {
        "researcher": UserFactory(researcher=True),
        "reviewer": UserFactory(reviewer=True),
        "member": UserFactory(member=True),
        "other_member": UserFactory(member=True),
        "admin": UserFactory(admin=True),
    }
    ids = {}
    for feature in FEATURES:
        if hasattr(feature, "arrange"):
            ids |= feature.arrange(people)
    db.session.commit()
    clients = {role: login(user) for role, user in people.items()} | {"anonymous": client}
    return clients, ids


def test_every_route_is_in_the_matrix(app):
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in IGNORED_ENDPOINTS
        and not rule.endpoint.startswith(API_BLUEPRINT_PREFIXES)
    }
    covered = {(route.endpoint, route.method) for route in ROUTES}

    assert registered - covered == set(), "add these routes to a tests/<feature>/routes.py"
    assert covered - registered == set(), "these listed routes do not exist"


def test_every_route_states_every_role():
    incomplete = [route.endpoint for route in ROUTES if set(route.expect) != set(ROLES)]

    assert incomplete == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint} {r.path}")
def test_route_answers_each_role_as_expected(world, route, role):
    clients, ids = world
    expected = route.expect[role]
    before = snapshot() if route.method == "POST" else None

    data = {
        key: value.format(**ids) if isinstance(value, str) else value
        for key, value in route.data.items()
    }
    response = clients[role].open(route.path.format(**ids), method=route.method, data=data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif expected == HOME:
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
    else:
        assert response.status_code == expected
    refused = expected in (LOGIN, 400, 403, 404) or not route.changes
    if route.method == "POST" and refused:
        after = snapshot()
        changed = {name for name in after if after[name] != before[name]}
        assert changed == set(), f"a refused {route.method} {route.path} changed {changed}"
