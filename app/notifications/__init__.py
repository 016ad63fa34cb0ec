"""The email outbox: notifications written with the change, delivered later."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/admin/outbox")
