"""The interactive API reference: Swagger UI from its Python package, served from here."""

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, render_template, send_from_directory, url_for

from app.api.core import API_URL_PREFIX

bp = Blueprint("api_docs", __name__, url_prefix=API_URL_PREFIX)
SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_UI_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}


@bp.route("/docs")
def reference():
    """Show the interactive reference of the API, built from its OpenAPI document."""
    return render_template("api/reference.html", spec_url=url_for("api-docs.openapi_json"))


@bp.route("/docs/assets/<filename>")
def asset(filename: str):
    """Serve one of Swagger UI's files from the installed package (no CDN)."""
    if filename not in SWAGGER_UI_FILES:
        return "", 404
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=86400)
