"""The route × role matrix: shared vocabulary for each feature's `tests/<feature>/routes.py`.

A feature module defines `ROUTES` (a list of `Route`) and may define `arrange(people)`, which
creates the objects its paths name and returns their ids for the `{placeholders}`.
"""

from dataclasses import dataclass, field

ROLES = ("anonymous", "researcher", "reviewer", "member", "other_member", "admin")
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
    """Every role gets `status` (anonymous may differ)."""
    return {role: status for role in ROLES} | ({"anonymous": anonymous} if anonymous else {})


def admin_only(status) -> dict:
    """Administrators get `status`; other signed-in users 403; anonymous goes to sign in."""
    return everyone(403, anonymous=LOGIN) | {"admin": status}


def signed_in(status) -> dict:
    """Every signed-in user gets `status`; anonymous goes to sign in."""
    return everyone(status, anonymous=LOGIN)
