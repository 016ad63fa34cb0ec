"""The append-only audit log."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
