"""The audit log, filtered (administrators)."""

from app.api.core import ApiBlueprint

blp = ApiBlueprint("audit", "/audit", "The audit log, filtered (administrators).")
