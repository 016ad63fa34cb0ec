"""The decision packet reproduces the ranking page, and its anonymised variant names nobody."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from tests.decisions.ranking_helpers import proposal, ranked_call, review
from tests.decisions.test_ranking_views import parse
from tests.factories import OrganizationFactory, TierFactory, UserFactory

APPLICANTS = ("Ada Applicantson", "Bob Proposerov", "Cyd Grantwright", "Dee Fundseeker")
REVIEWERS = ("Rex Reviewsmith", "Rae Scorewell", "Ron Judgewood")


@pytest.fixture
def packet_call():
    """A call with four proposals, three reviewers (one disagreeing), interest and decisions."""
    call = ranked_call(total_budget=Decimal("50000"))
    people = [UserFactory(reviewer=True, name=name) for name in REVIEWERS]
    items = [
        proposal(
            call,
            reference=f"P-{n}",
            requested=str(15000 + 5000 * n),
            applicant=UserFactory(researcher=True, name=name),
            keywords="robotics" if n % 2 else "materials",
        )
        for n, name in enumerate(APPLICANTS)
    ]
    scores = [(80, 78, 30), (70, 72, 71), (70, 72, 71), (55, 60, 65)]
    for item, row in zip(items, scores, strict=True):
        for person, score in zip(people, row, strict=True):
            review(item, person, score)
    organization = OrganizationFactory(tier=TierFactory(votes=2))
    db.session.add(
        MemberInterest(
            proposal_id=items[1].id,
            organization_id=organization.id,
            level=InterestLevel.WOULD_MENTOR,
        )
    )
    db.session.add(
        Decision(
            call_id=call.id, proposal_id=items[1].id, outcome=Outcome.AWARD, amount=Decimal("20000")
        )
    )
    db.session.commit()
    return call


@pytest.fixture
def as_admin(login):
    return login(UserFactory(admin=True, name="Ann Administrator"))


def _sections(text: str) -> dict[str, list[list[str]]]:
    sections, current = {}, None
    for line in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not line:
            current = None
        elif current is None:
            current = sections.setdefault(line[0], [])
        else:
            current.append(line)
    return sections


def _money(text: str) -> Decimal | None:
    return Decimal(text.replace("$", "").replace(",", "")) if text else None


def test_packet_reproduces_the_page(as_admin, packet_call):
    query = {"groups": "robotics: 1-"}
    page = as_admin.get(f"/decisions/calls/{packet_call.id}/ranking", query_string=query)
    download = as_admin.get(f"/decisions/calls/{packet_call.id}/packet.csv", query_string=query)

    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    html_rows = parse(page.get_data(as_text=True)).rows
    header, *rows = _sections(download.get_data(as_text=True))["Ranking"]
    packet = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(packet) == len(html_rows) == 4
    interest_columns = [name for name in header if name.startswith("Interest: ")]
    for shown, exported in zip(html_rows, packet, strict=True):
        tie = "=" if exported["Tied"] == "yes" else ""
        assert shown["rank"] == tie + exported["Rank"]
        assert shown["reference"] == exported["Reference"]
        assert shown["reviews"] == exported["Reviews"]
        assert shown["raw"] == exported["Raw mean"]
        assert shown["spread"].removesuffix(" disagree") == exported["Spread"]
        assert shown["spread"].endswith("disagree") == (exported["Disagreement"] == "yes")
        assert shown["calibrated"] == exported["Calibrated"]
        assert shown["interest"] == " · ".join(exported[name] for name in interest_columns)
        assert shown["interest_score"] == exported["Interest score"]
        assert shown["score"] == exported["Ranking score"]
        assert _money(shown["requested"]) == Decimal(exported["Requested"])
        assert _money(shown["cumulative"]) == Decimal(exported["Cumulative requested"])
        assert shown["above"] == (exported["Above funding line"] == "yes")
        assert (shown["suggested"] == "suggested") == (exported["Suggested"] == "yes")
        assert shown["decision"].startswith(
            Outcome(exported["Decision"]).label if exported["Decision"] else ""
        )
    assert [row["Decision"] for row in packet].count("award") == 1
    assert any(row["Disagreement"] == "yes" for row in packet)
    assert any(row["Interest: Would mentor"] == "1" for row in packet)
    assert sum(row["Suggested"] == "yes" for row in packet) >= 1
    assert set(APPLICANTS) == {row["Applicant"] for row in packet}
    offsets = _sections(download.get_data(as_text=True))["Reviewer offsets"]
    assert {row[0] for row in offsets[1:]} == set(REVIEWERS)


def test_excel_packet_holds_the_same_rows(as_admin, packet_call):
    text = as_admin.get(f"/decisions/calls/{packet_call.id}/packet.csv").get_data(as_text=True)
    response = as_admin.get(f"/decisions/calls/{packet_call.id}/packet.xlsx")

    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert workbook.sheetnames == ["Ranking", "Reviewer offsets", "Summary"]
    sheet = [list(row) for row in workbook["Ranking"].iter_rows(values_only=True)]
    csv_rows = _sections(text)["Ranking"]
    assert sheet[0] == csv_rows[0]
    assert [row[2] for row in sheet[1:]] == [row[2] for row in csv_rows[1:]]
    assert [row[0] for row in sheet[1:]] == [int(row[0]) for row in csv_rows[1:]]
    score = csv_rows[0].index("Ranking score")
    assert [Decimal(str(row[score])) for row in sheet[1:]] == [
        Decimal(row[score]) for row in csv_rows[1:]
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_anonymised_packet_names_nobody(as_admin, packet_call, fmt):
    response = as_admin.get(f"/decisions/calls/{packet_call.id}/packet.{fmt}?anonymised=1")

    assert response.status_code == 200
    if fmt == "csv":
        text = response.get_data(as_text=True)
    else:
        workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        text = "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    for name in (*APPLICANTS, *REVIEWERS, "Ann Administrator"):
        for part in name.split():
            assert part not in text
    assert "Applicant" not in text
    assert "Reviewer 1" in text and "Reviewer 3" in text
    assert "anonymised" in response.headers["Content-Disposition"]
