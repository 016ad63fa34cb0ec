"""Review: reviewer pool, conflicts of interest, assignment and rubric scoring."""

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
