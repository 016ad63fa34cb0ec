"""Accounts, users, audit and outbox routes in the authorization matrix."""

from app.api import tokens
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import NotificationStatus
from tests.authz import HOME, LOGIN, Route, admin_only, everyone, signed_in
from tests.factories import UserFactory

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
        "auth.create_access_token",
        "POST",
        "/account/tokens",
        signed_in(200),
        {"token-name": "Matrix token"},
        changes=True,
    ),
    Route(
        "auth.revoke_access_token",
        "POST",
        "/account/tokens/{own_token}/revoke",
        signed_in(404) | {"admin": 302},
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


def arrange(people) -> dict[str, int]:
    """Create the users and the message the paths name."""
    UserFactory(admin=True)  # so the administrator under test is never the last one
    target = UserFactory(researcher=True)
    inactive = UserFactory(researcher=True, deactivated=True)
    [message] = notifications.enqueue("password_changed", target, {"reset_url": "x"})
    message.status, message.attempts, message.last_error = NotificationStatus.FAILED, 8, "x"
    # The administrator's token: only its owner may revoke it (others get 404).
    own_token, _raw = tokens.create_token(
        people["admin"], name="Matrix", expires_on=None, actor=people["admin"]
    )
    db.session.commit()
    return {
        "target": target.id,
        "inactive": inactive.id,
        "notification": message.id,
        "own_token": own_token.id,
    }
