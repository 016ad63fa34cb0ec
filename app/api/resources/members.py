"""Member organizations, their membership terms, contacts and invoices; the member directory."""

from app.api.core import ApiBlueprint

blp = ApiBlueprint("members", "/members", "Member organizations, their membership terms, contacts and invoices; the member directory.")
