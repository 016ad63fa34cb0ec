"""The conflict rules that read what the applicant declared: people named (by email, else by
name) and member organizations the team has a relationship with."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app import clock
from app.errors import ConflictError
from app.extensions import db
from app.proposals.models import CoInvestigator, DeclaredConflict
from app.reviews import services
from app.reviews.models import Assignment, Conflict, ConflictSource, ConflictStatus
from tests.factories import OrganizationFactory, UserFactory
from tests.reviews.helpers import call_in_review, proposal_under_review, reviewer

NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
REASON = "Rival group; we compete for the same contract"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def call():
    return call_in_review()


def named(name, email=None, reason=REASON, position=1) -> DeclaredConflict:
    return DeclaredConflict(position=position, person_name=name, person_email=email, reason=reason)


def related(organization, reason="Funds our PhD student", position=1) -> DeclaredConflict:
    return DeclaredConflict(position=position, organization=organization, reason=reason)


def proposal_declaring(call, *declared, **values):
    proposal = proposal_under_review(call, **values)
    proposal.declared_conflicts = list(declared)
    db.session.commit()
    return proposal


def in_pool(call, admin, *users):
    for user in users:
        services.add_to_pool(call, user, actor=admin)
    db.session.commit()


def conflicts() -> dict[int, tuple[ConflictSource, str]]:
    return {
        conflict.reviewer_id: (conflict.source, conflict.explanation)
        for conflict in db.session.scalars(sa.select(Conflict))
    }


# Each rule


def test_a_person_named_with_an_email_is_the_reviewer_with_that_address_in_any_case(
    call, admin, audit_log
):
    victor = UserFactory(reviewer=True, name="Victor Rival", email="victor.rival@example.edu")
    namesake = UserFactory(reviewer=True, name="Victor Rival", email="other.victor@example.edu")
    proposal_declaring(call, named("V. Rival", "Victor.Rival@Example.EDU"))
    in_pool(call, admin, victor, namesake)

    created = services.detect_conflicts(call, actor=admin)

    # With an address given, the address decides: the namesake is someone else.
    assert conflicts() == {
        victor.id: (
            ConflictSource.APPLICANT_DECLARED,
            "The applicant named V. Rival as someone who should not review the proposal: "
            f'"{REASON}"',
        )
    }
    assert [event.detail for event in audit_log("conflict.detected")] == [
        {"reviewer_id": victor.id, "source": "applicant_declared"}
    ]
    assert [conflict.reviewer_id for conflict in created] == [victor.id]


def test_a_person_named_without_an_email_is_the_reviewer_of_that_name_whatever_case_or_spaces(
    call, admin
):
    victor = UserFactory(reviewer=True, name="Victor  Rival")
    victoria = UserFactory(reviewer=True, name="Victoria Rival")
    proposal_declaring(call, named("  victor RIVAL ", reason=""))
    in_pool(call, admin, victor, victoria)

    services.detect_conflicts(call, actor=admin)

    assert conflicts() == {
        victor.id: (
            ConflictSource.APPLICANT_DECLARED,
            "The applicant named   victor RIVAL  as someone who should not review the proposal.",
        )
    }


def test_a_declared_organization_is_a_conflict_for_its_reviewers(call, admin):
    siemens, sanofi = OrganizationFactory(name="Siemens"), OrganizationFactory(name="Sanofi")
    from_siemens = reviewer(organization_id=siemens.id)
    from_sanofi = reviewer(organization_id=sanofi.id)
    without_organization = reviewer()
    proposal_declaring(call, related(siemens, "Consulting contract until 2027"))
    in_pool(call, admin, from_siemens, from_sanofi, without_organization)

    services.detect_conflicts(call, actor=admin)

    assert conflicts() == {
        from_siemens.id: (
            ConflictSource.DECLARED_RELATIONSHIP,
            'The team declared a relationship with Siemens: "Consulting contract until 2027"',
        )
    }


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        ("named co-investigator", ConflictSource.CO_INVESTIGATOR),
        ("named colleague", ConflictSource.APPLICANT_DECLARED),
        ("related sponsor", ConflictSource.SPONSOR_ORGANIZATION),
        ("related colleague", ConflictSource.SAME_DEPARTMENT),
    ],
)
def test_the_first_rule_that_applies_names_the_conflict(call, admin, arrange, expected):
    organization = OrganizationFactory(name="GE Vernova")
    user = reviewer(
        department="Mechanical Engineering" if "colleague" in arrange else "Chemistry",
        organization_id=organization.id,
    )
    declared = [named(user.name, user.email) if "named" in arrange else related(organization)]
    proposal = proposal_declaring(call, *declared, department="Mechanical Engineering")
    if arrange == "named co-investigator":
        proposal.co_investigators = [CoInvestigator(position=1, name="C", email=user.email)]
    if arrange == "related sponsor":
        proposal.sponsors = [organization]
    db.session.commit()
    in_pool(call, admin, user)

    services.detect_conflicts(call, actor=admin)

    assert conflicts()[user.id][0] == expected


# Once found


@pytest.mark.parametrize("source", ["person", "organization"])
def test_a_dismissed_suggestion_never_comes_back(call, admin, audit_log, source):
    organization = OrganizationFactory()
    user = reviewer(organization_id=organization.id)
    declared = named(user.name) if source == "person" else related(organization)
    proposal = proposal_declaring(call, declared)
    in_pool(call, admin, user)
    [conflict] = services.detect_conflicts(call, actor=admin)

    services.dismiss_conflict(conflict, actor=admin, reason="Left that group in 2019")
    again = services.detect_conflicts(call, actor=admin)
    db.session.commit()

    assert again == []
    assert conflict.status == ConflictStatus.DISMISSED
    assert len(audit_log("conflict.detected")) == 1
    services.assign_reviewer(proposal, user, actor=admin)  # no longer blocked


@pytest.mark.parametrize("source", ["person", "organization"])
def test_assignment_onto_the_resulting_conflict_is_refused(call, admin, source):
    organization = OrganizationFactory()
    user = reviewer(organization_id=organization.id)
    declared = named(user.name, user.email) if source == "person" else related(organization)
    proposal = proposal_declaring(call, declared)
    in_pool(call, admin, user)
    services.detect_conflicts(call, actor=admin)
    db.session.commit()

    with pytest.raises(ConflictError, match=user.name):
        services.assign_reviewer(proposal, user, actor=admin)
    db.session.rollback()
    with pytest.raises(DatabaseError, match="conflict"):
        db.session.add(Assignment(call_id=call.id, proposal_id=proposal.id, reviewer_id=user.id))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_detection_reads_a_call_in_the_same_number_of_queries_for_1_or_20_proposals(
    admin, count_queries
):
    organization = OrganizationFactory()
    calls = {size: call_in_review() for size in (1, 20)}
    for size, call in calls.items():
        for _ in range(size):
            proposal = proposal_declaring(
                call,
                named("Someone Else", position=1),
                named("Another", "another@example.edu", position=2),
                related(organization, position=3),
                related(OrganizationFactory(), position=4),
            )
            proposal.co_investigators = [
                CoInvestigator(position=1, name="C", email=f"c{proposal.id}@uni.edu")
            ]
            proposal.sponsors = [OrganizationFactory()]
        in_pool(call, admin, *(reviewer(department="Chemistry") for _ in range(3)))
    db.session.expire_all()

    costs = {}
    for size, call in calls.items():
        with count_queries() as counter:
            assert services.detect_conflicts(call, actor=admin) == []
        costs[size] = counter.count

    assert costs[1] == costs[20]


def test_a_reviewer_is_not_told_that_the_applicant_named_them(call, admin, login):
    organization = OrganizationFactory(name="Related Industries")
    victor = UserFactory(reviewer=True, email="victor@example.edu")
    colleague = reviewer(organization_id=organization.id)
    proposal_declaring(
        call,
        named("Victor Rival", "victor@example.edu", position=1),
        related(organization, position=2),
    )
    in_pool(call, admin, victor, colleague)
    services.detect_conflicts(call, actor=admin)
    db.session.commit()

    pages = [
        login(user).get(f"/reviews/calls/{call.id}/declare").get_data(as_text=True)
        for user in (victor, colleague)
    ]

    for page in pages:
        listed = page.split('data-testid="declared"')[1].split("</ul>")[0]
        assert "recorded by the program office" in listed
        assert "applicant" not in listed and "relationship" not in listed
        assert REASON not in page and "Funds our PhD student" not in page
