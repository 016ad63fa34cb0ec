"""Reviewer profiles: keywords from the pool's calls, an organization, administrators' edits."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reviews import services
from app.reviews.models import ReviewerProfile
from tests.dbutil import snapshot
from tests.factories import OrganizationFactory, UserFactory
from tests.reviews.helpers import call_in_review, proposal_under_review, reviewer


@pytest.fixture
def pool_reviewer():
    user = reviewer(expertise="tribology, Soft Robotics")
    call = call_in_review()
    services.add_to_pool(call, user, actor=UserFactory(admin=True))
    proposal_under_review(call, keywords="soft robotics, grippers")
    proposal_under_review(call, keywords="Grippers, food safety")
    proposal_under_review(call_in_review(), keywords="quantum dots")  # not this reviewer's call
    db.session.commit()
    return user


def profile(user):
    return db.session.scalar(sa.select(ReviewerProfile).where(ReviewerProfile.user_id == user.id))


def test_the_pools_keywords_are_offered_and_ticked_when_known(login, pool_reviewer):
    html = login(pool_reviewer).get("/reviews/profile").get_data(as_text=True)

    for word in ("food safety", "grippers", "soft robotics"):
        assert f'value="{word}"' in html
    assert "quantum dots" not in html
    assert re.search(r'<input checked[^>]*value="soft robotics"', html)
    assert not re.search(r'<input checked[^>]*value="grippers"', html)
    assert re.search(r">\s*tribology</textarea>", html)  # the rest stays free text


def test_ticked_keywords_join_the_free_text(login, pool_reviewer):
    response = login(pool_reviewer).post(
        "/reviews/profile",
        data={
            "expertise": "tribology, sensors",
            "call_keywords": ["grippers", "food safety"],
            "max_load": "4",
        },
    )

    assert response.status_code == 302
    assert profile(pool_reviewer).expertise == "tribology, sensors, grippers, food safety"


def test_the_member_organization_is_saved(login, pool_reviewer, audit_log):
    organization = OrganizationFactory(name="Acme Robotics")

    login(pool_reviewer).post(
        "/reviews/profile",
        data={"organization_id": str(organization.id), "max_load": "4"},
    )

    assert profile(pool_reviewer).organization_id == organization.id
    event = audit_log("reviewer.profile_updated")[-1]
    assert "organization_id" in event.detail


def test_an_unknown_organization_is_refused_beside_the_field(login, pool_reviewer):
    before = snapshot()

    response = login(pool_reviewer).post(
        "/reviews/profile", data={"organization_id": "999999", "max_load": "4"}
    )

    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_administrator_edits_any_reviewers_profile(login, pool_reviewer, audit_log):
    admin = UserFactory(admin=True)
    client = login(admin)

    page = client.get(f"/reviews/reviewers/{pool_reviewer.id}/profile").get_data(as_text=True)
    response = client.post(
        f"/reviews/reviewers/{pool_reviewer.id}/profile",
        data={"expertise": "hydrogels", "department": "Chemistry", "max_load": "2"},
    )

    assert f"Reviewer profile of {pool_reviewer.name}" in page
    assert response.status_code == 302
    assert (profile(pool_reviewer).expertise, profile(pool_reviewer).max_load) == ("hydrogels", 2)
    event = audit_log("reviewer.profile_updated")[-1]
    assert event.actor_id == admin.id


def test_a_non_reviewer_has_no_profile_to_edit(login):
    researcher = UserFactory(researcher=True)

    response = login(UserFactory(admin=True)).get(f"/reviews/reviewers/{researcher.id}/profile")

    assert response.status_code == 404
