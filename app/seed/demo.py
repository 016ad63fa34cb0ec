"""Build the demo data set; each part checks what exists so a second run adds nothing."""

from app.auth.models import Role, User, UserRole
from app.auth.passwords import hash_password
from app.auth.services import find_user_by_email
from app.database import utcnow
from app.extensions import db
from app.seed.calls import seed_calls
from app.seed.decisions import seed_decisions
from app.seed.members import seed_members
from app.seed.reviews import seed_reviews

DEMO_PASSWORD = "seedbed-demo-2026"

DEMO_ACCOUNTS = [
    ("admin@seedbed.test", "Avery Admin", [Role.ADMIN], "America/New_York"),
    ("researcher@seedbed.test", "Rosa Researcher", [Role.RESEARCHER], "America/New_York"),
    ("reviewer@seedbed.test", "Ravi Reviewer", [Role.REVIEWER], "Europe/London"),
    ("member@seedbed.test", "Mia Member", [Role.MEMBER], "Europe/Berlin"),
]


def ensure_user(email: str, name: str, roles: list[Role], timezone: str) -> User:
    """Return the demo user with this address, creating it (verified, demo password) if missing."""
    user = find_user_by_email(email)
    if user is None:
        user = User(
            email=email,
            name=name,
            password_hash=hash_password(DEMO_PASSWORD),
            timezone=timezone,
            is_active=True,
            email_verified_at=utcnow(),
        )
        db.session.add(user)
    for role in roles:
        if not user.has_role(role):
            user.roles.append(UserRole(role=role, granted_at=utcnow()))
    db.session.flush()
    return user


def seed_demo() -> list[tuple[str, str]]:
    """Load every demo part; return the demo accounts and their roles."""
    users = {
        email: ensure_user(email, name, roles, timezone)
        for email, name, roles, timezone in DEMO_ACCOUNTS
    }
    seed_members(admin=users["admin@seedbed.test"], representative=users["member@seedbed.test"])
    seed_calls(admin=users["admin@seedbed.test"], ensure_user=ensure_user)
    seed_reviews(admin=users["admin@seedbed.test"], ensure_user=ensure_user)
    seed_decisions(admin=users["admin@seedbed.test"], ensure_user=ensure_user)
    return [
        (email, ", ".join(role.label for role in roles)) for email, _, roles, _ in DEMO_ACCOUNTS
    ]
