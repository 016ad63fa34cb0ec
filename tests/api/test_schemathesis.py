"""Property-based tests of the whole API against its own OpenAPI document (Schemathesis).

For each role's token, every operation is called with generated requests, valid and invalid,
and every Schemathesis check runs: no server error, responses match their schemas, every
status is documented, bad input is refused, valid input is not, auth is not ignored.
"""

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.api.helpers import offline_app, token_for
from tests.api.world import World, build_world


def _served_document() -> dict:
    """Return the OpenAPI document as the app serves it (built from code, no database)."""
    return offline_app().test_client().get("/api/v1/openapi.json").get_json()


# Every check is on. Valid data may still break a business rule no JSON schema can state (a
# call closing before it opens, an award above the call's limit): that is a 422 with a
# message by field, so 422 joins the statuses that schema-valid data may receive.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
        }
    }
)

# Loaded at collection, not from a fixture: schemathesis's lazy loader breaks on pytest 9.
schema = schemathesis.openapi.from_dict(_served_document(), config=CONFIG)


@pytest.fixture
def world() -> tuple[World, dict[str, str]]:
    """Build the small consortium once per operation; return it and a token for each role."""
    world = build_world()
    return world, {role: token_for(user) for role, user in world.users.items()}


def _aim_at_the_world(case, world: World) -> None:
    """Point a valid request's ids at real objects (random ids would only ever find 404)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return  # invalid requests keep what Schemathesis drew
    ids = world.ids_for(case.path)
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name]


def _conformance_test(role: str):
    """Build the test that runs every operation with the token of a user in this role."""

    @schema.parametrize()
    @settings(
        max_examples=3,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def test(case, app, world):
        arranged, tokens = world
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        _aim_at_the_world(case, arranged)
        case.operation.schema.app = app  # the suite's app, on its per-test transaction
        # Each request runs in a fresh context, as in production: its own app context and `g`.
        contextvars.Context().run(case.call_and_validate, headers=headers, app=app)

    test.__doc__ = f"Every operation, called with a {role}'s token, conforms to the document."
    return test


test_api_as_admin = _conformance_test("admin")
test_api_as_researcher = _conformance_test("researcher")
test_api_as_reviewer = _conformance_test("reviewer")
test_api_as_member = _conformance_test("member")
