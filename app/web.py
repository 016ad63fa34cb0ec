"""Helpers for views: access checks, loading objects, and turning domain errors into form errors."""

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, request, send_file
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm

from app.auth.models import Role
from app.auth.policy import has_role
from app.errors import DomainError
from app.extensions import db


def require(allowed: bool) -> None:
    """Answer 403 unless the policy allows the action."""
    if not allowed:
        abort(403)


def require_visible(visible: bool) -> None:
    """Answer 404 for what the user may not even know exists."""
    if not visible:
        abort(404)


def role_required(*roles: Role) -> Callable:
    """Let in signed-in users holding any of the roles; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(any(has_role(current_user, role) for role in roles))
            return view(*args, **kwargs)

        return wrapped

    return decorator


MAX_ID = 2**31 - 1


def get_or_404(model, ident):
    """Return the row with this primary key or answer 404."""
    if isinstance(ident, int) and not 0 < ident <= MAX_ID:
        abort(404)  # beyond any id, and beyond what SQLite can even compare
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def form_error(form: FlaskForm, error: DomainError) -> None:
    """Show a domain error beside its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if field.errors else [error.message]
    else:
        form.form_errors.append(error.message)


def flash_error(error: DomainError) -> None:
    """Flash a domain error for a redirect back."""
    flash(error.message, "danger")


def safe_next_url(default: str) -> str:
    """Return the `next` parameter if it points inside this site, else the default."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    is_local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    if is_local and not parts.scheme and not parts.netloc:
        return target
    return default


def page_number() -> int:
    """Return the page requested in the query string (1 when missing or bad)."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


class RowPagination(Pagination):
    """Paginate a select of several columns (e.g. an object and a derived status) as rows."""

    def _query_items(self) -> list:
        select = self._query_args["select"]
        return db.session.execute(select.limit(self.per_page).offset(self._query_offset)).all()

    def _query_count(self) -> int:
        # Count with the same FROM and WHERE but none of the (possibly costly) columns.
        select = self._query_args["select"].with_only_columns(
            sa.literal_column("1"), maintain_column_froms=True
        )
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
        )


def paginate_rows(select: sa.Select, per_page: int = 50) -> RowPagination:
    """Return the requested page of a multi-column select."""
    return RowPagination(page=page_number(), per_page=per_page, error_out=False, select=select)


class CountedPagination(RowPagination):
    """Paginate rows counting every match in the same query, with a window count.

    One pass over the matching rows instead of two (the page, then the count): it halves a
    page whose filter must scan every row, such as a substring search.
    """

    def _query_items(self) -> list:
        select = self._query_args["select"].add_columns(sa.func.count().over())
        rows = db.session.execute(select.limit(self.per_page).offset(self._query_offset)).all()
        self._counted = rows[0][-1] if rows else None
        return [tuple(row)[:-1] for row in rows]

    def _query_count(self) -> int:
        if self._counted is not None:
            return self._counted
        # An empty first page has no matches; past the last page, count the usual way.
        return 0 if self.page == 1 else super()._query_count()


def paginate_counted(select: sa.Select, per_page: int = 50) -> CountedPagination:
    """Return the requested page of a multi-column select, counted in the same query."""
    return CountedPagination(page=page_number(), per_page=per_page, error_out=False, select=select)


def send_private_pdf(path: Path, download_name: str):
    """Send a stored PDF as a download that no cache keeps; 404 (and a log line) if it is gone."""
    if not path.is_file():
        current_app.logger.error("Stored file %s is missing", path)
        abort(404)
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=download_name
    )
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response
