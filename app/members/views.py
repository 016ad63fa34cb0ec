"""Administrators run membership: members, tiers, terms, contacts and invoices."""
