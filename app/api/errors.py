"""The API's errors: one JSON shape, the right status, never an HTML page."""

from http import HTTPStatus

from flask import Response, g, jsonify, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.errors import (
    ConflictError,
    DeadlineError,
    DomainError,
    PermissionDenied,
    ValidationError,
    WorkflowError,
)
from app.extensions import db

API_PREFIX = "/api/"

# Stable, machine-readable codes: clients branch on these, not on the wording.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "Send a valid personal access token: Authorization: Bearer <token>.",
    403: "Your account may not do this.",
    404: "There is nothing here, or it is not yours to see.",
    405: "This address does not accept that method.",
    409: "The request conflicts with the current state.",
    413: "The request is larger than this site accepts.",
    415: "Send JSON (or multipart/form-data where a file is expected).",
    422: "Some values are not valid; see errors.",
    429: "Too many requests with this token; wait and try again.",
    500: "Something went wrong on our side; the error has been logged.",
}
# Headers an error response must keep (what a client needs to act on the error).
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def is_api_request() -> bool:
    """Tell whether the request is addressed to the JSON API."""
    return request.path.startswith(API_PREFIX)


def error_response(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    """Return the API's error body: status, code, message and, if any, per-field errors."""
    body = {
        "status": status,
        "code": code or CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_")),
        "message": message or MESSAGES.get(status) or HTTPStatus(status).phrase,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _field_errors(messages) -> dict:
    """Flatten webargs' {location: {field: [...]}} into {field: [...]}."""
    if not isinstance(messages, dict):
        return {"_request": messages if isinstance(messages, list) else [str(messages)]}
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def http_error_response(error: HTTPException) -> Response:
    """Render an HTTP error raised anywhere under /api/ in the API's shape."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    headers = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS} | (
        data.get("headers") or {}
    )
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="Seedbed API"')
    if status == 400 and messages:
        # webargs reports a schema failure as 400 only for malformed bodies; keep its detail.
        return error_response(400, errors=_field_errors(messages), headers=headers)
    return error_response(
        status,
        data.get("message"),
        errors=_field_errors(messages) if messages else None,
        headers=headers,
    )


def domain_error_response(error: DomainError) -> Response:
    """Map a refused business rule to its status; nothing of the request is kept."""
    db.session.rollback()
    errors = None
    problems = getattr(error, "problems", None)
    if isinstance(problems, dict) and problems:
        errors = {field: [message] for field, message in problems.items()}
    elif error.field:
        errors = {error.field: [error.message]}
    if isinstance(error, ValidationError):
        return error_response(422, error.message, errors=errors)
    if isinstance(error, PermissionDenied):
        return error_response(403, error.message)
    if isinstance(error, ConflictError | WorkflowError | DeadlineError):
        return error_response(
            409, error.message, code=_conflict_code(error), errors=errors, **_current_version()
        )
    return error_response(422, error.message, errors=errors)


def _conflict_code(error: DomainError) -> str:
    if isinstance(error, WorkflowError):
        return "state_conflict"
    if isinstance(error, DeadlineError):
        return "deadline_passed"
    return "conflict"


def _current_version() -> dict:
    """Return the version of the object the request tried to change, as it now stands."""
    subject = g.get("api_versioned")
    if subject is None:
        return {}
    return {"current_version": subject.version}  # reloaded after the rollback


def stale_data_response(error: StaleDataError) -> Response:
    """Two requests changed the same row at once: the later one is told, not failed."""
    db.session.rollback()
    return error_response(
        409,
        "Someone else changed this at the same moment; fetch it again and retry.",
        **_current_version(),
    )
