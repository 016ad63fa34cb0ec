"""The versioned JSON API at /api/v1, documented by the OpenAPI document built from its schemas."""

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from app.api.core import API_URL_PREFIX, BEARER_SCHEME
from app.api.errors import http_error_response, is_api_request
from app.api.schemas import ErrorSchema

API_DESCRIPTION = """\
Seedbed's API for integrations: members, calls, proposals, review, decisions, awards and the
audit log, under the same rules as the web pages.

Authenticate with a personal access token from your profile page:
`Authorization: Bearer sbd_…`. A token acts as its user, with that user's roles.

Lists are paginated (`page`, `per_page` up to 100) and sorted (`sort`, `-` for descending),
and report the `total`. Changes to versioned objects carry the `version` the client last read;
if it changed since, the answer is 409 with `current_version`. Errors are JSON:
`{"status", "code", "message", "errors"}`.
"""


def schema_name(schema) -> str:
    """Name a schema in the document: its class, less "Schema"; a partial one is "…Changes"."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    return name + "Changes" if getattr(schema, "partial", False) else name


class SeedbedApi(Api):
    """flask-smorest's Api, with Seedbed's error shape and no catch-all `default` response."""

    ERROR_SCHEMA = ErrorSchema
    # A documented "default" would make every status "documented"; each one is listed instead.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        """Render HTTP errors under /api/ as JSON; the site's own handlers keep the pages."""

        def handle(error: HTTPException):
            if is_api_request():
                return http_error_response(error)
            return error

        self._app.register_error_handler(HTTPException, handle)


def init_api(app: Flask) -> SeedbedApi:
    """Bind the API and its resources to the app."""
    from app.api import docs  # noqa: PLC0415
    from app.api.resources import BLUEPRINTS  # noqa: PLC0415

    app.config.setdefault("API_TITLE", "Seedbed API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_URL_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": API_DESCRIPTION},
            "security": [{BEARER_SCHEME: []}],
            "servers": [{"url": "/", "description": "This server"}],
        },
    )
    # One Api per app (the test suite builds several); it keeps its spec in the instance.
    api = SeedbedApi(
        app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)}
    )
    api.spec.components.security_scheme(
        BEARER_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "A personal access token."},
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    return api
