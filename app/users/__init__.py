"""Administration of user accounts and roles."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/admin/users")
