"""Researchers' proposals to calls: drafts, submissions, versions, attachments."""

from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
