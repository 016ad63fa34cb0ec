"""The API's building blocks: token sign-in, blueprints that document their errors, versions."""

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.orm.exc import StaleDataError
from webargs.flaskparser import FlaskParser

from app.api import tokens
from app.api.errors import domain_error_response, error_response, stale_data_response
from app.api.schemas import ErrorSchema
from app.auth.models import User
from app.errors import ConflictError, DomainError
from app.extensions import csrf, limiter
from app.web import require

API_URL_PREFIX = "/api/v1"
BEARER_SCHEME = "bearerAuth"

# Every operation can meet these, whatever it does: they are documented on each one.
COMMON_ERRORS = {
    400: "Malformed request (for example, a body that is not JSON).",
    401: "No valid personal access token.",
    429: "Too many requests with this token.",
}
ERROR_DESCRIPTIONS = {
    403: "Signed in, but this account may not do this.",
    404: "Not found, or not visible to this token's user.",
    409: "State conflict, or changed since the client read it (see current_version).",
    413: "The upload is too large.",
    415: "The body is not of a type this operation accepts.",
    422: "Invalid values; see errors, by field.",
}


def token_rate_key() -> str:
    """Rate-limit per token (hashed, so the raw token never reaches the limiter's store)."""
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def _api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def authenticate_request():
    """Sign the request in by its bearer token; answer 401 without a valid one."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    user = tokens.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return error_response(401, headers={"WWW-Authenticate": 'Bearer realm="Seedbed API"'})
    g.api_user = user
    return None


def actor() -> User:
    """Return the user the request's token acts for."""
    return g.api_user


def check_version(subject, expected: int | None) -> None:
    """Refuse with 409 (and the current version) if the client's copy is out of date.

    None stands for "I have not seen one": refused too, since one exists.
    """
    g.api_versioned = subject
    if expected is None:
        raise ConflictError(
            f"This already exists (version {subject.version}); send that version to replace it."
        )
    if subject.version != expected:
        raise ConflictError(
            f"This was changed since you read it (your version {expected}, now "
            f"{subject.version}); fetch it again and reapply your change."
        )


def permitted(allows: Callable[[User], bool]):
    """Refuse with 403 before the body is even read when the caller's roles rule it out."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            require(allows(actor()))
            return func(*args, **kwargs)

        return wrapper

    return decorator


class StrictParser(FlaskParser):
    """Refuse unknown query parameters too (webargs ignores them by default): a misspelt
    filter must not silently return everything."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict = {}  # each schema's own Meta.unknown (RAISE) decides


class ApiBlueprint(Blueprint):
    """A resource blueprint: token-only, rate-limited per token, errors as JSON and documented."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, name: str, url_prefix: str, description: str):
        super().__init__(
            f"api_{name}",
            __name__,
            url_prefix=API_URL_PREFIX + url_prefix,
            description=description,
        )
        self.before_request(authenticate_request)
        self.register_error_handler(DomainError, domain_error_response)
        self.register_error_handler(StaleDataError, stale_data_response)
        csrf.exempt(self)  # bearer tokens, not cookies: there is no cross-site form to forge
        limiter.limit(_api_rate_limit, key_func=token_rate_key)(self)

    def add_url_rule(
        self,
        rule,
        endpoint=None,
        view_func=None,
        provide_automatic_options=None,
        *,
        parameters=None,
        tags=None,
        **options,
    ):
        """Register a view, documenting the errors every operation can return."""
        for status, description in COMMON_ERRORS.items():
            view_func = self.alt_response(status, schema=ErrorSchema, description=description)(
                view_func
            )
        super().add_url_rule(
            rule,
            endpoint,
            view_func,
            provide_automatic_options,
            parameters=parameters,
            tags=tags,
            **options,
        )

    def documents(self, *statuses: int):
        """Document the error statuses an operation may answer besides the common ones."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(
                    status, schema=ErrorSchema, description=ERROR_DESCRIPTIONS[status]
                )(func)
            return func

        return decorator
