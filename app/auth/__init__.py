"""Accounts: registration, sign-in, passwords, invitations and roles."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
