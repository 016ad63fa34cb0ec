"""Member interest: representatives of active members say how much each proposal matters to them."""

from flask import Blueprint

bp = Blueprint("interest", __name__, url_prefix="/interest")
