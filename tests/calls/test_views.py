"""Call pages: administrators create and run calls and rubrics; everyone signed in reads them."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.audit.models import AuditEvent
from app.calls import queries
from app.calls.models import (
    CALL_TRANSITIONS,
    Call,
    CallState,
    Criterion,
    InterestMode,
    MemberVisibility,
)
from app.extensions import db
from app.proposals.models import ProposalState
from tests.factories import CallFactory, ProposalFactory, UserFactory

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def admin():
    return UserFactory(admin=True, timezone="America/New_York")


@pytest.fixture
def client(login, admin):
    return login(admin)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def call_form(**changes) -> dict:
    return {
        "title": "AI for manufacturing seed grants",
        "theme": "AI for manufacturing",
        "description": "Seed **projects** in AI for manufacturing.",
        "eligibility": "Faculty of the institute.",
        "opens_at": "2026-03-02T09:00",
        "closes_at": "2026-04-15T17:00",
        "review_deadline": "2026-05-15T17:00",
        "total_budget": "1000000",
        "max_award": "150000",
        "reviews_per_proposal": "3",
        "is_blind": "y",
        "member_visibility": "titles_abstracts",
        "reference_prefix": "aim",
    } | changes


def page_text(response) -> str:
    return response.get_data(as_text=True)


# Creating and editing


def test_admin_creates_a_call_in_draft(client, audit_log):
    response = client.post("/calls/new", data=call_form())

    call = db.session.scalar(sa.select(Call))
    assert response.headers["Location"] == f"/calls/{call.id}/admin"
    assert (call.state, call.reference_prefix, call.is_blind, call.member_visibility) == (
        CallState.DRAFT,
        "AIM",
        True,
        MemberVisibility.TITLES_ABSTRACTS,
    )
    # Entered in New York winter time (UTC-5).
    assert (call.opens_at, call.closes_at, call.review_deadline) == (
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        datetime(2026, 4, 15, 21, 0, tzinfo=UTC),  # summer time by then: UTC-4
        datetime(2026, 5, 15, 21, 0, tzinfo=UTC),
    )
    assert (call.total_budget, call.max_award) == (Decimal("1000000"), Decimal("150000"))
    assert [event.action for event in audit_log()] == ["call.created"]


def test_new_call_form_names_the_zone_and_supports_markdown(client):
    html = page_text(client.get("/calls/new"))

    assert 'type="datetime-local"' in html
    assert "In your time zone, America/New_York." in html
    assert "Markdown is supported" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Give the call a title."),
        ({"opens_at": ""}, "opens_at", "Enter when the call opens."),
        ({"closes_at": "soon"}, "closes_at", "Not a valid datetime value."),
        (
            {"closes_at": "2026-03-01T09:00"},
            "closes_at",
            "The call must close after it opens.",
        ),
        (
            {"review_deadline": "2026-04-01T09:00"},
            "review_deadline",
            "Reviews are due after the call closes.",
        ),
        ({"total_budget": "-5"}, "total_budget", "The budget must be more than zero."),
        ({"total_budget": "lots"}, "total_budget", "Not a valid decimal value."),
        (
            {"max_award": "2000000"},
            "max_award",
            "The largest award must be more than zero and no more than the budget.",
        ),
        (
            {"reviews_per_proposal": "0"},
            "reviews_per_proposal",
            "Between 1 and 20 reviews per proposal.",
        ),
        (
            {"reference_prefix": "a-m"},
            "reference_prefix",
            "Use 2 to 10 capital letters or digits, starting with a letter (e.g. AIM).",
        ),
        (
            {"opens_at": "2026-03-08T02:30"},  # New York springs forward from 02:00 to 03:00
            "opens_at",
            "This time does not exist in America/New_York: the clocks go forward then.",
        ),
    ],
)
def test_bad_call_input_is_refused_beside_its_field_and_kept(client, changes, field, message):
    response = client.post(
        "/calls/new", data=call_form(theme="Kept theme", description="Kept *text*") | changes
    )

    html = page_text(response)
    assert response.status_code == 200
    assert f'id="{field}-error">{message}</div>' in html
    assert 'value="Kept theme"' in html
    assert "Kept *text*</textarea>" in html
    for value in changes.values():
        if value:
            assert f'value="{value}"' in html
    assert (count(Call), count(AuditEvent)) == (0, 0)


def test_edit_shows_the_call_in_the_editors_zone(login):
    tokyo_admin = login(UserFactory(admin=True, timezone="Asia/Tokyo"))
    call = CallFactory(
        draft=True,
        opens_at=datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        closes_at=datetime(2026, 4, 1, 8, 30, tzinfo=UTC),
    )

    html = page_text(tokyo_admin.get(f"/calls/{call.id}/edit"))

    assert 'value="2026-03-02T09:00"' in html
    assert 'value="2026-04-01T17:30"' in html
    assert "In your time zone, Asia/Tokyo." in html
    assert f'name="version" type="hidden" value="{call.version}"' in html


def test_admin_edits_a_call(client, audit_log):
    call = CallFactory(draft=True, title="Old title")

    response = client.post(
        f"/calls/{call.id}/edit", data=call_form(title="New title", version=call.version)
    )

    assert response.headers["Location"] == f"/calls/{call.id}/admin"
    assert call.title == "New title"
    assert audit_log("call.updated")[0].detail["title"] == ["Old title", "New title"]


def test_second_editor_is_told_and_nothing_is_overwritten(client, login, audit_log):
    call = CallFactory(draft=True, title="Round one")
    other_admin = login(UserFactory(admin=True))
    version = call.version
    other_admin.post(
        f"/calls/{call.id}/edit", data=call_form(title="Round one (first)", version=version)
    )

    response = client.post(
        f"/calls/{call.id}/edit", data=call_form(title="Round one (second)", version=version)
    )

    html = page_text(response)
    assert "Someone else saved this call while you were editing." in html
    assert 'value="Round one (second)"' in html
    assert call.title == "Round one (first)"
    assert len(audit_log("call.updated")) == 1


# Time zones


def test_times_are_entered_in_the_admins_zone_stored_in_utc_and_read_in_each_readers(login):
    tokyo = UserFactory(admin=True, timezone="Asia/Tokyo")
    tokyo_admin = login(tokyo)

    tokyo_admin.post(
        "/calls/new",
        data=call_form(
            opens_at="2026-03-02T09:00", closes_at="2026-03-30T09:00", review_deadline=""
        ),
    )

    call = db.session.scalar(sa.select(Call))
    assert call.opens_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert call.review_deadline is None
    assert "02 Mar 2026 09:00 JST" in page_text(tokyo_admin.get(f"/calls/{call.id}/admin"))
    call.state, call.opened_at = CallState.OPEN, NOW
    db.session.commit()
    new_yorker = login(UserFactory(researcher=True, timezone="America/New_York"))
    html = page_text(new_yorker.get(f"/calls/{call.id}"))
    assert "01 Mar 2026 19:00 EST" in html
    assert "29 Mar 2026 20:00 EDT" in html  # the close, after New York's clocks went forward


# State buttons

STAMPS = {
    CallState.DRAFT: {"draft": True},
    CallState.OPEN: {},
    CallState.CLOSED: {"state": CallState.CLOSED, "closed_at": NOW},
    CallState.IN_REVIEW: {
        "state": CallState.IN_REVIEW,
        "closed_at": NOW,
        "review_started_at": NOW,
    },
    CallState.DECIDED: {"state": CallState.DECIDED, "closed_at": NOW, "decided_at": NOW},
    CallState.ARCHIVED: {
        "state": CallState.ARCHIVED,
        "closed_at": NOW,
        "decided_at": NOW,
        "archived_at": NOW,
    },
}
DONE = {
    CallState.OPEN: "The call is open for submissions.",
    CallState.CLOSED: "The call is closed to submissions.",
    CallState.IN_REVIEW: "The call is in review. 0 submitted proposals moved to review.",
    CallState.DECIDED: "The call is marked decided.",
    CallState.ARCHIVED: "The call is archived.",
}
PAIRS = [(start, to) for start in CallState for to in CallState if to != CallState.DRAFT]


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_state_button_moves_the_call_or_says_why_not(client, audit_log, start, to):
    call = CallFactory(**STAMPS[start])
    before = count(AuditEvent)

    response = client.post(f"/calls/{call.id}/state", data={"to": to.value}, follow_redirects=True)

    html = page_text(response)
    if to in CALL_TRANSITIONS[start]:
        assert call.state == to
        assert DONE[to] in html
        assert count(AuditEvent) > before
    else:
        assert call.state == start
        assert f"A call that is {start.label.lower()} cannot become {to.label.lower()}." in html
        assert count(AuditEvent) == before


def test_manage_page_offers_only_the_allowed_next_states(client):
    call = CallFactory(state=CallState.CLOSED, closed_at=NOW)

    html = page_text(client.get(f"/calls/{call.id}/admin"))

    buttons = re.findall(r'name="to" value="(\w+)"', html)
    assert buttons == ["open", "in_review"]
    assert "Reopen the call" in html and "Start review" in html
    assert 'data-confirm="Start review? Every submitted proposal moves to review."' in html


def test_opening_without_criteria_is_refused(client):
    call = CallFactory(draft=True, rubric=False)

    response = client.post(f"/calls/{call.id}/state", data={"to": "open"}, follow_redirects=True)

    assert "Add at least one rubric criterion before opening the call." in page_text(response)
    assert call.state == CallState.DRAFT


def test_unknown_target_state_changes_nothing(client):
    call = CallFactory(draft=True)

    response = client.post(f"/calls/{call.id}/state", data={"to": "draft"}, follow_redirects=True)

    assert "Choose one of the buttons" in page_text(response)
    assert call.state == CallState.DRAFT


def test_start_review_moves_the_submitted_proposals_too(client, audit_log):
    call = CallFactory(state=CallState.CLOSED, closed_at=NOW)
    proposal = ProposalFactory(
        call=call,
        complete=True,
        state=ProposalState.SUBMITTED,
        reference="AIM-2026-001",
        submitted_at=NOW,
        first_submitted_at=NOW,
    )
    draft = ProposalFactory(call=call)

    response = client.post(
        f"/calls/{call.id}/state", data={"to": "in_review"}, follow_redirects=True
    )

    assert "1 submitted proposal moved to review." in page_text(response)
    assert (call.state, proposal.state, draft.state) == (
        CallState.IN_REVIEW,
        ProposalState.UNDER_REVIEW,
        ProposalState.DRAFT,
    )
    assert [e.action for e in audit_log()][-2:] == [
        "call.review_started",
        "proposal.review_started",
    ]


# Rubric


def test_admin_adds_a_criterion(client, audit_log):
    call = CallFactory(draft=True)

    response = client.post(
        f"/calls/{call.id}/criteria",
        data={
            "name": "Feasibility",
            "guidance": "Can it be done in a year?",
            "weight": "2",
            "scale_min": "1",
            "scale_max": "7",
        },
    )

    assert response.headers["Location"] == f"/calls/{call.id}/admin#rubric"
    added = call.criteria[-1]
    assert (added.name, added.position, added.weight, added.scale_max) == (
        "Feasibility",
        3,
        Decimal("2"),
        7,
    )
    [event] = audit_log("criterion.added")
    assert (event.subject_type, event.subject_id) == ("call", str(call.id))
    assert event.detail["name"] == "Feasibility"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Name the criterion."),
        ({"weight": "0"}, "weight", "The weight must be more than zero."),
        ({"scale_max": "1"}, "scale_max", "The top of the scale must be above its bottom."),
    ],
)
def test_bad_criterion_is_refused_beside_its_field(client, changes, field, message):
    call = CallFactory(draft=True)
    data = {"name": "Kept name", "guidance": "Kept guidance", "weight": "1"}
    data |= {"scale_min": "1", "scale_max": "5"} | changes

    response = client.post(f"/calls/{call.id}/criteria", data=data)

    html = page_text(response)
    assert f'id="{field}-error">{message}</div>' in html
    assert "Kept guidance</textarea>" in html
    assert len(call.criteria) == 2
    assert count(AuditEvent) == 0


def test_admin_edits_a_criterion(client, audit_log):
    call = CallFactory(draft=True)
    criterion = call.criteria[0]

    response = client.post(
        f"/calls/criteria/{criterion.id}/edit",
        data={"name": "Merit", "guidance": "", "weight": "3", "scale_min": "0", "scale_max": "4"},
    )

    assert response.headers["Location"] == f"/calls/{call.id}/admin#rubric"
    assert (criterion.name, criterion.weight, criterion.scale_min) == ("Merit", Decimal("3"), 0)
    assert audit_log("criterion.updated")[0].detail["name"] == ["Scientific merit", "Merit"]


def test_edit_criterion_page_shows_the_criterion(client):
    criterion = CallFactory(draft=True).criteria[1]

    html = page_text(client.get(f"/calls/criteria/{criterion.id}/edit"))

    assert 'value="Industry relevance"' in html


def test_admin_removes_a_criterion(client, audit_log):
    call = CallFactory(draft=True)
    criterion = call.criteria[0]

    response = client.post(f"/calls/criteria/{criterion.id}/remove", follow_redirects=True)

    assert "Scientific merit is removed from the rubric." in page_text(response)
    assert [c.name for c in call.criteria] == ["Industry relevance"]
    [event] = audit_log("criterion.removed")
    assert (event.subject_type, event.subject_id) == ("call", str(call.id))
    assert event.detail["name"] == "Scientific merit"
    manage = client.get(f"/calls/{call.id}/admin").get_data(as_text=True)
    assert "criterion.removed" in manage


def test_the_last_criterion_of_a_published_call_stays(client):
    call = CallFactory(rubric=False)
    db.session.add(Criterion(call=call, position=1, name="Merit"))
    db.session.commit()

    response = client.post(f"/calls/criteria/{call.criteria[0].id}/remove", follow_redirects=True)

    assert "A published call keeps at least one criterion." in page_text(response)
    assert count(Criterion) == 1


@pytest.mark.parametrize(
    ("index", "direction", "order"),
    [
        (0, "down", ["Industry relevance", "Scientific merit"]),
        (1, "up", ["Industry relevance", "Scientific merit"]),
        (0, "up", ["Scientific merit", "Industry relevance"]),  # already first: no change
    ],
)
def test_admin_moves_a_criterion(client, audit_log, index, direction, order):
    call = CallFactory(draft=True)
    criterion = call.criteria[index]

    response = client.post(f"/calls/criteria/{criterion.id}/move", data={"direction": direction})

    assert response.headers["Location"] == f"/calls/{call.id}/admin#rubric"
    db.session.expire_all()
    ordered = db.session.scalars(
        sa.select(Criterion.name).where(Criterion.call_id == call.id).order_by(Criterion.position)
    ).all()
    assert ordered == order
    assert len(audit_log("criterion.moved")) == (0 if order[0] == "Scientific merit" else 1)


def test_rubric_page_shows_the_controls_while_the_rubric_may_change(client):
    call = CallFactory(draft=True)

    html = page_text(client.get(f"/calls/{call.id}/admin"))

    assert 'data-testid="add-criterion"' in html
    assert f"/calls/criteria/{call.criteria[0].id}/remove" in html
    assert 'data-testid="rubric-lock"' not in html


def test_frozen_rubric_says_why_and_hides_the_editing_controls(client, monkeypatch):
    monkeypatch.setattr(queries, "rubric_is_frozen", lambda call: True)
    call = CallFactory(state=CallState.IN_REVIEW, closed_at=NOW, review_started_at=NOW)
    criterion = call.criteria[0]

    html = page_text(client.get(f"/calls/{call.id}/admin"))
    edit_html = page_text(client.get(f"/calls/criteria/{criterion.id}/edit"))

    assert "The rubric is frozen: reviews have been submitted against it." in html
    assert "Scientific merit" in html
    assert 'data-testid="add-criterion"' not in html
    for action in ("edit", "remove", "move"):
        assert f"/calls/criteria/{criterion.id}/{action}" not in html
    assert "The rubric is frozen" in edit_html


def test_decided_call_rubric_says_it_cannot_change(client):
    call = CallFactory(**STAMPS[CallState.DECIDED])

    html = page_text(client.get(f"/calls/{call.id}/admin"))

    assert "The rubric of a decided call cannot change." in html
    assert 'data-testid="add-criterion"' not in html


# Reading calls


def test_researchers_see_open_calls_soonest_first_with_the_time_left(login):
    researcher = login(UserFactory(researcher=True))
    CallFactory(title="Later call", closes_at=NOW + timedelta(days=10))
    CallFactory(title="Soon call", closes_at=NOW + timedelta(days=3, hours=4, minutes=20))
    CallFactory(title="Last-minute call", closes_at=NOW + timedelta(minutes=45))
    CallFactory(title="Past open call", closes_at=NOW - timedelta(minutes=1))
    CallFactory(title="Closed call", state=CallState.CLOSED, closed_at=NOW)
    CallFactory(title="Secret draft", draft=True)

    html = page_text(researcher.get("/calls/"))

    open_part, past_part = html.split('id="past-heading"')
    assert re.findall(r">([\w -]+ call)</a>", open_part) == [
        "Last-minute call",
        "Soon call",
        "Later call",
    ]
    assert re.findall(r'data-testid="time-left">([^<]+)<', open_part) == [
        "closes in 45 minutes",
        "3 days 4 hours left",
        "10 days left",
    ]
    assert re.findall(r">([\w -]+ call)</a>", past_part) == ["Closed call", "Past open call"]
    assert "Secret draft" not in html


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_draft_call_is_not_found_for_non_admins(login, role):
    call = CallFactory(draft=True)

    response = login(UserFactory(roles_given=(role,))).get(f"/calls/{call.id}")

    assert response.status_code == 404


def test_admin_sees_a_draft_call_page_with_a_link_to_manage_it(client):
    call = CallFactory(draft=True)

    html = page_text(client.get(f"/calls/{call.id}"))

    assert "This call is a draft" in html
    assert f'href="/calls/{call.id}/admin"' in html
    assert "Start a proposal" not in html


def test_call_page_shows_the_call_and_a_start_button_to_researchers(login):
    user = UserFactory(researcher=True)
    call = CallFactory(
        title="Biomanufacturing seeds",
        eligibility="Open to **faculty**.",
        review_deadline=NOW + timedelta(days=60),
    )
    call.criteria[0].guidance = "Is the science sound?"
    db.session.commit()
    own = ProposalFactory(call=call, applicant=user, complete=True)
    ProposalFactory(call=call)  # someone else's

    html = page_text(login(user).get(f"/calls/{call.id}"))

    assert "<strong>seed</strong>" in html and "<strong>faculty</strong>" in html
    assert "$1,000,000" in html and "$150,000" in html
    assert "Is the science sound?" in html and "1–5" in html and "(50%)" in html
    assert "30 days left" in html
    assert re.search(
        rf'<form method="post" action="/proposals/new/{call.id}"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token"',
        html,
    )
    links = re.findall(r'href="/proposals/(\d+)"', html)
    assert links == [str(own.id)]


@pytest.mark.parametrize(
    ("roles", "fields"),
    [
        (("reviewer",), {}),
        (("researcher",), {"state": CallState.CLOSED, "closed_at": NOW}),
        (("researcher",), {"closes_at": NOW - timedelta(seconds=1)}),
    ],
)
def test_no_start_button_unless_a_researcher_and_the_call_takes_proposals(login, roles, fields):
    call = CallFactory(**fields)

    html = page_text(login(UserFactory(roles_given=roles)).get(f"/calls/{call.id}"))

    assert "Start a proposal" not in html
    assert f"/proposals/new/{call.id}" not in html


def test_markdown_is_rendered_sanitised_on_the_call_page(login):
    call = CallFactory(
        description=(
            "<script>alert('x')</script>\n\n**Bold** and [a link](javascript:alert(1)) "
            '<img src=x onerror="alert(1)">'
        ),
        eligibility="<script>steal()</script> *faculty*",
    )

    html = page_text(login(UserFactory(researcher=True)).get(f"/calls/{call.id}"))

    assert "<script>alert" not in html and "<script>steal" not in html
    assert "<img" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert" in html  # shown as text, harmlessly
    assert "<strong>Bold</strong>" in html and "<em>faculty</em>" in html


def test_admin_list_shows_calls_with_proposals_by_state(client):
    call = CallFactory(title="Counted call")
    ProposalFactory(call=call)
    ProposalFactory(call=call)
    ProposalFactory(call=call, state=ProposalState.WITHDRAWN, withdrawn_at=NOW)
    CallFactory(title="Empty draft", draft=True)

    html = page_text(client.get("/calls/admin"))

    row = html.split("Counted call")[1].split("</tr>")[0]
    cells = re.findall(r'<td class="text-end"[^>]*>(\d+)</td>', row)
    assert cells == ["2", "0", "0", "0", "1"]
    assert "Empty draft" in html


def test_admin_list_costs_the_same_queries_for_one_call_or_many(client, count_queries):
    CallFactory()
    with count_queries() as one:
        client.get("/calls/admin")
    for _ in range(15):
        ProposalFactory(call=CallFactory(draft=True))

    with count_queries() as many:
        response = client.get("/calls/admin")

    assert response.status_code == 200
    assert many.count == one.count


def test_researcher_list_costs_the_same_queries_for_one_call_or_many(login, count_queries):
    researcher = login(UserFactory(researcher=True))
    CallFactory()
    with count_queries() as one:
        researcher.get("/calls/")
    for _ in range(10):
        CallFactory()
        CallFactory(state=CallState.CLOSED, closed_at=NOW)

    with count_queries() as many:
        researcher.get("/calls/")

    assert many.count == one.count


# Navigation and home


def test_every_signed_in_user_finds_calls_in_the_navigation(login, admin):
    for roles in (("researcher",), ("reviewer",), ("member",)):
        html = page_text(login(UserFactory(roles_given=roles)).get("/"))
        assert '<a class="nav-link" href="/calls/">Calls</a>' in html
    admin_html = page_text(login(admin).get("/"))
    assert 'href="/calls/admin">Manage calls</a>' in admin_html
    assert 'href="/calls/new">New call</a>' in admin_html


def test_researchers_home_lists_the_open_calls(login):
    CallFactory(title="Semiconductor seeds", closes_at=NOW + timedelta(days=2))
    CallFactory(title="Draft idea", draft=True)

    html = page_text(login(UserFactory(researcher=True)).get("/"))

    card = html.split('id="calls-card"')[1]
    assert "Semiconductor seeds" in card and "2 days left" in card
    assert "Draft idea" not in html


def test_an_archived_call_cannot_be_edited(client):
    call = CallFactory(**STAMPS[CallState.ARCHIVED], title="Old round")

    response = client.post(
        f"/calls/{call.id}/edit", data=call_form(title="New name", version=call.version)
    )

    assert "An archived call cannot change." in page_text(response)
    assert call.title == "Old round"


# Member interest setting


def test_interest_is_advisory_unless_the_call_says_otherwise(client):
    client.post("/calls/new", data=call_form(interest_weight="30"))

    call = db.session.scalar(sa.select(Call))
    # A weight typed for an advisory call means nothing: it is not kept.
    assert (call.interest_mode, call.interest_weight) == (InterestMode.ADVISORY, 0)


def test_admin_weights_member_interest_into_the_ranking(client, audit_log):
    call = CallFactory(draft=True, member_visibility=MemberVisibility.TITLES_ABSTRACTS)

    response = client.post(
        f"/calls/{call.id}/edit",
        data=call_form(interest_mode="weighted", interest_weight="20", version=call.version),
    )

    assert response.status_code == 302
    assert (call.interest_mode, call.interest_weight) == (InterestMode.WEIGHTED, 20)
    detail = audit_log("call.updated")[0].detail
    assert (detail["interest_mode"], detail["interest_weight"]) == (
        ["advisory", "weighted"],
        [0, 20],
    )


def test_edit_form_shows_the_interest_setting(client):
    call = CallFactory(
        draft=True,
        member_visibility=MemberVisibility.TITLES_ABSTRACTS,
        interest_mode=InterestMode.WEIGHTED,
        interest_weight=15,
    )

    html = page_text(client.get(f"/calls/{call.id}/edit"))

    assert '<option selected value="weighted">' in html
    assert 'name="interest_weight" type="number" value="15"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"interest_weight": ""}, "Enter the weight of member interest, in percent."),
        ({"interest_weight": "0"}, "The weight must be 1 to 50%."),
        ({"interest_weight": "51"}, "The weight must be 1 to 50%."),
        ({"interest_weight": "a lot"}, "Not a valid integer value."),
    ],
)
def test_bad_interest_weight_is_refused_beside_its_field(client, changes, message):
    response = client.post(
        "/calls/new", data=call_form(interest_mode="weighted", theme="Kept theme") | changes
    )

    html = page_text(response)
    assert f'id="interest_weight-error">{message}</div>' in html
    assert 'value="Kept theme"' in html
    assert '<option selected value="weighted">' in html
    assert count(Call) == 0


def test_weighted_interest_needs_members_to_see_the_proposals(client):
    response = client.post(
        "/calls/new",
        data=call_form(member_visibility="nothing", interest_mode="weighted", interest_weight="10"),
    )

    assert (
        'id="interest_mode-error">Member interest can be weighted only when members may see '
        "titles and abstracts.</div>"
    ) in page_text(response)
    assert count(Call) == 0


def test_a_decided_calls_interest_setting_cannot_change(client):
    call = CallFactory(
        **STAMPS[CallState.DECIDED], member_visibility=MemberVisibility.TITLES_ABSTRACTS
    )

    response = client.post(
        f"/calls/{call.id}/edit",
        data=call_form(interest_mode="weighted", interest_weight="10", version=call.version),
    )

    assert "how member interest counted in its ranking cannot change" in page_text(response)
    assert (call.interest_mode, call.interest_weight) == (InterestMode.ADVISORY, 0)


def test_an_empty_weight_is_fine_for_advisory_interest(client):
    client.post("/calls/new", data=call_form(interest_mode="advisory", interest_weight=""))

    call = db.session.scalar(sa.select(Call))
    assert (call.interest_mode, call.interest_weight) == (InterestMode.ADVISORY, 0)
