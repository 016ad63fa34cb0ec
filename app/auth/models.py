"""Users, their roles and their one-time tokens."""

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TimestampMixin, UTCDateTime, enum_column
from app.extensions import db


class Role(StrEnum):
    """What a user may do; one user may hold several."""

    RESEARCHER = "researcher"
    REVIEWER = "reviewer"
    MEMBER = "member"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.RESEARCHER: "Researcher",
    Role.REVIEWER: "Reviewer",
    Role.MEMBER: "Member representative",
    Role.ADMIN: "Administrator",
}


class TokenPurpose(StrEnum):
    """What a one-time link is for."""

    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"
    INVITATION = "invitation"


def new_session_token() -> str:
    """Return a fresh random session identifier (rotated to sign a user out everywhere)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, db.Model):
    """A person who signs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        # The user list sorts and searches by lower(name); without this it sorts the table.
        sa.Index("ix_users_lower_name", sa.text("lower(name)")),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(
            "(is_active AND deactivated_at IS NULL)"
            " OR (NOT is_active AND deactivated_at IS NOT NULL)",
            name="deactivated_at_iff_inactive",
        ),
    )

    def get_id(self) -> str:
        """Identify the session by a rotating token, so a password change signs out elsewhere."""
        return self.session_token

    @property
    def role_set(self) -> frozenset[Role]:
        """Return the roles this user holds."""
        return frozenset(Role(user_role.role) for user_role in self.roles)

    def has_role(self, role: Role) -> bool:
        """Tell whether the user holds a role."""
        return role in self.role_set

    @property
    def is_admin(self) -> bool:
        """Tell whether the user is an administrator."""
        return self.has_role(Role.ADMIN)

    @property
    def has_password(self) -> bool:
        """Tell whether the user has set a password (an invited user may not have yet)."""
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="roles")

    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"


class UserToken(db.Model):
    """A one-time, expiring link sent by email; only its hash is stored."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    granted_roles: Mapped[str | None] = mapped_column(sa.String(100))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<UserToken {self.id} {self.purpose} user={self.user_id}>"
