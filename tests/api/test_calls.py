"""The calls resource: reading, creating, changing, state actions and the rubric."""

from datetime import timedelta

import pytest

from app import clock
from app.calls.models import CallState
from tests.api.helpers import unchanged_state
from tests.factories import CallFactory, UserFactory


def _new_call_body(**changes):
    now = clock.now()
    return {
        "title": "Robotics seed grants",
        "reference_prefix": "ROB",
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "total_budget": "500000.00",
        "max_award": "100000.00",
    } | changes


def test_list_shows_published_calls_to_researchers_and_drafts_to_admins(api, admin, researcher):
    published = CallFactory(title="Published round")
    draft = CallFactory(draft=True, title="Draft round")

    seen = api(researcher).get("/calls/?per_page=100").get_json()
    assert published.id in {item["id"] for item in seen["items"]}
    assert draft.id not in {item["id"] for item in seen["items"]}
    assert seen["total"] == len(seen["items"])

    everything = api(admin).get("/calls/?per_page=100").get_json()
    assert {published.id, draft.id} <= {item["id"] for item in everything["items"]}


def test_list_filters_sorts_and_pages(api, researcher):
    for index in range(3):
        CallFactory(title=f"Filtered round {index}", theme="Quantum sensing")
    CallFactory(closed=True, title="Closed quantum round", theme="Quantum sensing")

    page = api(researcher).get("/calls/?q=quantum&state=open&sort=title&per_page=2").get_json()
    assert page["total"] == 3
    assert page["pages"] == 2
    assert [item["title"] for item in page["items"]] == ["Filtered round 0", "Filtered round 1"]
    last = api(researcher).get("/calls/?q=quantum&state=open&sort=title&per_page=2&page=2")
    assert [item["title"] for item in last.get_json()["items"]] == ["Filtered round 2"]


def test_list_refuses_a_page_size_above_the_limit(api, researcher):
    response = api(researcher).get("/calls/?per_page=1000")
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid"
    assert "per_page" in response.get_json()["errors"]


def test_draft_is_not_found_for_researchers(api, researcher):
    draft = CallFactory(draft=True)
    response = api(researcher).get(f"/calls/{draft.id}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_admin_creates_a_call_in_draft_with_audit(api, admin, audit_log):
    response = api(admin).post("/calls/", json=_new_call_body())
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "draft"
    assert body["total_budget"] == "500000.00"
    assert [event.action for event in audit_log("call.created")]


def test_bad_call_values_get_field_errors_and_nothing_is_written(api, admin):
    client = api(admin)
    before = unchanged_state()
    response = client.post(
        "/calls/", json=_new_call_body(closes_at=clock.now().isoformat(), title="")
    )
    assert response.status_code == 422
    assert "title" in response.get_json()["errors"]
    rule = client.post(
        "/calls/", json=_new_call_body(closes_at=(clock.now() - timedelta(days=3)).isoformat())
    )
    assert rule.status_code == 422
    assert rule.get_json()["errors"] == {"closes_at": ["The call must close after it opens."]}
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_non_admins_cannot_create_or_change_calls(api, role):
    user = UserFactory(roles_given=(role,))
    call = CallFactory()
    client = api(user)
    before = unchanged_state()
    assert client.post("/calls/", json=_new_call_body()).status_code == 403
    assert client.patch(f"/calls/{call.id}", json={"version": 1, "title": "X"}).status_code == 403
    assert client.post(f"/calls/{call.id}/actions/close", json={"version": 1}).status_code == 403
    assert unchanged_state() == before


def test_requests_without_a_valid_token_are_refused(api, app):
    call = CallFactory()
    anonymous = api()
    before = unchanged_state()
    assert anonymous.get(f"/calls/{call.id}").status_code == 401
    forged = api()
    forged.headers = {"Authorization": "Bearer sbd_not-a-token"}
    response = forged.patch(f"/calls/{call.id}", json={"version": 1, "title": "X"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert unchanged_state() == before


def test_update_with_a_stale_version_is_a_conflict_with_the_current_version(api, admin):
    call = CallFactory(draft=True)
    client = api(admin)
    version = call.version
    first = client.patch(f"/calls/{call.id}", json={"version": version, "title": "Renamed"})
    assert first.status_code == 200
    assert first.get_json()["version"] == version + 1
    before = unchanged_state()
    stale = client.patch(f"/calls/{call.id}", json={"version": version, "title": "Lost update"})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "conflict"
    assert stale.get_json()["current_version"] == version + 1
    assert unchanged_state() == before


def test_state_actions_follow_the_call_workflow(api, admin):
    call = CallFactory(closed=True)
    client = api(admin)
    review = client.post(f"/calls/{call.id}/actions/start-review", json={"version": call.version})
    assert review.status_code == 200
    assert review.get_json()["state"] == CallState.IN_REVIEW.value
    before = unchanged_state()
    refused = client.post(
        f"/calls/{call.id}/actions/open", json={"version": review.get_json()["version"]}
    )
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "state_conflict"
    assert unchanged_state() == before


def test_rubric_criteria_can_be_added_changed_and_removed(api, admin):
    call = CallFactory(draft=True)
    client = api(admin)
    added = client.post(
        f"/calls/{call.id}/criteria", json={"name": "Feasibility", "weight": "2.00"}
    )
    assert added.status_code == 201
    criterion_id = added.get_json()["id"]
    changed = client.patch(f"/calls/criteria/{criterion_id}", json={"weight": "3.5"})
    assert changed.get_json()["weight"] == "3.50"
    assert client.delete(f"/calls/criteria/{criterion_id}").status_code == 204
    names = [item["name"] for item in client.get(f"/calls/{call.id}").get_json()["criteria"]]
    assert "Feasibility" not in names
