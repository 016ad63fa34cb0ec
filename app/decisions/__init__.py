"""Ranking and decisions: calibrated scores, the suggested set, staged and released decisions."""

from flask import Blueprint

bp = Blueprint("decisions", __name__, url_prefix="/decisions")
