"""Funded projects for members: every award with its team, progress and outputs; no amounts
but the viewer's own co-funding."""

from datetime import timedelta
from decimal import Decimal

import pytest

from app import clock
from app.awards.models import AwardState, FundingLine, FundingSource, ReportState
from app.extensions import db
from tests.awards.helpers import awarded_proposal, make_award
from tests.dbutil import snapshot
from tests.factories import UserFactory
from tests.interest.helpers import member_organization, member_user
from tests.reviews.helpers import add_co_investigator


def page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def siemens():
    return member_organization("Siemens")


@pytest.fixture
def mia(siemens):
    return member_user(siemens, name="Mia Member")


def award_with(title: str, amount: str = "123456.78", **values):
    applicant = UserFactory(researcher=True, name=f"{title} Lead")
    proposal = awarded_proposal(applicant=applicant, title=title, department="Robotics Lab")
    return make_award(proposal, amount=amount, **values)


def cofund(award, organization, amount: str):
    """Move part of the award's pool line to a co-funding member's line."""
    pool = award.funding_lines[0]
    pool.amount -= Decimal(amount)
    award.funding_lines.append(
        FundingLine(
            source=FundingSource.MEMBER, organization_id=organization.id, amount=Decimal(amount)
        )
    )
    db.session.commit()


def accept(report, text: str):
    report.text = text
    report.state = ReportState.ACCEPTED
    report.submitted_at = report.reviewed_at = clock.now()
    db.session.commit()


def test_members_see_every_funded_project_with_team_and_progress(login, mia):
    award = award_with("Digital twin of a fab", starts_on=clock.today() - timedelta(days=200))
    add_co_investigator(
        award.proposal, name="Cy Coinvestigator", email="cy@x.example", affiliation="Sloan"
    )
    accept(award.reports[0], "We built **the twin**.")
    ended = award_with("Bioreactor control")
    ended.state, ended.completed_at = AwardState.COMPLETED, clock.now()
    db.session.commit()

    html = page_text(login(mia).get("/interest/funded"))

    assert "Digital twin of a fab" in html and "Bioreactor control" in html
    assert "Digital twin of a fab Lead, Robotics Lab; Cy Coinvestigator, Sloan" in html
    assert "1 of 1 report due so far accepted" in html
    assert ">Completed</span>" in html and ">Active</span>" in html


def test_amounts_are_hidden_except_the_members_own_co_funding(login, mia, siemens):
    amgen = member_organization("Amgen")
    own = award_with("Ours", amount="200000")
    cofund(own, siemens, "50000")
    theirs = award_with("Theirs", amount="300000")
    cofund(theirs, amgen, "70000")
    client = login(mia)

    listed = page_text(client.get("/interest/funded"))
    detail_own = page_text(client.get(f"/interest/funded/{own.id}"))
    detail_theirs = page_text(client.get(f"/interest/funded/{theirs.id}"))

    for html in (listed, detail_own, detail_theirs):
        for hidden in ("200,000", "150,000", "300,000", "230,000", "70,000"):
            assert hidden not in html
    assert "Siemens co-funds $50,000" in listed
    assert "Siemens co-funds $50,000" in detail_own
    assert "co-funds" not in detail_theirs


def test_detail_shows_accepted_reports_as_outputs_and_nothing_else(login, mia):
    award = award_with("Digital twin of a fab", starts_on=clock.today() - timedelta(days=400))
    first, second = award.reports[0], award.reports[1]
    accept(first, "We built **the twin**.")
    second.text = "A draft not yet accepted."
    second.state, second.submitted_at = ReportState.SUBMITTED, clock.now()
    db.session.commit()

    html = page_text(login(mia).get(f"/interest/funded/{award.id}"))

    assert "We built <strong>the twin</strong>." in html
    assert "A draft not yet accepted." not in html
    assert "1 of 2 reports due so far accepted" in html


def test_an_unknown_award_is_not_found(login, mia):
    assert login(mia).get("/interest/funded/999999").status_code == 404


@pytest.mark.parametrize("status", ["lapsed", "withdrawn"])
def test_representative_of_a_member_not_in_force_sees_no_project(login, status):
    award = award_with("Digital twin of a fab")
    client = login(member_user(member_organization("Old Co", status=status)))

    listed = client.get("/interest/funded")
    detail = client.get(f"/interest/funded/{award.id}")

    assert (listed.status_code, detail.status_code) == (403, 403)
    assert "Digital twin of a fab" not in page_text(listed) + page_text(detail)


def test_administrators_see_the_members_view(login):
    award_with("Digital twin of a fab")

    html = page_text(login(UserFactory(admin=True)).get("/interest/funded"))

    assert "Digital twin of a fab" in html
    assert "co-funds" not in html


def test_funded_list_costs_the_same_queries_for_one_project_or_many(
    login, mia, siemens, count_queries
):
    client = login(mia)
    award = award_with("First")
    cofund(award, siemens, "100")
    with count_queries() as one:
        client.get("/interest/funded")
    for number in range(5):
        more = award_with(f"Project {number}")
        add_co_investigator(
            more.proposal, name=f"Co {number}", email=f"co{number}@x.example", affiliation=""
        )
        accept(more.reports[0], "Done.")
        cofund(more, siemens, "100")
    before = snapshot()
    with count_queries() as many:
        client.get("/interest/funded")

    assert many.count == one.count
    assert snapshot() == before
