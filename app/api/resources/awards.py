"""Awards: creation with funding lines, completion and termination."""

from app.api.core import ApiBlueprint

blp = ApiBlueprint("awards", "/awards", "Awards: creation with funding lines, completion and termination.")
