"""Consortium membership: tiers, member organizations, terms, contacts, invoices, seed fund."""

from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/admin/members")
