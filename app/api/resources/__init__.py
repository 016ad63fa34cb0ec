"""The API's resources, one blueprint each."""

from app.api.resources import audit, awards, calls, decisions, members, proposals, reviews

BLUEPRINTS = [
    calls.blp,
    members.blp,
    proposals.blp,
    reviews.blp,
    decisions.blp,
    awards.blp,
    audit.blp,
]
