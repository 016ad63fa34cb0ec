"""Create, list, revoke and check personal access tokens."""

import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.api.models import AccessToken
from app.audit import services as audit
from app.auth.models import User
from app.errors import ValidationError, WorkflowError
from app.extensions import db

# A recognisable prefix lets secret scanners and people tell a Seedbed token at a glance.
TOKEN_PREFIX = "sbd_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_ACTIVE_TOKENS = 20


def hash_token(raw: str) -> str:
    """Return the stored form of a raw token (tokens are random, so SHA-256 suffices)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def active_tokens(user: User) -> list[AccessToken]:
    """Return the user's tokens that are not revoked, newest first (expired ones included)."""
    return list(
        db.session.scalars(
            sa.select(AccessToken)
            .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def end_of_day(day: date, zone: str) -> datetime:
    """Return the last instant of a day in the user's time zone, as an aware UTC datetime."""
    local = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone))
    return local.astimezone(ZoneInfo("UTC"))


def create_token(
    user: User, *, name: str, expires_on: date | None, actor: User | None
) -> tuple[AccessToken, str]:
    """Create a token for the user and return it with its raw value (shown once, never stored).

    Side effects: audit `access_token.created`. Raises: ValidationError for a blank or
    duplicate name, a past expiry date or too many tokens.
    """
    name = name.strip()
    if not name:
        raise ValidationError(
            "Give the token a name, such as the program that will use it.", field="name"
        )
    tokens = active_tokens(user)
    if any(token.name.lower() == name.lower() for token in tokens):
        raise ValidationError("You already have a token with this name.", field="name")
    if len(tokens) >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"You have {MAX_ACTIVE_TOKENS} tokens; revoke one you no longer use first.",
            field="name",
        )
    now = clock.now()
    expires_at = end_of_day(expires_on, user.timezone) if expires_on else None
    if expires_at is not None and expires_at <= now:
        raise ValidationError("Choose an expiry date from today onwards.", field="expires_on")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        name=name,
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "access_token.created",
        token,
        {"name": name, "user_id": user.id, "expires_at": expires_at and expires_at.isoformat()},
    )
    return token, raw


def revoke_token(token: AccessToken, *, actor: User) -> None:
    """Revoke a token at once; requests with it are refused from now on.

    Side effects: audit `access_token.revoked`. Raises: WorkflowError if already revoked.
    """
    if token.revoked_at is not None:
        raise WorkflowError("This token was already revoked.")
    token.revoked_at = clock.now()
    audit.record(
        actor, "access_token.revoked", token, {"name": token.name, "user_id": token.user_id}
    )


def authenticate(raw: str) -> User | None:
    """Return the active user a raw token acts for, recording its use; None if it may not."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        sa.select(AccessToken).where(AccessToken.token_hash == hash_token(raw))
    )
    now = clock.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    # Writing last_used_at on every request would turn every read into a write; a minute is
    # precise enough to tell whether a token is still in use.
    resolution = timedelta(seconds=current_app.config["API_LAST_USED_RESOLUTION_SECONDS"])
    if token.last_used_at is None or now - token.last_used_at >= resolution:
        token.last_used_at = now
        db.session.commit()
    return token.user
