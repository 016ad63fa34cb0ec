"""Every model, imported in one place for Alembic and `flask shell`."""

from app.audit.models import AuditEvent
from app.auth.models import Role, User, UserRole, UserToken
from app.notifications.models import Notification

__all__ = ["AuditEvent", "Notification", "Role", "User", "UserRole", "UserToken"]
