"""Jinja globals and filters: policies as `can`, times in the viewer's zone, navigation."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import current_app
from flask_login import current_user

from app.auth import policy as auth_policy
from app.auth.models import ROLE_LABELS, Role
from app.markdown import render_markdown


def viewer_zone() -> ZoneInfo:
    """Return the time zone of whoever is looking (UTC when nobody is signed in)."""
    name = getattr(current_user, "timezone", None) if current_user else None
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def localtime(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """Format an aware datetime in the viewer's zone, with the zone's abbreviation."""
    if value is None:
        return ""
    local = value.astimezone(viewer_zone())
    return f"{local.strftime(fmt)} {local.tzname()}"


def localdate(value: datetime | None) -> str:
    """Format an aware datetime as a date in the viewer's zone."""
    return localtime(value, "%d %b %Y").rsplit(" ", 1)[0] if value else ""


def money(value: Decimal | int | float | None, currency: str | None = None) -> str:
    """Format an amount with thousands separators and no cents when they are zero."""
    if value is None:
        return ""
    if currency is None:
        currency = current_app.config.get("CURRENCY_SYMBOL", "$")
    amount = Decimal(value)
    text = f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"
    return f"{currency}{text}"


def combine_page(args: dict, number: int) -> dict:
    """Return the query arguments with another page number (for pagination links)."""
    return {**args, "page": number}


def init_templating(app) -> None:
    """Register globals and filters on the app's Jinja environment."""
    app.jinja_env.globals.update(
        can=SimpleNamespace(
            manage_users=auth_policy.can_manage_users,
            view_audit_log=auth_policy.can_view_audit_log,
            manage_outbox=auth_policy.can_manage_outbox,
            deactivate=auth_policy.can_deactivate,
        ),
        has_role=auth_policy.has_role,
        Role=Role,
        ROLE_LABELS=ROLE_LABELS,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(
        localtime=localtime, localdate=localdate, money=money, combine_page=combine_page
    )
    app.jinja_env.filters["markdown"] = render_markdown
