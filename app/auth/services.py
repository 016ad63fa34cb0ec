"""Every change to accounts: registration, sign-in records, passwords, invitations, roles."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app

from app.audit import services as audit
from app.auth.models import Role, TokenPurpose, User, UserRole, UserToken, new_session_token
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.database import utcnow
from app.errors import ConflictError, PermissionDenied, ValidationError
from app.extensions import db
from app.notifications import services as notifications
from app.urls import external_url

INVALID_LINK = "This link is invalid, has expired or has already been used."


def normalize_email(email: str) -> str:
    """Return the canonical form of an address (trimmed, lower case)."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Return the user with this address, whatever its letter case."""
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def check_timezone(name: str) -> str:
    """Return the IANA zone name or raise ValidationError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Choose a time zone from the list.", field="timezone")
    return name


def check_password_strength(password: str, *, field: str = "password") -> None:
    """Raise ValidationError if the password is shorter than the configured minimum."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError(f"Use at least {minimum} characters.", field=field)


def email_domain_allowed(email: str) -> bool:
    """Tell whether self-registration accepts this address's domain."""
    domains = current_app.config["REGISTRATION_EMAIL_DOMAINS"]
    if not domains:
        return True
    domain = normalize_email(email).rsplit("@", 1)[-1]
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in domains)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    user: User,
    purpose: TokenPurpose,
    lifetime: timedelta,
    *,
    created_by: User | None = None,
    granted_roles: Iterable[Role] = (),
) -> str:
    """Store a new one-time token for the user and return its raw value (sent by email only)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserToken(
            user=user,
            purpose=purpose,
            token_hash=_hash_token(raw),
            created_at=now,
            expires_at=now + lifetime,
            created_by_id=created_by.id if created_by else None,
            granted_roles=",".join(sorted(role.value for role in granted_roles)) or None,
        )
    )
    return raw


def peek_token(raw: str, purpose: TokenPurpose) -> UserToken | None:
    """Return the live token for a raw value without using it up, or None."""
    token = db.session.scalar(
        sa.select(UserToken).where(
            UserToken.token_hash == _hash_token(raw), UserToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def consume_token(raw: str, purpose: TokenPurpose) -> UserToken:
    """Mark a live token used and return it.

    Raises: ValidationError if it is unknown, expired or already used.
    """
    token = db.session.scalar(
        sa.select(UserToken)
        .where(UserToken.token_hash == _hash_token(raw), UserToken.purpose == purpose)
        # Two clicks at once: the second waits and then sees used_at set.
        .with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise ValidationError(INVALID_LINK)
    token.used_at = utcnow()
    return token


def _grant(user: User, role: Role) -> bool:
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role, granted_at=utcnow()))
    return True


def register_user(*, email: str, name: str, password: str, timezone: str) -> User | None:
    """Register a researcher account awaiting email confirmation.

    When the address already has an account, nothing is created and its owner is told
    by email instead, so the page never reveals who has an account.
    Side effects: audit `user.registered`; notification `verify_email` or `account_exists`.
    Raises: ValidationError for a disallowed domain, a short password or a bad time zone.
    """
    email = normalize_email(email)
    if not current_app.config["REGISTRATION_OPEN"]:
        raise PermissionDenied("Registration is closed; ask the program office for an invitation.")
    if not email_domain_allowed(email):
        domains = ", ".join(current_app.config["REGISTRATION_EMAIL_DOMAINS"])
        raise ValidationError(
            f"Registration is open to addresses at {domains}. Ask the program office for an "
            "invitation if yours is elsewhere.",
            field="email",
        )
    check_password_strength(password)
    check_timezone(timezone)
    existing = find_user_by_email(email)
    if existing is not None:
        notifications.enqueue(
            "account_exists",
            existing,
            {"login_url": external_url("auth.login"), "reset_url": external_url("auth.forgot")},
        )
        return None
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        timezone=timezone,
        is_active=True,
    )
    _grant(user, Role.RESEARCHER)
    db.session.add(user)
    db.session.flush()
    audit.record(user, "user.registered", user, {"email": email})
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Email the user a link that confirms their address."""
    raw = issue_token(user, TokenPurpose.VERIFY_EMAIL, timedelta(days=3))
    notifications.enqueue(
        "verify_email", user, {"verify_url": external_url("auth.verify_email", token=raw)}
    )


def verify_email(raw_token: str) -> User:
    """Confirm the address behind a verification link and return its user.

    Side effects: audit `user.email_verified`.
    Raises: ValidationError for an invalid, expired or used link.
    """
    token = consume_token(raw_token, TokenPurpose.VERIFY_EMAIL)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(user, "user.email_verified", user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active, confirmed user with these credentials, or None.

    Side effects: audit `user.login_failed` for a wrong password on a real account.
    """
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        audit.record(None, "user.login_failed", user)
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user: User) -> None:
    """Stamp a successful sign-in. Side effects: audit `user.logged_in`."""
    user.last_login_at = utcnow()
    audit.record(user, "user.logged_in", user)


def record_logout(user: User) -> None:
    """Note a sign-out. Side effects: audit `user.logged_out`."""
    audit.record(user, "user.logged_out", user)


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change a user's password and sign out their other sessions.

    Side effects: rotates the session token; audit `user.password_changed`; notification.
    Raises: ValidationError for a wrong current password or a short new one.
    """
    if not verify_password(user.password_hash, current_password):
        raise ValidationError("That is not your current password.", field="current_password")
    check_password_strength(new_password, field="new_password")
    _set_password(user, new_password)
    audit.record(user, "user.password_changed", user)
    notifications.enqueue("password_changed", user, {"reset_url": external_url("auth.forgot")})


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an active account; otherwise do nothing visible.

    Side effects: audit `user.password_reset_requested`; notification `password_reset`.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    hours = current_app.config["RESET_TOKEN_HOURS"]
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(hours=hours))
    audit.record(None, "user.password_reset_requested", user)
    notifications.enqueue(
        "password_reset",
        user,
        {"reset_url": external_url("auth.reset_password", token=raw), "hours": hours},
    )


def reset_password(raw_token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link then stops working.

    Side effects: confirms the address; signs out other sessions; audit `user.password_reset`.
    Raises: ValidationError for a bad link or a short password.
    """
    check_password_strength(new_password)
    token = consume_token(raw_token, TokenPurpose.PASSWORD_RESET)
    user = token.user
    if not user.is_active:
        raise ValidationError(INVALID_LINK)
    _set_password(user, new_password)
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(user, "user.password_reset", user)
    return user


INVITABLE_ROLES = (Role.REVIEWER, Role.MEMBER, Role.RESEARCHER, Role.ADMIN)


def invite_user(*, email: str, name: str, roles: Iterable[Role], actor: User) -> User:
    """Invite someone by email with the given roles.

    A new address gets an account without a password and a link to set one; an existing
    account is granted the roles and told so.
    Side effects: audit `user.invited` and `user.role_granted`; notification `invitation`
    or `roles_granted`.
    Raises: ValidationError with no role; PermissionDenied for a non-administrator.
    """
    roles = [Role(role) for role in roles]
    if not actor.is_admin:
        raise PermissionDenied("Only administrators invite people.")
    if not roles:
        raise ValidationError("Choose at least one role.", field="roles")
    email = normalize_email(email)
    user = find_user_by_email(email)
    if user is not None:
        added = [role for role in roles if grant_role(user, role, actor=actor)]
        if added:
            notifications.enqueue(
                "roles_granted",
                user,
                {"roles": [role.label for role in added], "login_url": external_url("auth.login")},
            )
        return user
    user = User(
        email=email,
        name=name.strip() or email,
        timezone=actor.timezone,
        is_active=True,
    )
    db.session.add(user)
    db.session.flush()
    for role in roles:
        _grant(user, role)
    days = current_app.config["INVITATION_TOKEN_DAYS"]
    raw = issue_token(
        user, TokenPurpose.INVITATION, timedelta(days=days), created_by=actor, granted_roles=roles
    )
    audit.record(actor, "user.invited", user, {"email": email, "roles": [r.value for r in roles]})
    notifications.enqueue(
        "invitation",
        user,
        {
            "inviter": actor,
            "roles": [role.label for role in roles],
            "accept_url": external_url("auth.accept_invitation", token=raw),
            "days": days,
        },
    )
    return user


def accept_invitation(raw_token: str, *, name: str, password: str, timezone: str) -> User:
    """Set up an invited account: name, password and time zone; the link then stops working.

    Side effects: confirms the address; audit `user.invitation_accepted`.
    Raises: ValidationError for a bad link, a short password or a bad time zone.
    """
    check_password_strength(password)
    check_timezone(timezone)
    token = consume_token(raw_token, TokenPurpose.INVITATION)
    user = token.user
    if not user.is_active:
        raise ValidationError(INVALID_LINK)
    user.name = name.strip() or user.name
    user.timezone = timezone
    _set_password(user, password)
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(user, "user.invitation_accepted", user)
    return user


def update_profile(user: User, *, name: str, timezone: str) -> None:
    """Change a user's own name and time zone. Side effects: audit `user.profile_updated`."""
    check_timezone(timezone)
    changes = {}
    if user.name != name.strip():
        changes["name"] = [user.name, name.strip()]
        user.name = name.strip()
    if user.timezone != timezone:
        changes["timezone"] = [user.timezone, timezone]
        user.timezone = timezone
    if changes:
        audit.record(user, "user.profile_updated", user, changes)


def _lock_active_admins() -> list[User]:
    # Locking every active administrator serialises two admins demoting each other at once,
    # so the last-administrator rule cannot be raced on PostgreSQL.
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole)
            .where(UserRole.role == Role.ADMIN, User.is_active.is_(True))
            .order_by(User.id)
            .with_for_update(of=User)
        )
    )


def _ensure_not_last_admin(user: User, message: str) -> None:
    admins = _lock_active_admins()
    if [admin.id for admin in admins] == [user.id]:
        raise ConflictError(message)


def grant_role(user: User, role: Role, *, actor: User | None) -> bool:
    """Give the user a role; return False if they already had it.

    Side effects: audit `user.role_granted`.
    """
    if not _grant(user, role):
        return False
    db.session.flush()
    audit.record(actor, "user.role_granted", user, {"role": role.value})
    return True


def revoke_role(user: User, role: Role, *, actor: User) -> bool:
    """Take a role away; return False if the user did not have it.

    Side effects: audit `user.role_revoked`.
    Raises: ConflictError when it would leave no active administrator.
    """
    if not user.has_role(role):
        return False
    if role == Role.ADMIN:
        _ensure_not_last_admin(
            user, "This is the last active administrator; make someone else one first."
        )
    user.roles = [user_role for user_role in user.roles if user_role.role != role]
    if user.id == actor.id or role == Role.ADMIN:
        user.session_token = new_session_token()
    audit.record(actor, "user.role_revoked", user, {"role": role.value})
    return True


def deactivate_user(user: User, *, actor: User, reason: str = "") -> None:
    """Block an account; its sessions end at their next request.

    Side effects: rotates the session token; audit `user.deactivated`.
    Raises: ConflictError for the last active administrator or an inactive account.
    """
    if not user.is_active:
        raise ConflictError("This account is already deactivated.")
    if user.is_admin:
        _ensure_not_last_admin(
            user, "This is the last active administrator and cannot be deactivated."
        )
    user.is_active = False
    user.deactivated_at = utcnow()
    user.session_token = new_session_token()
    audit.record(actor, "user.deactivated", user, {"reason": reason.strip()} if reason else {})


def reactivate_user(user: User, *, actor: User) -> None:
    """Let a deactivated account sign in again.

    Side effects: audit `user.reactivated`.
    Raises: ConflictError if it is already active.
    """
    if user.is_active:
        raise ConflictError("This account is already active.")
    user.is_active = True
    user.deactivated_at = None
    audit.record(actor, "user.reactivated", user)


def create_admin(*, email: str, password: str, name: str | None = None) -> tuple[User, bool]:
    """Create (or promote) an administrator for the command line; return (user, created).

    Side effects: audit `user.created_by_cli` or `user.role_granted`.
    Raises: ValidationError for a short password.
    """
    check_password_strength(password)
    email = normalize_email(email)
    user = find_user_by_email(email)
    created = user is None
    if user is None:
        user = User(
            email=email,
            name=name or email.split("@")[0],
            timezone=current_app.config["DEFAULT_TIMEZONE"],
            is_active=True,
        )
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.email_verified_at = user.email_verified_at or utcnow()
    if not user.is_active:
        user.is_active = True
        user.deactivated_at = None
    db.session.flush()
    if created:
        _grant(user, Role.ADMIN)
        db.session.flush()
        audit.record(None, "user.created_by_cli", user, {"roles": [Role.ADMIN.value]})
    else:
        grant_role(user, Role.ADMIN, actor=None)
    return user, created
