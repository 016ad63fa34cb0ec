"""Funding decisions: staging, release, and applicants' own released decisions."""

from app.api.core import ApiBlueprint

blp = ApiBlueprint("decisions", "/decisions", "Funding decisions: staging, release, and applicants' own released decisions.")
