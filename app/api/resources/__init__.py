"""The API's resources, one blueprint each."""

from app.api.resources import calls

BLUEPRINTS = [calls.blp]
