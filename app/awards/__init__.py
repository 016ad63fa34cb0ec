"""Awards: funding lines on the seed fund or a co-funding member, reports and follow-up."""

from flask import Blueprint

bp = Blueprint("awards", __name__, url_prefix="/awards")
