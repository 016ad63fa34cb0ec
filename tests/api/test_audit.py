"""The audit log through the API: administrators only, with the web page's filters."""

import pytest

from app.audit import services as audit
from app.extensions import db
from tests.api.helpers import unchanged_state
from tests.factories import CallFactory, UserFactory


def test_admin_lists_events_filtered_and_paged(api, admin):
    call = CallFactory()
    for index in range(3):
        audit.record(admin, "call.updated", call, {"n": index})
    audit.record(admin, "proposal.submitted", call, {})
    db.session.commit()
    client = api(admin)
    page = client.get(f"/audit/events?action=call.&subject_id={call.id}&per_page=2").get_json()
    assert page["total"] == 3 and page["pages"] == 2
    assert [item["detail"]["n"] for item in page["items"]] == [2, 1]
    assert page["items"][0]["actor"]["email"] == admin.email
    oldest = client.get(f"/audit/events?subject_id={call.id}&sort=occurred_at").get_json()
    assert oldest["items"][0]["detail"] == {"n": 0}


def test_bad_filters_are_refused_by_field(api, admin):
    response = api(admin).get("/audit/events?date_from=yesterday&sort=actor")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"date_from", "sort"}


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_only_administrators_read_the_log(api, role):
    client = api(UserFactory(roles_given=(role,)))
    before = unchanged_state()
    response = client.get("/audit/events")
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"
    assert unchanged_state() == before


def test_listing_takes_the_same_queries_for_3_or_30_events(api, admin, count_queries):
    call = CallFactory()
    client = api(admin)
    client.get("/audit/events")  # the token's first use stamps last_used_at

    def queries_for(count):
        for index in range(count):
            audit.record(UserFactory(), "call.updated", call, {"n": index})
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/audit/events?per_page=100").status_code == 200
        return counter.count

    assert queries_for(3) == queries_for(27)
