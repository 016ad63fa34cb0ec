"""Member interest pages: representatives of members in force answer for their organization
about the proposals a call opens to them; administrators read the answers."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import CallState, InterestMode
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.proposals.models import DeclaredConflict, ProposalState
from app.reviews.models import Conflict, ConflictSource, ConflictStatus
from tests.dbutil import snapshot
from tests.factories import ProposalFactory, UserFactory
from tests.interest.helpers import member_organization, member_user, open_call
from tests.reviews.helpers import (
    add_co_investigator,
    assign,
    call_in_review,
    proposal_under_review,
    reviewer,
)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def answers() -> list[MemberInterest]:
    return db.session.scalars(sa.select(MemberInterest).order_by(MemberInterest.id)).all()


@pytest.fixture
def organization():
    return member_organization("Siemens", votes=3)


@pytest.fixture
def mia(organization):
    return member_user(organization, name="Mia Member")


@pytest.fixture
def call():
    return open_call(title="AI for manufacturing 2026")


@pytest.fixture
def proposal(call):
    applicant = UserFactory(researcher=True, name="Ada Applicant")
    proposal = proposal_under_review(
        call, applicant=applicant, title="Learning process windows", department="Robotics Lab"
    )
    add_co_investigator(
        proposal, name="Cy Coinvestigator", email="cy@mit.example", affiliation="Sloan"
    )
    return proposal


def give_answer(proposal, organization, level="interested", **values) -> MemberInterest:
    answer = MemberInterest(
        proposal=proposal, organization=organization, level=InterestLevel(level), **values
    )
    db.session.add(answer)
    db.session.commit()
    return answer


def post_answer(client, proposal, **data):
    return client.post(
        f"/interest/proposals/{proposal.id}",
        data={"level": "interested", "comment": "", "version": ""} | data,
    )


# The list of calls


def test_calls_list_shows_calls_open_to_members_with_the_organizations_progress(
    login, mia, organization, call, proposal
):
    proposal_under_review(call)
    give_answer(proposal, organization, "interested")
    hidden = call_in_review(title="Members see nothing here")
    proposal_under_review(hidden)
    open_for_submissions = open_call(title="Still taking proposals")
    open_for_submissions.state = CallState.OPEN
    db.session.commit()

    html = page_text(login(mia).get("/interest/"))

    assert "AI for manufacturing 2026" in html
    assert '<td class="text-end" data-testid="answered">1 of 2</td>' in html
    assert "Members see nothing here" not in html
    assert "Still taking proposals" not in html


def test_calls_list_costs_the_same_queries_for_one_call_or_many(login, mia, count_queries):
    client = login(mia)
    proposal_under_review(open_call())
    with count_queries() as one:
        client.get("/interest/")
    for _ in range(5):
        proposal_under_review(open_call())
    with count_queries() as many:
        client.get("/interest/")

    assert many.count == one.count


# A call's proposals


def test_call_page_shows_submitted_proposals_with_their_teams_and_no_review(
    login, mia, call, proposal
):
    assign(proposal, UserFactory(reviewer=True, name="Rita Reviewer"))
    draft = ProposalFactory(call=call, title="A draft nobody submitted")
    withdrawn = proposal_under_review(call, title="Withdrawn idea")
    withdrawn.state, withdrawn.withdrawn_at = ProposalState.WITHDRAWN, clock.now()
    db.session.commit()

    html = page_text(login(mia).get(f"/interest/calls/{call.id}"))

    assert "Learning process windows" in html
    assert proposal.abstract in html
    assert "Ada Applicant, Robotics Lab (applicant); Cy Coinvestigator, Sloan" in html
    assert draft.title not in html and "Withdrawn idea" not in html
    assert "Score" not in html and "Rita Reviewer" not in html
    assert "Siemens did not answer." not in html  # a form instead, to answer
    assert f'action="/interest/proposals/{proposal.id}"' in html


def test_blind_call_shows_no_names_nor_department(login, mia):
    call = open_call(is_blind=True)
    applicant = UserFactory(researcher=True, name="Ada Applicant")
    proposal = proposal_under_review(call, applicant=applicant, department="Robotics Lab")
    add_co_investigator(
        proposal, name="Cy Coinvestigator", email="cy@mit.example", affiliation="Sloan"
    )

    html = page_text(login(mia).get(f"/interest/calls/{call.id}"))

    assert proposal.title in html
    for name in ("Ada Applicant", "Cy Coinvestigator", "Sloan", "Robotics Lab", "cy@mit.example"):
        assert name not in html
    assert "Withheld in this blind call (the applicant and 1 co-investigator)" in html


def test_call_members_may_not_see_is_not_found(login, mia):
    hidden = call_in_review()
    still_open = open_call()
    still_open.state = CallState.OPEN
    db.session.commit()

    client = login(mia)

    assert client.get(f"/interest/calls/{hidden.id}").status_code == 404
    assert client.get(f"/interest/calls/{still_open.id}").status_code == 404


def test_call_page_costs_the_same_queries_for_one_proposal_or_many(
    login, mia, organization, call, proposal, count_queries
):
    client = login(mia)
    with count_queries() as one:
        client.get(f"/interest/calls/{call.id}")
    for number in range(6):
        other = proposal_under_review(call)
        add_co_investigator(
            other, name=f"Co {number}", email=f"co{number}@x.example", affiliation=""
        )
        give_answer(other, organization, "would_mentor")
        if number == 0:
            other.declared_conflicts.append(
                DeclaredConflict(position=1, organization_id=organization.id, reason="x")
            )
    db.session.commit()
    with count_queries() as many:
        client.get(f"/interest/calls/{call.id}")

    assert many.count == one.count


# Answering


def test_representative_records_the_organizations_interest(
    login, mia, organization, call, proposal, audit_log
):
    response = post_answer(
        login(mia), proposal, level="would_cofund", comment="We could put in 50k."
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/interest/calls/{call.id}#p{proposal.id}"
    [answer] = answers()
    assert (answer.organization_id, answer.level, answer.comment, answer.recorded_by_id) == (
        organization.id,
        InterestLevel.WOULD_COFUND,
        "We could put in 50k.",
        mia.id,
    )
    [event] = audit_log("interest.recorded")
    assert (event.actor_id, event.detail) == (
        mia.id,
        {
            "proposal_id": proposal.id,
            "organization_id": organization.id,
            "organization": "Siemens",
            "level": "would_cofund",
        },
    )


def test_a_colleague_changes_the_answer_instead_of_adding_one(
    login, mia, organization, call, proposal, audit_log
):
    post_answer(login(mia), proposal, level="interested")
    colleague = member_user(organization, name="Carl Colleague")
    page = page_text(login(colleague).get(f"/interest/calls/{call.id}"))
    assert "Siemens's answer: <strong>Interested</strong>" in page
    assert 'name="version" value="1"' in page

    response = post_answer(login(colleague), proposal, level="would_mentor", version="1")

    assert response.status_code == 302
    [answer] = answers()
    assert (answer.level, answer.recorded_by_id, answer.version) == (
        InterestLevel.WOULD_MENTOR,
        colleague.id,
        2,
    )
    assert [event.detail["level"] for event in audit_log("interest.recorded")] == [
        "interested",
        "would_mentor",
    ]


def test_a_stale_answer_is_refused_naming_who_changed_it(login, mia, organization, proposal):
    post_answer(login(mia), proposal, level="interested")  # version 1
    colleague = member_user(organization, name="Carl Colleague")
    post_answer(login(colleague), proposal, level="not_relevant", version="1")  # version 2
    before = snapshot()

    response = post_answer(
        login(mia), proposal, level="would_cofund", comment="Kept comment", version="1"
    )

    html = page_text(response)
    assert response.status_code == 200
    assert (
        "Siemens&#39;s answer was changed by Carl Colleague since you loaded the page: "
        "it is now “Not relevant”."
    ) in html
    assert "Kept comment</textarea>" in html
    assert f'id="level-{proposal.id}-would_cofund" value="would_cofund" checked' in html
    assert snapshot() == before
    # Told, the representative may now save knowingly.
    assert 'name="version" value="2"' in html


def test_an_answer_given_meanwhile_by_a_colleague_is_not_overwritten(
    login, mia, organization, proposal
):
    colleague = member_user(organization, name="Carl Colleague")
    post_answer(login(colleague), proposal, level="would_mentor")
    before = snapshot()

    # Mia loaded the page before Carl answered: her form carries no version.
    response = post_answer(login(mia), proposal, level="not_relevant", version="")

    assert "changed by Carl Colleague since you loaded the page" in page_text(response)
    assert response.status_code == 200
    assert snapshot() == before


def test_missing_level_is_refused_beside_the_field_with_the_comment_kept(login, mia, proposal):
    response = post_answer(login(mia), proposal, level="", comment="Kept comment")

    html = page_text(response)
    assert f'id="level-{proposal.id}-error">Choose how much this proposal interests you.' in html
    assert "Kept comment</textarea>" in html
    assert answers() == []


@pytest.mark.parametrize("level", ["would_cofund", ""])
def test_answers_of_a_decided_call_cannot_change(login, mia, organization, call, proposal, level):
    give_answer(proposal, organization, "interested")
    call.state, call.decided_at = CallState.DECIDED, clock.now()
    proposal.state, proposal.decided_at = ProposalState.DECLINED, clock.now()
    db.session.commit()
    before = snapshot()
    client = login(mia)

    response = post_answer(client, proposal, level=level, version="1")

    assert response.headers["Location"] == f"/interest/calls/{call.id}"
    html = page_text(client.get(response.headers["Location"]))
    assert "The call is decided: answers about its proposals can no longer change." in html
    assert "This call is decided: the answers below are final." in html
    assert 'data-testid="interest-form"' not in html
    assert snapshot() == before


@pytest.mark.parametrize("status", ["lapsed", "withdrawn", "prospect"])
def test_representative_of_a_member_not_in_force_is_refused(login, call, proposal, status):
    user = member_user(member_organization("Old Co", status=status))
    client = login(user)
    before = snapshot()

    posted = post_answer(client, proposal, level="would_cofund")
    listed = client.get("/interest/")
    shown = client.get(f"/interest/calls/{call.id}")

    assert (posted.status_code, listed.status_code, shown.status_code) == (403, 403, 403)
    assert 'data-testid="membership-not-active"' in page_text(posted)
    assert snapshot() == before


def test_organization_named_by_the_applicant_cannot_answer(
    login, mia, organization, call, proposal
):
    proposal.declared_conflicts.append(
        DeclaredConflict(position=1, organization_id=organization.id, reason="Consultancy")
    )
    db.session.commit()
    client = login(mia)
    before = snapshot()

    response = post_answer(client, proposal, level="would_cofund")
    html = page_text(client.get(f"/interest/calls/{call.id}"))

    assert response.status_code == 403
    assert snapshot() == before
    assert "Your organization has a conflict with this proposal" in html
    assert 'data-testid="interest-form"' not in html


def test_organization_whose_reviewer_has_a_confirmed_conflict_cannot_answer(
    login, mia, organization, call, proposal
):
    engineer = reviewer(organization_id=organization.id)
    db.session.add(
        Conflict(
            proposal=proposal,
            reviewer=engineer,
            source=ConflictSource.SPONSOR_ORGANIZATION,
            status=ConflictStatus.CONFIRMED,
        )
    )
    db.session.commit()
    before = snapshot()

    response = post_answer(login(mia), proposal, level="would_cofund")

    assert response.status_code == 403
    assert snapshot() == before


def test_a_dismissed_conflict_does_not_stop_the_answer(login, mia, organization, proposal):
    engineer = reviewer(organization_id=organization.id)
    db.session.add(
        Conflict(
            proposal=proposal,
            reviewer=engineer,
            source=ConflictSource.SPONSOR_ORGANIZATION,
            status=ConflictStatus.DISMISSED,
            dismissed_at=clock.now(),
            dismissal_reason="Different division",
        )
    )
    db.session.commit()

    response = post_answer(login(mia), proposal, level="would_cofund")

    assert response.status_code == 302
    assert len(answers()) == 1


def test_a_proposal_members_do_not_see_cannot_be_answered(login, mia, call):
    draft = ProposalFactory(call=call, title="A draft")
    before = snapshot()

    response = post_answer(login(mia), draft)

    assert response.status_code == 404
    assert snapshot() == before


# Administrators


def test_admin_reads_every_answer_with_comments_and_tallies(login, call, proposal):
    siemens = member_organization("Siemens", votes=3)
    amgen = member_organization("Amgen", votes=1)
    db.session.add_all(
        [
            MemberInterest(
                proposal=proposal,
                organization=siemens,
                level=InterestLevel.WOULD_COFUND,
                comment="Pilot line in Ohio",
            ),
            MemberInterest(proposal=proposal, organization=amgen, level=InterestLevel.NOT_RELEVANT),
        ]
    )
    call.interest_mode, call.interest_weight = InterestMode.WEIGHTED, 20
    db.session.commit()

    html = page_text(login(UserFactory(admin=True)).get(f"/interest/calls/{call.id}/answers"))

    assert "Weighted into the ranking (20%)" in html
    assert "<strong>Amgen</strong>" in html and "<strong>Siemens</strong>" in html
    assert "Pilot line in Ohio" in html
    # (3 votes x 3 points + 1 vote x 0) / (3 points x 4 votes) = 75
    assert '<td class="text-end" data-testid="interest-score">75</td>' in html


def test_admin_answers_page_costs_the_same_queries_for_one_row_or_many(
    login, call, proposal, count_queries
):
    client = login(UserFactory(admin=True))
    siemens = member_organization("Siemens")
    db.session.add(MemberInterest(proposal=proposal, organization=siemens, level="interested"))
    db.session.commit()
    with count_queries() as one:
        client.get(f"/interest/calls/{call.id}/answers")
    for number in range(5):
        other = proposal_under_review(call)
        organization = member_organization(f"Member {number}")
        db.session.add(
            MemberInterest(proposal=other, organization=organization, level="would_mentor")
        )
    db.session.commit()
    with count_queries() as many:
        client.get(f"/interest/calls/{call.id}/answers")

    assert many.count == one.count


def test_members_see_the_interest_mode_of_the_call(login, mia):
    call = open_call(
        interest_mode=InterestMode.WEIGHTED,
        interest_weight=25,
    )
    proposal_under_review(call)

    html = page_text(login(mia).get(f"/interest/calls/{call.id}"))

    assert "weighted into the ranking (25% of the score)" in html


def test_closed_call_before_review_lists_no_proposal_yet(login, mia):
    call = open_call()
    call.state, call.review_started_at = CallState.CLOSED, None
    proposal = proposal_under_review(call, state=ProposalState.SUBMITTED)
    db.session.commit()

    html = page_text(login(mia).get(f"/interest/calls/{call.id}"))

    assert proposal.title not in html
    assert "they appear here once review starts" in html
    assert call.closes_at < clock.now() + timedelta(days=1)
