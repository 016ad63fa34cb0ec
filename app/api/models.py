"""Personal access tokens: how programs sign in to the API as a user."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.database import UTCDateTime
from app.extensions import db


class AccessToken(db.Model):
    """A named, revocable bearer token that acts as its user; only its hash is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The first characters of the token, shown so its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="name_present"),
        sa.CheckConstraint(
            "expires_at IS NULL OR expires_at > created_at", name="expires_after_creation"
        ),
    )

    def is_usable(self, now: datetime) -> bool:
        """Tell whether the token may still sign in: not revoked and not expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def __repr__(self) -> str:
        return f"<AccessToken {self.id} {self.name!r} user={self.user_id}>"
