"""Reads over user accounts for administrators."""

import sqlalchemy as sa

from app.auth.models import Role, User, UserRole


def users_query(*, q: str = "", role: str = "", status: str = "") -> sa.Select:
    """Return a select of users matching a search text, a role and a status, by name."""
    query = sa.select(User)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(User.email.like(pattern), sa.func.lower(User.name).like(pattern))
        )
    if role:
        query = query.where(User.roles.any(UserRole.role == Role(role)))
    if status == "active":
        query = query.where(User.is_active.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active.is_(False))
    elif status == "invited":
        query = query.where(User.password_hash.is_(None))
    return query.order_by(sa.func.lower(User.name), User.id)
