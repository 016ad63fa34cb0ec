"""Domain errors raised by services, and the HTTP error pages."""

from flask import render_template, request
from flask_wtf.csrf import CSRFError


class DomainError(Exception):
    """A business rule refused the change; the message is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class WorkflowError(DomainError):
    """The requested state change is not allowed from the current state."""


class DeadlineError(DomainError):
    """The action came after its deadline."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class ConflictError(DomainError):
    """Someone else changed the object first, or it already exists."""


class ValidationError(DomainError):
    """The input breaks a rule that only the service can check."""


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _error_page(status: int, title: str, message: str, error=None):
    if request.path.startswith("/api/"):
        from app.api.errors import error_response, http_error_response  # noqa: PLC0415

        # The API answers in its own shape, keeping headers such as Allow and Retry-After.
        return http_error_response(error) if error is not None else error_response(status)
    if _wants_json():
        return {"error": {"code": status, "title": title, "message": message}}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app) -> None:
    """Render 400, 403, 404, 405, 413, 429 and 500 as pages of the site (JSON under /api/)."""

    @app.errorhandler(400)
    def bad_request(error):
        return _error_page(400, "Bad request", "The request could not be understood.", error=error)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error_page(
            400,
            "Form expired",
            "This form was open too long or came from elsewhere. Go back, reload the page "
            "and try again.",
            error=error,
        )

    @app.errorhandler(403)
    def forbidden(error):
        return _error_page(403, "Not allowed", "Your account may not do this.", error=error)

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(
            404, "Not found", "There is nothing here, or it is not yours to see.", error=error
        )

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_page(
            405, "Method not allowed", "This address does not accept that.", error=error
        )

    @app.errorhandler(413)
    def payload_too_large(error):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return _error_page(
            413,
            "Too large",
            f"What you sent is larger than the {limit // (1024 * 1024)} MB this site accepts. "
            "Go back and choose a smaller file.",
            error=error,
        )

    @app.errorhandler(429)
    def too_many_requests(error):
        return _error_page(
            429,
            "Too many attempts",
            "There have been too many attempts from here. Wait a few minutes and try again.",
            error=error,
        )

    @app.errorhandler(500)
    def internal_error(error):
        return _error_page(
            500,
            "Something went wrong",
            "The error has been logged. Nothing you submitted was half-saved; please try again.",
            error=error,
        )
