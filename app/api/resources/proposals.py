"""Proposals: researchers' own drafts, PDFs, submission and withdrawal; administrators see all."""

from app.api.core import ApiBlueprint

blp = ApiBlueprint("proposals", "/proposals", "Proposals: researchers' own drafts, PDFs, submission and withdrawal; administrators see all.")
