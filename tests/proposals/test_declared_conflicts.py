"""The applicant's declared conflicts of interest: the edit page's section, the submitted
version, and who may read them (the applicant and administrators, never reviewers or members)."""

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import ReviewVisibility
from app.errors import ValidationError
from app.extensions import db
from app.proposals import services
from app.proposals.models import CoInvestigator, DeclaredConflict, Proposal, ProposalVersion
from app.reviews import services as review_services
from tests.factories import (
    MINIMAL_PDF,
    CallFactory,
    OrganizationFactory,
    ProposalFactory,
    TermFactory,
    UserFactory,
    representative,
)
from tests.reviews.helpers import assign, call_in_review, proposal_under_review

CLOSES = datetime(2026, 3, 1, 22, 0, 0, tzinfo=UTC)
REASON = "Rival group; we compete for the same contract"
RELATIONSHIP = "Pays for our PhD student until 2027"


@pytest.fixture
def at(monkeypatch):
    """Fix the server's clock five days before the call closes."""
    monkeypatch.setattr(clock, "now", lambda: CLOSES - timedelta(days=5))


def member(name: str):
    """Return an organization with a membership term around the call's deadline."""
    return TermFactory(
        organization=OrganizationFactory(name=name),
        starts_on=date(2025, 9, 1),
        ends_on=date(2026, 8, 31),
    ).organization


def draft(**values) -> Proposal:
    call = CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES)
    return ProposalFactory(call=call, **values)


def page_data(proposal: Proposal, *, people=(), organizations=(), **changes) -> dict:
    """Return what the edit page posts: the proposal as saved, the rows given, and changes."""
    data = {
        "title": proposal.title,
        "abstract": proposal.abstract,
        "keywords": proposal.keywords,
        "department": proposal.department,
        "duration_months": proposal.duration_months or "",
        "industry_relevance": proposal.industry_relevance,
        "version": proposal.version,
        "save": "y",
    }
    for index, line in enumerate(proposal.budget_lines):
        data |= {
            f"budget_lines-{index}-category": line.category.value,
            f"budget_lines-{index}-description": line.description,
            f"budget_lines-{index}-amount": str(line.amount),
        }
    for index, row in enumerate(people):
        data |= {f"excluded_people-{index}-{key}": value for key, value in row.items()}
    for index, row in enumerate(organizations):
        data |= {f"relationships-{index}-{key}": str(value) for key, value in row.items()}
    return data | changes


def person(name="Victor Rival", email="", reason=REASON) -> dict:
    return {"name": name, "email": email, "reason": reason}


def relationship(organization, reason=RELATIONSHIP) -> dict:
    return {"organization_id": organization.id if organization else "", "reason": reason}


def edit_url(proposal) -> str:
    return f"/proposals/{proposal.id}/edit"


def declared_rows() -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                DeclaredConflict.position,
                DeclaredConflict.person_name,
                DeclaredConflict.person_email,
                DeclaredConflict.organization_id,
                DeclaredConflict.reason,
            ).order_by(DeclaredConflict.position)
        )
    ]


def error_beside(page: str, field_id: str) -> str:
    """Return the message shown beside a field (empty when there is none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', page)
    return html.unescape(match.group(1)).strip() if match else ""


# The edit page


def test_people_and_relationships_are_saved_with_the_draft_and_empty_rows_ignored(
    at, login, audit_log
):
    proposal = draft()
    siemens = member("Siemens")
    people = [
        person("Victor Rival", "Victor.Rival@Example.EDU"),
        person("", "", ""),
        person("  Mallory   Jones ", "", "Former adviser"),
    ]
    organizations = [relationship(None, ""), relationship(siemens)]

    response = login(proposal.applicant).post(
        edit_url(proposal), data=page_data(proposal, people=people, organizations=organizations)
    )

    assert response.status_code == 302
    assert declared_rows() == [
        (1, "Victor Rival", "victor.rival@example.edu", None, REASON),
        (2, "Mallory   Jones", None, None, "Former adviser"),
        (3, None, None, siemens.id, RELATIONSHIP),
    ]
    assert len(audit_log("proposal.saved")) == 1


def test_the_edit_page_shows_what_was_declared(at, login):
    proposal = draft()
    siemens = member("Siemens")
    member("Sanofi")
    proposal.declared_conflicts = [
        DeclaredConflict(position=1, person_name="Victor Rival", reason=REASON),
        DeclaredConflict(position=2, organization=siemens, reason=RELATIONSHIP),
    ]
    db.session.commit()

    page = login(proposal.applicant).get(edit_url(proposal)).get_data(as_text=True)

    assert "Conflicts of interest" in page
    assert 'name="excluded_people-0-name" type="text" value="Victor Rival"' in page
    assert f'value="{REASON}"' in page
    assert f'<option selected value="{siemens.id}">Siemens</option>' in page
    assert ">Sanofi</option>" in page


def test_saving_again_replaces_the_declarations(at, login):
    proposal = draft()
    siemens, sanofi = member("Siemens"), member("Sanofi")
    client = login(proposal.applicant)
    client.post(
        edit_url(proposal),
        data=page_data(proposal, people=[person()], organizations=[relationship(siemens)]),
    )

    client.post(
        edit_url(proposal),
        data=page_data(proposal, organizations=[relationship(sanofi, "Spin-out")]),
    )

    assert declared_rows() == [(1, None, None, sanofi.id, "Spin-out")]


def test_add_buttons_show_one_more_row_and_save_nothing(at, login, audit_log):
    proposal = draft()
    member("Siemens")
    data = page_data(proposal, people=[person()], title="Typed, not saved")
    del data["save"]
    client = login(proposal.applicant)

    with_person = client.post(edit_url(proposal), data=data | {"add_excluded_person": "y"})
    with_organization = client.post(edit_url(proposal), data=data | {"add_relationship": "y"})

    person_page = with_person.get_data(as_text=True)
    organization_page = with_organization.get_data(as_text=True)
    assert 'value="Victor Rival"' in person_page
    assert 'name="excluded_people-1-name"' in person_page
    assert 'name="relationships-0-organization_id"' not in person_page
    assert 'name="relationships-0-organization_id"' in organization_page
    assert ">Siemens</option>" in organization_page  # a row added now offers the members too
    assert (proposal.title, declared_rows(), audit_log("proposal.saved")) == ("", [], [])


def test_remove_takes_out_that_row_only_and_saves_nothing(at, login):
    proposal = draft()
    siemens, sanofi = member("Siemens"), member("Sanofi")
    data = page_data(
        proposal,
        people=[person("Ada"), person("Alan"), person("Grace")],
        organizations=[relationship(siemens), relationship(sanofi)],
    )
    del data["save"]
    client = login(proposal.applicant)

    people = client.post(edit_url(proposal), data=data | {"excluded_people-1-remove": "y"})
    organizations = client.post(edit_url(proposal), data=data | {"relationships-0-remove": "y"})

    assert re.findall(
        r'name="excluded_people-(\d)-name" type="text" value="(\w+)"', people.get_data(True)
    ) == [("0", "Ada"), ("1", "Grace")]
    assert re.findall(r'<option selected value="(\d+)">', organizations.get_data(True)) == [
        str(sanofi.id)
    ]
    assert declared_rows() == []


def many_people() -> list[dict]:
    return [person(f"Person {n}", f"person{n}@uni.edu") for n in range(11)]


@pytest.mark.parametrize(
    ("people", "organizations", "field_id", "message"),
    [
        ([person(name="")], [], "excluded_people-0-name", "Give the person's name."),
        (
            [person(reason="")],
            [],
            "excluded_people-0-reason",
            "Say why this person should not review the proposal.",
        ),
        (
            [person(email="victor-at-example")],
            [],
            "excluded_people-0-email",
            "Enter an email address like name@university.edu, or leave it empty.",
        ),
        (
            [person(email="v@example.edu"), person(name="V. Rival", email="V@Example.edu")],
            [],
            "excluded_people",
            "Each person is named once.",
        ),
        (
            [person(name="Victor Rival"), person(name=" victor  RIVAL")],
            [],
            "excluded_people",
            "Each person is named once.",
        ),
        (many_people(), [], "excluded_people", "Name at most 10 people."),
        ([], ["no organization"], "relationships-0-organization_id", "Choose the organization."),
        ([], ["no reason"], "relationships-0-reason", "Say what the relationship is."),
        ([], ["twice"], "relationships", "Each organization is declared once."),
        ([], ["unknown"], "relationships-0-organization_id", "Not a valid choice."),
    ],
    ids=[
        "person-without-name",
        "person-without-reason",
        "malformed-email",
        "same-email-twice",
        "same-name-twice",
        "eleven-people",
        "organization-not-chosen",
        "relationship-without-reason",
        "same-organization-twice",
        "unknown-organization",
    ],
)
def test_bad_input_is_shown_beside_its_field_kept_and_nothing_written(
    at, login, audit_log, people, organizations, field_id, message
):
    proposal = draft(title="Saved title")
    siemens = member("Siemens")
    rows = {
        "no organization": [relationship(None)],
        "no reason": [relationship(siemens, "")],
        "twice": [relationship(siemens), relationship(siemens, "Consulting")],
        "unknown": [{"organization_id": "987654", "reason": RELATIONSHIP}],
    }
    organization_rows = [row for name in organizations for row in rows[name]]
    data = page_data(
        proposal,
        people=people,
        organizations=organization_rows,
        abstract="Typed abstract, kept on the page",
    )

    response = login(proposal.applicant).post(edit_url(proposal), data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(page, field_id) == message
    assert "Typed abstract, kept on the page" in page
    for row in people:
        assert html.escape(row["reason"], quote=True) in page
    assert (proposal.title, proposal.abstract) == ("Saved title", "")
    assert declared_rows() == []
    assert audit_log("proposal.saved") == []


def test_the_service_refuses_what_the_page_would_not_send(at):
    proposal = draft()
    lapsed = OrganizationFactory(name="Lapsed Co")

    with pytest.raises(ValidationError) as error:
        services.save_draft(
            proposal,
            services.DraftValues(relationships=[services.Relationship(lapsed.id, "Contract")]),
            actor=proposal.applicant,
        )

    assert error.value.field == "relationships"
    assert declared_rows() == []


def test_a_member_lapsing_after_it_was_declared_does_not_stop_the_draft_saving(at, login):
    proposal = draft()
    former = OrganizationFactory(name="Former Member")
    proposal.declared_conflicts = [
        DeclaredConflict(position=1, organization=former, reason=RELATIONSHIP)
    ]
    db.session.commit()

    response = login(proposal.applicant).post(
        edit_url(proposal),
        data=page_data(proposal, organizations=[relationship(former)], title="Saved again"),
    )

    assert response.status_code == 302
    assert proposal.title == "Saved again"
    assert declared_rows() == [(1, None, None, former.id, RELATIONSHIP)]


# The submitted version


def ready_with_declarations() -> Proposal:
    """Return a draft ready to submit naming a person and an organization."""
    proposal = draft(complete=True, budget=["50000"])
    siemens = member("Siemens")
    services.attach_pdf(
        proposal, actor=proposal.applicant, filename="proposal.pdf", data=MINIMAL_PDF
    )
    services.save_draft(
        proposal,
        services.DraftValues(
            title=proposal.title,
            abstract=proposal.abstract,
            keywords=proposal.keywords,
            department=proposal.department,
            duration_months=proposal.duration_months,
            industry_relevance=proposal.industry_relevance,
            budget_lines=[
                services.Line("personnel", "Postdoc", line.amount) for line in proposal.budget_lines
            ],
            excluded_people=[services.ExcludedPerson("Victor Rival", "victor@example.edu", REASON)],
            relationships=[services.Relationship(siemens.id, RELATIONSHIP)],
        ),
        actor=proposal.applicant,
    )
    db.session.commit()
    return proposal


def test_the_submitted_version_keeps_the_declarations_as_they_were(at, login):
    proposal = ready_with_declarations()
    siemens_id = proposal.declared_conflicts[1].organization_id
    services.submit_proposal(proposal, actor=proposal.applicant)
    services.reopen_proposal(proposal, actor=proposal.applicant)
    services.save_draft(
        proposal,
        services.DraftValues(title=proposal.title, budget_lines=[]),
        actor=proposal.applicant,
    )
    db.session.commit()

    version = db.session.scalar(sa.select(ProposalVersion))
    page = (
        login(proposal.applicant).get(f"/proposals/{proposal.id}/versions/1").get_data(as_text=True)
    )

    assert version.snapshot["declared_conflicts"] == [
        {
            "name": "Victor Rival",
            "email": "victor@example.edu",
            "organization_id": None,
            "organization": None,
            "reason": REASON,
        },
        {
            "name": None,
            "email": None,
            "organization_id": siemens_id,
            "organization": "Siemens",
            "reason": RELATIONSHIP,
        },
    ]
    assert proposal.declared_conflicts == []
    assert 'data-testid="declared-person"><td>Victor Rival</td>' in page
    assert 'data-testid="declared-relationship"><td>Siemens</td>' in page


def test_a_version_from_before_declarations_shows_none(at, login):
    proposal = ready_with_declarations()
    admin = UserFactory(admin=True)
    earlier = {
        key: value
        for key, value in services.snapshot(proposal).items()
        if key != "declared_conflicts"
    }
    proposal.version_count = 1
    db.session.add(
        ProposalVersion(
            proposal=proposal,
            number=1,
            submitted_at=clock.now(),
            snapshot=earlier | {"reference": "AIM-2026-001"},
        )
    )
    db.session.commit()

    page = login(admin).get(f"/proposals/{proposal.id}/versions/1").get_data(as_text=True)

    assert "None declared." in page


# Who reads them


def test_the_applicant_and_administrators_read_them_on_the_proposal_page(at, login):
    proposal = ready_with_declarations()

    for user in (proposal.applicant, UserFactory(admin=True)):
        page = login(user).get(f"/proposals/{proposal.id}").get_data(as_text=True)
        section = page.split('data-testid="declared-conflicts"')[1]
        assert "Victor Rival" in section and "victor@example.edu" in section
        assert REASON in section
        assert "Siemens" in section and RELATIONSHIP in section


def test_a_co_investigator_reads_the_proposal_but_not_the_declarations(at, login):
    proposal = ready_with_declarations()
    colleague = UserFactory(researcher=True)
    proposal.co_investigators.append(
        CoInvestigator(position=1, name=colleague.name, email=colleague.email)
    )
    db.session.commit()
    services.submit_proposal(proposal, actor=proposal.applicant)
    db.session.commit()
    client = login(colleague)

    pages = [
        client.get(f"/proposals/{proposal.id}").get_data(as_text=True),
        client.get(f"/proposals/{proposal.id}/versions/1").get_data(as_text=True),
    ]

    for page in pages:
        assert proposal.title in page
        assert "declared-conflicts" not in page
        assert "Victor Rival" not in page and REASON not in page and RELATIONSHIP not in page


def declare(proposal, organization) -> None:
    proposal.declared_conflicts = [
        DeclaredConflict(
            position=1, person_name="Victor Rival", person_email="victor@example.edu", reason=REASON
        ),
        DeclaredConflict(position=2, organization=organization, reason=RELATIONSHIP),
    ]
    db.session.commit()


def leaks(page: str) -> list[str]:
    return [
        text
        for text in ("Victor Rival", "victor@example.edu", REASON, RELATIONSHIP)
        if text in page
    ]


@pytest.mark.parametrize("blind", [False, True], ids=["open-call", "blind-call"])
def test_reviewers_never_see_them(login, blind):
    call = call_in_review(is_blind=blind, review_visibility=ReviewVisibility.ALWAYS)
    proposal = proposal_under_review(call, filename="plan.pdf")
    declare(proposal, OrganizationFactory(name="Related Industries"))
    reviewer = UserFactory(reviewer=True)
    review_services.add_to_pool(call, reviewer, actor=UserFactory(admin=True))
    assignment = assign(proposal, reviewer)
    client = login(reviewer)

    review_page = client.get(f"/reviews/assignments/{assignment.id}")
    pages = [
        review_page.get_data(as_text=True),
        client.get("/reviews/").get_data(as_text=True),
        client.get(f"/reviews/calls/{call.id}/declare").get_data(as_text=True),
    ]

    assert review_page.status_code == 200
    assert proposal.title in pages[0]
    assert [leaks(page) for page in pages] == [[], [], []]
    assert "Related Industries" not in pages[0]
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_member_representatives_never_see_them(login):
    call = call_in_review()
    proposal = proposal_under_review(call)
    related = OrganizationFactory(name="Related Industries")
    declare(proposal, related)
    proposal.version_count = 1
    db.session.add(
        ProposalVersion(
            proposal=proposal,
            number=1,
            submitted_at=clock.now(),
            snapshot=services.snapshot(proposal),
        )
    )
    db.session.commit()
    client = login(representative(related))

    responses = [
        client.get(f"/proposals/{proposal.id}"),
        client.get(f"/proposals/{proposal.id}/versions/1"),
        client.get(f"/proposals/{proposal.id}/receipt/1"),
    ]
    home = client.get("/").get_data(as_text=True)
    call_page = client.get(f"/calls/{call.id}").get_data(as_text=True)

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert leaks(home) == [] and leaks(call_page) == []


def test_the_proposal_page_costs_the_same_for_one_or_ten_declarations(at, login, count_queries):
    few, many = draft(), draft()
    organizations = [member(f"Member {n}") for n in range(5)]
    few.declared_conflicts = [DeclaredConflict(position=1, person_name="One", reason="Why")]
    many.declared_conflicts = [
        DeclaredConflict(position=n, person_name=f"Person {n}", reason="Why") for n in range(5)
    ] + [
        DeclaredConflict(position=5 + n, organization=organization, reason="Contract")
        for n, organization in enumerate(organizations)
    ]
    db.session.commit()
    clients = {proposal.id: login(proposal.applicant) for proposal in (few, many)}
    for proposal_id, client in clients.items():
        client.get(f"/proposals/{proposal_id}")

    costs = {}
    for proposal_id, client in clients.items():
        with count_queries() as counter:
            page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
        costs[proposal_id] = (counter.count, page.count('data-testid="declared-'))

    assert costs[few.id][0] == costs[many.id][0]
    assert (costs[few.id][1], costs[many.id][1]) == (1 + 1, 1 + 10)
