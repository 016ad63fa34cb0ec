"""Routes of this feature in the authorization matrix (filled in as the pages are built)."""

ROUTES = []
