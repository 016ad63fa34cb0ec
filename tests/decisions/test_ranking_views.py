"""The ranking page: who sees it, its options by GET, the funding line, constant queries."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from app.calls.models import CallState
from app.extensions import db
from app.proposals.models import Proposal
from tests.dbutil import snapshot
from tests.decisions.ranking_helpers import proposal, ranked_call, review
from tests.factories import CallFactory, UserFactory


class RankingTable(HTMLParser):
    """Collect the ranking table's rows ({data-col: text}, "above": bool) and separators."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.items: list[str] = []  # "row" or "line", in order
        self._col: str | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-proposal" in attrs:
            self.rows.append(
                {"id": attrs["data-proposal"], "above": "above-line" in (attrs.get("class") or "")}
            )
            self.items.append("row")
        elif tag == "tr" and attrs.get("data-testid") == "funding-line":
            self.items.append("line")
        elif tag == "td" and "data-col" in attrs and self.rows:
            self._col, self._depth = attrs["data-col"], 0
            self.rows[-1][self._col] = ""
        elif self._col and tag not in ("br", "input"):
            self._depth += 1

    def handle_endtag(self, tag):
        if self._col is None:
            return
        if tag == "td" and self._depth == 0:
            self._col = None
        elif tag != "td":
            self._depth -= 1

    def handle_data(self, data):
        if self._col:
            self.rows[-1][self._col] += data


def parse(html: str) -> RankingTable:
    table = RankingTable()
    table.feed(html)
    for row in table.rows:
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = " ".join(value.split())
    return table


@pytest.fixture
def as_admin(login):
    return login(UserFactory(admin=True))


def _call_with(n: int, **values):
    call = ranked_call(**values)
    people = [UserFactory(reviewer=True) for _ in range(3)]
    for number in range(n):
        item = proposal(
            call,
            reference=f"V-{number:03d}",
            requested=str(10000 + 1000 * (number % 7)),
            keywords="robotics" if number % 3 == 0 else "materials",
        )
        for offset, person in enumerate(people):
            review(item, person, 40 + (number * 7 + offset * 3) % 55)
    db.session.commit()
    return call


def test_ranking_lists_rows_in_rank_order_with_the_funding_line(as_admin):
    call = _call_with(6, total_budget=Decimal("35000"))

    response = as_admin.get(f"/decisions/calls/{call.id}/ranking")

    assert response.status_code == 200
    table = parse(response.get_data(as_text=True))
    scores = [Decimal(row["score"]) for row in table.rows]
    assert scores == sorted(scores, reverse=True)
    above = [
        row for row in table.rows if Decimal(row["cumulative"].strip("$").replace(",", "")) <= 35000
    ]
    assert table.items.index("line") == len(above)
    assert table.items.count("line") == 1


def test_sort_by_requested_has_no_funding_line_row(as_admin):
    call = _call_with(6)

    response = as_admin.get(f"/decisions/calls/{call.id}/ranking?sort=requested")

    table = parse(response.get_data(as_text=True))
    amounts = [Decimal(row["requested"].strip("$").replace(",", "")) for row in table.rows]
    assert amounts == sorted(amounts, reverse=True)
    assert "line" not in table.items


def test_group_limits_and_pins_shape_the_suggestion(as_admin):
    call = _call_with(9, total_budget=Decimal("60000"))

    response = as_admin.get(
        f"/decisions/calls/{call.id}/ranking",
        query_string={"groups": "Robotics: 2-2", "pin_out": "V-000"},
    )

    table = parse(response.get_data(as_text=True))
    suggested = [row for row in table.rows if row["suggested"] == "suggested"]
    robotics = {str(p.id) for p in call_proposals(call) if "robotics" in p.keywords}
    assert len([row for row in suggested if row["id"] in robotics]) == 2
    assert "V-000" not in [row["reference"] for row in suggested]
    assert sum(Decimal(row["requested"].strip("$").replace(",", "")) for row in suggested) <= 60000
    assert len(table.rows) == 9


def call_proposals(call):
    return db.session.scalars(db.select(Proposal).where(Proposal.call_id == call.id)).all()


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"groups": "robotics 1-2"}, "groups", "Write one keyword per line"),
        ({"groups": "robotics: 3-1"}, "groups", "the maximum is below the minimum"),
        ({"groups": "robotics: 1-\nRobotics: 2-"}, "groups", "is limited twice"),
        ({"pin_in": "V-000, NOPE-1"}, "pin_in", "NOPE-1 is not a proposal of this ranking"),
        ({"pin_out": "NOPE-2"}, "pin_out", "NOPE-2 is not a proposal of this ranking"),
    ],
)
def test_bad_options_are_explained_beside_the_field_and_kept(as_admin, args, field, message):
    call = _call_with(3)

    response = as_admin.get(f"/decisions/calls/{call.id}/ranking", query_string=args)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html
    assert message in html
    assert args[field].split("\n")[0] in html  # what was typed is kept


def test_pinning_an_unreviewed_proposal_is_refused(as_admin):
    call = _call_with(2)
    proposal(call, reference="V-NEW")
    db.session.commit()

    response = as_admin.get(f"/decisions/calls/{call.id}/ranking?pin_in=V-NEW")

    assert "V-NEW has no submitted review" in response.get_data(as_text=True)


def test_impossible_options_are_named(as_admin):
    call = _call_with(3)

    response = as_admin.get(f"/decisions/calls/{call.id}/ranking?groups=quantum:+1-")

    html = response.get_data(as_text=True)
    assert 'data-testid="infeasible"' in html
    assert "quantum" in html


def test_disconnected_reviews_are_announced(as_admin):
    call = ranked_call()
    for ref in ("D-1", "D-2"):
        review(proposal(call, reference=ref), UserFactory(reviewer=True), 70)
    db.session.commit()

    html = as_admin.get(f"/decisions/calls/{call.id}/ranking").get_data(as_text=True)

    assert 'data-testid="disconnected"' in html
    assert "2 separate groups" in html
    assert [row["group"] for row in parse(html).rows] == ["1", "2"]


@pytest.mark.parametrize("state", [CallState.DRAFT, CallState.OPEN, CallState.CLOSED])
def test_call_not_in_review_has_no_ranking(as_admin, state):
    call = CallFactory(state=state)

    assert as_admin.get(f"/decisions/calls/{call.id}/ranking").status_code == 404
    assert as_admin.get(f"/decisions/calls/{call.id}/packet.csv").status_code == 404


def test_accept_form_carries_the_suggested_proposals(app, as_admin):
    call = _call_with(4, total_budget=Decimal("25000"))

    html = as_admin.get(f"/decisions/calls/{call.id}/ranking").get_data(as_text=True)

    suggested = [row["id"] for row in parse(html).rows if row["suggested"] == "suggested"]
    if "decisions.accept_suggestion" not in app.view_functions:
        assert 'data-testid="accept-suggestion"' not in html
        return
    form = html.split('data-testid="accept-suggestion"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in form
    assert re.findall(r'name="proposal_id" value="(\d+)"', form) == suggested


def test_ranking_page_changes_nothing(as_admin):
    call = _call_with(3)
    before = snapshot()

    as_admin.get(f"/decisions/calls/{call.id}/ranking?groups=robotics:+1-")
    as_admin.get(f"/decisions/calls/{call.id}/packet.xlsx")

    assert snapshot() == before


def test_ranking_page_query_count_is_constant(as_admin, count_queries):
    small, big = _call_with(1), _call_with(30)
    as_admin.get(f"/decisions/calls/{small.id}/ranking")  # warm caches

    with count_queries() as one:
        assert as_admin.get(f"/decisions/calls/{small.id}/ranking").status_code == 200
    with count_queries() as thirty:
        assert as_admin.get(f"/decisions/calls/{big.id}/ranking").status_code == 200

    assert one.count == thirty.count
