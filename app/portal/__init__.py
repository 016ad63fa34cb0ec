"""The member portal: a representative's own membership, contact details and the directory."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")
