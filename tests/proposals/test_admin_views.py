"""The administrators' proposal list of a call and its CSV / Excel export."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from app import clock
from app.extensions import db
from app.proposals import exports
from app.proposals.models import CoInvestigator, ProposalState
from app.spreadsheets import csv_chunks
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory, UserFactory

NOW = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def admin():
    return UserFactory(admin=True, timezone="UTC")


@pytest.fixture
def client(login, admin):
    return login(admin)


@pytest.fixture
def call():
    return CallFactory(title="AI for manufacturing seed grants", reference_prefix="AIM")


def proposal(call, number=None, *, state=ProposalState.SUBMITTED, amount="10000", **fields):
    """Arrange a proposal in a state, with what that state implies in the row."""
    values = {"call": call, "complete": True, "budget": [amount], "state": state}
    if state != ProposalState.DRAFT:
        submitted = NOW - timedelta(days=10) + timedelta(hours=number or 0)
        values |= {
            "reference": f"AIM-2026-{number:03d}",
            "first_submitted_at": submitted,
            "submitted_at": submitted,
            "version_count": 1,
        }
    if state == ProposalState.WITHDRAWN:
        values["withdrawn_at"] = NOW
    return ProposalFactory(**(values | fields))


def rows(client, call, query="") -> list[str]:
    """Return the listed references (or titles for drafts), in order."""
    html = client.get(f"/proposals/admin/call/{call.id}?{query}").get_data(as_text=True)
    return re.findall(r'data-testid="proposal-row">\s*<td class="text-nowrap">([^<]+)</td>', html)


def titles(client, call, query="") -> list[str]:
    html = client.get(f"/proposals/admin/call/{call.id}?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/proposals/\d+">([^<]+)</a>', html)


# The list


def test_list_shows_every_state_with_counts_and_links_to_each_proposal(client, call):
    submitted = proposal(call, 1, title="Digital twin of a bioreactor")
    proposal(call, state=ProposalState.DRAFT, title="A draft")
    proposal(call, 2, state=ProposalState.WITHDRAWN, title="Gone")
    proposal(CallFactory(), 1, title="Another call's proposal")

    response = client.get(f"/proposals/admin/call/{call.id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/proposals/{submitted.id}">Digital twin of a bioreactor</a>' in html
    assert "A draft" in html and "Gone" in html
    assert "Another call" not in html
    counts = dict(re.findall(r'data-state="(\w+)"[^>]*>[^<]+<span class="badge[^"]*">(\d+)', html))
    assert counts == {
        "draft": "1",
        "submitted": "1",
        "under_review": "0",
        "waitlisted": "0",
        "awarded": "0",
        "declined": "0",
        "withdrawn": "1",
    }
    assert "3 proposals" in html


def test_withdrawn_proposals_are_marked_and_the_applicant_is_not_a_link(client, call):
    applicant = UserFactory(researcher=True, name="Wanda Withdrawn", email="wanda@mit.example")
    gone = proposal(call, 1, state=ProposalState.WITHDRAWN, applicant=applicant, title="Gone")

    html = client.get(f"/proposals/admin/call/{call.id}").get_data(as_text=True)

    row = re.search(r'<tr class="([^"]*)" data-testid="proposal-row">(.*?)</tr>', html, re.S)
    assert "proposal-withdrawn" in row.group(1)
    assert f'<del><a href="/proposals/{gone.id}">Gone</a></del>' in row.group(2)
    assert "Wanda Withdrawn" in row.group(2) and "wanda@mit.example" in row.group(2)
    assert row.group(2).count("<a ") == 1


def test_list_filters_by_state(client, call):
    proposal(call, 1)
    proposal(call, 2, state=ProposalState.WITHDRAWN)
    proposal(call, state=ProposalState.DRAFT)

    assert rows(client, call, "state=withdrawn") == ["AIM-2026-002"]
    assert rows(client, call, "state=draft") == ["—"]
    assert rows(client, call, "state=submitted") == ["AIM-2026-001"]


def test_keyword_searches_title_abstract_and_keywords_case_blind(client, call):
    proposal(call, 1, title="Vision for weld inspection")
    proposal(call, 2, abstract="We use VISION transformers on X-rays.")
    proposal(call, 3, keywords="machine vision, robotics")
    proposal(call, 4, title="Supply chains")

    assert rows(client, call, "q=vision") == ["AIM-2026-001", "AIM-2026-002", "AIM-2026-003"]
    assert rows(client, call, "q=100%25") == []  # a wildcard is searched for literally


def test_applicant_filter_matches_name_or_address(client, call):
    ada = UserFactory(researcher=True, name="Ada Lovelace", email="ada@mit.example")
    ben = UserFactory(researcher=True, name="Ben Carter", email="lovelace.fan@mit.example")
    proposal(call, 1, applicant=ada)
    proposal(call, 2, applicant=ben)
    proposal(call, 3)

    assert rows(client, call, "applicant=LOVELACE") == ["AIM-2026-001", "AIM-2026-002"]
    assert rows(client, call, "applicant=ada@") == ["AIM-2026-001"]


def test_amount_range_is_inclusive(client, call):
    for number, amount in enumerate(("5000", "50000", "100000", "150000"), start=1):
        proposal(call, number, amount=amount)

    assert rows(client, call, "min_amount=50000&max_amount=100000") == [
        "AIM-2026-002",
        "AIM-2026-003",
    ]
    assert rows(client, call, "min_amount=100000") == ["AIM-2026-003", "AIM-2026-004"]


def test_a_bad_amount_shows_its_error_and_the_other_filters_still_apply(client, call):
    proposal(call, 1, title="Robots")
    proposal(call, 2, title="Sensors")

    html = client.get(f"/proposals/admin/call/{call.id}?q=robot&min_amount=lots").get_data(True)
    reversed_range = client.get(
        f"/proposals/admin/call/{call.id}?min_amount=10&max_amount=5"
    ).get_data(True)

    assert "Not a valid decimal value." in html
    assert titles(client, call, "q=robot&min_amount=lots") == ["Robots"]
    assert "The top of the range is below its bottom." in reversed_range


def test_filters_combine(client, call):
    ada = UserFactory(researcher=True, name="Ada Lovelace")
    proposal(call, 1, applicant=ada, title="Vision", amount="90000")
    proposal(call, 2, applicant=ada, title="Vision", amount="9000")
    # A named applicant: a random one could contain "ada" (Adams, Canada) and match the filter.
    grace = UserFactory(researcher=True, name="Grace Hopper", email="grace@example.edu")
    proposal(call, 3, applicant=grace, title="Vision", amount="90000")
    proposal(call, 4, applicant=ada, title="Vision", amount="90000", state=ProposalState.WITHDRAWN)

    query = "q=vision&applicant=ada&min_amount=50000&state=submitted"
    assert rows(client, call, query) == ["AIM-2026-001"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("reference", ["AIM-2026-002", "AIM-2026-010", "AIM-2026-1000", "—"]),
        ("-reference", ["AIM-2026-1000", "AIM-2026-010", "AIM-2026-002", "—"]),
        ("title", ["AIM-2026-1000", "AIM-2026-002", "—", "AIM-2026-010"]),
        ("-title", ["AIM-2026-010", "—", "AIM-2026-002", "AIM-2026-1000"]),
        ("applicant", ["AIM-2026-010", "AIM-2026-1000", "AIM-2026-002", "—"]),
        ("-applicant", ["—", "AIM-2026-002", "AIM-2026-1000", "AIM-2026-010"]),
        ("amount", ["AIM-2026-1000", "—", "AIM-2026-002", "AIM-2026-010"]),
        ("-amount", ["AIM-2026-010", "AIM-2026-002", "—", "AIM-2026-1000"]),
        ("submitted", ["AIM-2026-002", "AIM-2026-010", "AIM-2026-1000", "—"]),
        ("-submitted", ["AIM-2026-1000", "AIM-2026-010", "AIM-2026-002", "—"]),
        ("state", ["—", "AIM-2026-002", "AIM-2026-1000", "AIM-2026-010"]),
        ("-state", ["AIM-2026-010", "AIM-2026-1000", "AIM-2026-002", "—"]),
        ("nonsense", ["AIM-2026-002", "AIM-2026-010", "AIM-2026-1000", "—"]),
    ],
)
def test_list_sorts_each_way_with_drafts_last_when_they_have_no_value(client, call, sort, expected):
    def applicant(name):
        return UserFactory(researcher=True, name=name)

    proposal(call, 2, title="beta", amount="20000", applicant=applicant("Cleo"))
    proposal(
        call, 10, title="Zeta", amount="90000", applicant=applicant("Ann"),
        state=ProposalState.WITHDRAWN,
    )  # fmt: skip
    proposal(
        call, 1000, title="Alpha", amount="500", applicant=applicant("bob"),
        state=ProposalState.UNDER_REVIEW,
    )  # fmt: skip
    proposal(
        call, title="gamma", amount="15000", applicant=applicant("Dora"), state=ProposalState.DRAFT
    )

    assert rows(client, call, f"sort={sort}") == expected


def test_column_headers_sort_and_keep_the_filters(client, call):
    proposal(call, 1)

    html = client.get(f"/proposals/admin/call/{call.id}?q=x&sort=amount").get_data(True)

    assert 'aria-sort="ascending"' in html
    assert f'href="/proposals/admin/call/{call.id}?q=x&amp;sort=-amount"' in html
    assert f'href="/proposals/admin/call/{call.id}?q=x&amp;sort=title"' in html


def test_list_shows_fifty_a_page_and_links_to_the_next(client, call):
    for number in range(1, 52):
        proposal(call, number)

    first = client.get(f"/proposals/admin/call/{call.id}?state=submitted").get_data(True)

    assert len(rows(client, call)) == 50
    assert rows(client, call, "page=2") == ["AIM-2026-051"]
    assert f'href="/proposals/admin/call/{call.id}?state=submitted&amp;page=2"' in first
    assert "51 proposals match" in first


def test_list_query_count_does_not_grow_with_rows(client, call, count_queries):
    proposal(call, 1)
    client.get(f"/proposals/admin/call/{call.id}")
    with count_queries() as one:
        client.get(f"/proposals/admin/call/{call.id}")
    for number in range(2, 51):
        proposal(call, number, applicant=UserFactory(researcher=True))
    with count_queries() as fifty:
        response = client.get(f"/proposals/admin/call/{call.id}")

    assert len(re.findall('data-testid="proposal-row"', response.get_data(True))) == 50
    assert fifty.count == one.count


def test_unknown_call_is_not_found(client):
    assert client.get("/proposals/admin/call/999999").status_code == 404
    assert client.get("/proposals/admin/call/999999/export.csv").status_code == 404


# The export


def csv_records(client, call, query="") -> list[dict]:
    response = client.get(f"/proposals/admin/call/{call.id}/export.csv?{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def full_proposal(call):
    """A submitted proposal with a team, sponsors and two versions."""
    applicant = UserFactory(researcher=True, name="Ada Lovelace", email="ada@mit.example")
    item = proposal(
        call,
        7,
        applicant=applicant,
        title="Learning process windows",
        keywords="machine learning, process control",
        department="Mechanical Engineering",
        duration_months=18,
        amount="123456.50",
        version_count=2,
        first_submitted_at=datetime(2026, 6, 1, 9, 30, tzinfo=UTC),
        submitted_at=datetime(2026, 6, 3, 17, 5, 9, tzinfo=UTC),
    )
    item.co_investigators = [
        CoInvestigator(position=2, name="Grace Hopper", email="grace@mit.example"),
        CoInvestigator(position=1, name="Babbage, Charles", email="cb@mit.example"),
    ]
    item.sponsors = [OrganizationFactory(name="Siemens"), OrganizationFactory(name="Amgen")]
    db.session.commit()
    return item


def test_csv_export_has_bom_header_and_every_column(client, call):
    full_proposal(call)

    response = client.get(f"/proposals/admin/call/{call.id}/export.csv")

    data = response.get_data()
    assert response.mimetype == "text/csv"
    assert (
        'filename="seedbed-proposals-AIM-2026-06-15.csv"'
        in (response.headers["Content-Disposition"])
    )
    assert data.startswith(b"\xef\xbb\xbfreference,title,state,applicant_name,applicant_email,")
    (record,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert record == {
        "reference": "AIM-2026-007",
        "title": "Learning process windows",
        "state": "submitted",
        "applicant_name": "Ada Lovelace",
        "applicant_email": "ada@mit.example",
        "department": "Mechanical Engineering",
        "co_investigators": "Babbage, Charles; Grace Hopper",
        "keywords": "machine learning, process control",
        "requested_amount": "123456.50",
        "duration_months": "18",
        "sponsors": "Amgen; Siemens",
        "first_submitted_utc": "2026-06-01 09:30:00",
        "last_submitted_utc": "2026-06-03 17:05:09",
        "versions": "2",
    }


def test_export_applies_the_list_filters_and_sort(client, call):
    proposal(call, 1, amount="1000")
    proposal(call, 2, amount="90000")
    proposal(call, 3, amount="50000", state=ProposalState.WITHDRAWN)
    proposal(call, state=ProposalState.DRAFT, amount="70000")

    everything = csv_records(client, call, "sort=-amount")
    large = csv_records(client, call, "min_amount=40000&state=submitted")

    assert [r["reference"] for r in everything] == [
        "AIM-2026-002",
        "",
        "AIM-2026-003",
        "AIM-2026-001",
    ]
    assert [r["state"] for r in everything] == ["submitted", "draft", "withdrawn", "submitted"]
    assert [r["reference"] for r in large] == ["AIM-2026-002"]


def test_exports_escape_formulas(client, call):
    proposal(call, 1, title='=HYPERLINK("http://evil.example","Click")', department="+1")
    query = "q=hyperlink"

    text = client.get(f"/proposals/admin/call/{call.id}/export.csv?{query}").get_data(True)
    workbook = client.get(f"/proposals/admin/call/{call.id}/export.xlsx?{query}").get_data()

    (record,) = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    assert record["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert record["department"] == "'+1"
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    row = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert row[1].value == '\'=HYPERLINK("http://evil.example","Click")'
    assert all(cell.data_type != "f" for cell in row)


def test_xlsx_export_opens_with_typed_numbers_and_utc_times(client, call):
    full_proposal(call)

    response = client.get(f"/proposals/admin/call/{call.id}/export.xlsx")

    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        'filename="seedbed-proposals-AIM-2026-06-15.xlsx"'
        in (response.headers["Content-Disposition"])
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "Proposals"
    assert header == exports.HEADER
    record = dict(zip(header, row, strict=True))
    assert record["requested_amount"] == Decimal("123456.50")
    assert record["duration_months"] == 18
    assert record["last_submitted_utc"] == datetime(2026, 6, 3, 17, 5, 9)
    assert record["co_investigators"] == "Babbage, Charles; Grace Hopper"


@pytest.mark.parametrize("path", ["export.pdf", "export.CSV", "export", "export.csv.xlsx"])
def test_unknown_export_format_is_not_found(client, call, path):
    assert client.get(f"/proposals/admin/call/{call.id}/{path}").status_code == 404


def test_csv_export_reads_in_batches_with_two_queries_a_batch(app, call, count_queries):
    for number in range(1, 8):
        item = proposal(call, number)
        item.co_investigators = [CoInvestigator(name=f"Co {number}", email=f"co{number}@x.edu")]
    db.session.commit()
    db.session.refresh(call)

    with count_queries() as counter:
        chunks = list(csv_chunks(exports.proposals_export(call, batch=3), batch=3))

    assert counter.count == 1 + 2 * 3  # the rows, then team and sponsors for each batch
    assert len(chunks) == 3  # 3 + 3 rows, then the last row
    lines = list(csv.reader(io.StringIO("".join(chunks).removeprefix("\ufeff"))))
    assert [line[6] for line in lines[1:]] == [f"Co {n}" for n in range(1, 8)]


def test_the_export_is_streamed_not_built_first(call):
    proposal(call, 1)

    stream = csv_chunks(exports.proposals_export(call))

    assert next(stream).startswith("\ufeffreference,")


def test_a_searched_list_counts_its_matches_on_every_page(client, call, count_queries):
    for number in range(1, 53):
        proposal(call, number, title="Vision" if number != 52 else "Sensors")

    def page(query):
        return client.get(f"/proposals/admin/call/{call.id}?{query}").get_data(True)

    assert "51 proposals match" in page("q=vision")
    assert len(rows(client, call, "q=vision&page=2")) == 1
    assert "51 proposals match" in page("q=vision&page=2")
    assert "51 proposals match" in page("q=vision&page=3")  # past the last page
    assert "0 proposals match" in page("q=nothing+like+this")
    with count_queries() as searched:
        page("q=vision")
    with count_queries() as plain:
        page("state=submitted")
    assert searched.count == plain.count - 1  # the count comes with the page


def test_a_searched_list_query_count_does_not_grow_with_rows(client, call, count_queries):
    proposal(call, 1, title="Vision")
    client.get(f"/proposals/admin/call/{call.id}?q=vision&applicant=a")
    with count_queries() as one:
        client.get(f"/proposals/admin/call/{call.id}?q=vision")
    for number in range(2, 51):
        proposal(call, number, title="Vision", applicant=UserFactory(researcher=True))
    with count_queries() as fifty:
        client.get(f"/proposals/admin/call/{call.id}?q=vision")

    assert fifty.count == one.count


def test_an_unfiltered_list_says_how_many_proposals_and_an_empty_one_says_none_yet(client, call):
    assert "No proposals yet." in client.get(f"/proposals/admin/call/{call.id}").get_data(True)
    proposal(call, 1)

    sorted_only = client.get(f"/proposals/admin/call/{call.id}?sort=title").get_data(True)
    nothing = client.get(f"/proposals/admin/call/{call.id}?q=zzz").get_data(True)

    assert "1 proposal</p>" in sorted_only
    assert "0 proposals match" in nothing and "No proposal matches." in nothing


def test_links_keep_only_the_filters(client, call):
    proposal(call, 1)

    response = client.get(f"/proposals/admin/call/{call.id}?q=x&call_id=999&_external=1&fmt=pdf")

    html = response.get_data(True)
    assert response.status_code == 200
    assert f'href="/proposals/admin/call/{call.id}/export.csv?q=x"' in html
    assert "999" not in html and "http://" not in html
