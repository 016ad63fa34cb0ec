"""Reviewer assignments and reviews; automatic assignment for administrators."""

from app.api.core import ApiBlueprint

blp = ApiBlueprint("reviews", "/reviews", "Reviewer assignments and reviews; automatic assignment for administrators.")
