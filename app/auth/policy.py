"""Who may manage accounts."""

from app.auth.models import Role, User


def is_signed_in(user) -> bool:
    """Tell whether the user is a signed-in, active account."""
    return bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def has_role(user, role: Role) -> bool:
    """Tell whether a signed-in user holds the role."""
    return is_signed_in(user) and user.has_role(role)


def can_manage_users(user) -> bool:
    """Administrators manage accounts and roles."""
    return has_role(user, Role.ADMIN)


def can_view_audit_log(user) -> bool:
    """Administrators read the whole audit log."""
    return has_role(user, Role.ADMIN)


def can_manage_outbox(user) -> bool:
    """Administrators see the outbox and retry messages."""
    return has_role(user, Role.ADMIN)


def can_deactivate(user, target: User) -> bool:
    """Administrators deactivate others; nobody deactivates themselves from the admin page."""
    return can_manage_users(user) and target.id != user.id and target.is_active
