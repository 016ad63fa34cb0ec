"""The membership dashboard and the seed-fund page: figures on a fixed date, constant queries."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.audit import services as audit
from app.extensions import db
from app.members import dashboard as reads
from app.members import services
from app.members.models import MembershipStatus
from app.members.queries import fiscal_year, fiscal_year_by_label
from app.seed.queries import DEMO_LOADED
from tests.factories import OrganizationFactory, TermFactory, TierFactory, UserFactory

TODAY = date(2026, 6, 15)  # in FY2026: 1 Jul 2025 – 30 Jun 2026 (years start in July)
FY2026 = fiscal_year(TODAY, 7)
GRACE = 60


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


@pytest.fixture
def admin():
    return UserFactory(admin=True)


def member(tier, name, *terms, withdrawn=False, admin=None):
    """Return an organization with terms given as (starts_on, ends_on, seed_commitment)."""
    organization = OrganizationFactory(tier=tier, name=name)
    made = [
        TermFactory(
            organization=organization,
            starts_on=starts_on,
            ends_on=ends_on,
            seed_commitment=Decimal(commitment),
        )
        for starts_on, ends_on, commitment in terms
    ]
    if withdrawn:
        services.withdraw_organization(organization, actor=admin, reason="Left")
    return organization, made


def invoice(term, admin, amount, issued_on, due_on, *, paid_on=None, void=False):
    issued = services.issue_invoice(
        term, actor=admin, amount=Decimal(amount), issued_on=issued_on, due_on=due_on
    )
    if paid_on:
        services.mark_invoice_paid(issued, actor=admin, paid_on=paid_on)
    if void:
        services.void_invoice(issued, actor=admin, reason="Issued twice")
    return issued


@pytest.fixture
def consortium(admin):
    """Seven organizations in every state, with invoices either side of the fiscal year."""
    founding = TierFactory(name="Founding", annual_fee=Decimal("250000"))
    associate = TierFactory(name="Associate", annual_fee=Decimal("50000"))
    TierFactory(name="Startup", annual_fee=Decimal("10000"))
    _, [a_term] = member(founding, "Aurora Biotech", (date(2025, 7, 1), date(2026, 6, 30), 500000))
    _, [b_term, _] = member(
        founding,
        "Borealis Energy",
        (date(2025, 9, 1), date(2026, 8, 31), 200000),
        (date(2026, 9, 1), date(2027, 8, 31), 300000),  # renewed: not due
    )
    _, [c_term] = member(associate, "Cirrus Chips", (date(2025, 9, 14), TODAY + timedelta(90), 0))
    _, [d_term] = member(associate, "Delta Drives", (date(2025, 9, 15), TODAY + timedelta(91), 0))
    _, [e_term] = member(associate, "Eider Labs", (date(2024, 1, 1), date(2024, 12, 31), 100000))
    member(
        associate,
        "Fulmar Foods",
        (date(2025, 7, 15), date(2026, 7, 14), 0),
        withdrawn=True,
        admin=admin,
    )
    member(associate, "Gannet Glass", (date(2025, 6, 1), date(2026, 6, 1), 0))  # in grace
    invoices = {
        "a_paid": invoice(
            a_term, admin, 250000, date(2025, 7, 1), date(2025, 7, 31), paid_on=date(2025, 7, 20)
        ),
        "c_overdue": invoice(c_term, admin, 50000, date(2026, 5, 1), date(2026, 5, 31)),
        "b_paid_late": invoice(
            b_term, admin, 250000, date(2025, 6, 20), date(2025, 7, 20), paid_on=date(2025, 8, 1)
        ),
        "d_void": invoice(d_term, admin, 50000, date(2026, 3, 1), date(2026, 3, 31), void=True),
        "e_overdue": invoice(e_term, admin, 40000, date(2025, 1, 1), date(2025, 1, 31)),
        "d_open": invoice(d_term, admin, 50000, date(2026, 6, 1), date(2026, 7, 1)),
    }
    return invoices


def test_active_members_are_counted_by_tier_dearest_first(consortium):
    assert reads.member_counts(TODAY, GRACE).by_tier == [
        ("Founding", 2),
        ("Associate", 2),
        ("Startup", 0),
    ]


def test_members_are_counted_by_status(consortium):
    assert dict(reads.member_counts(TODAY, GRACE).by_status) == {
        MembershipStatus.PROSPECT: 0,
        MembershipStatus.ACTIVE: 4,
        MembershipStatus.GRACE: 1,
        MembershipStatus.LAPSED: 1,
        MembershipStatus.WITHDRAWN: 1,
    }


def test_renewals_due_are_latest_terms_ending_within_90_days(consortium):
    renewals = reads.renewals_due(TODAY)

    assert [(r.name, r.ends_on, r.days_left) for r in renewals.rows] == [
        ("Aurora Biotech", date(2026, 6, 30), 15),
        ("Cirrus Chips", date(2026, 9, 13), 90),
    ]
    assert renewals.total_count == 2
    assert renewals.total_amount == Decimal("300000.00")


def test_renewals_list_the_soonest_and_count_them_all(consortium):
    renewals = reads.renewals_due(TODAY, limit=1)

    assert [r.name for r in renewals.rows] == ["Aurora Biotech"]
    assert (renewals.total_count, renewals.more) == (2, 1)


def test_overdue_invoices_show_amounts_and_days_longest_first(consortium):
    overdue = reads.overdue_invoices(TODAY)

    assert [(o.number, o.organization, o.amount, o.days_overdue) for o in overdue.rows] == [
        (consortium["e_overdue"].number, "Eider Labs", Decimal("40000.00"), 500),
        (consortium["c_overdue"].number, "Cirrus Chips", Decimal("50000.00"), 15),
    ]
    assert (overdue.total_count, overdue.total_amount) == (2, Decimal("90000.00"))


def test_overdue_dues_are_banded_by_age(consortium):
    bands = [(band.label, band.count, band.amount) for band in reads.overdue_by_age(TODAY)]

    assert bands == [
        ("1–30 days", 1, Decimal("50000.00")),
        ("31–60 days", 0, Decimal("0")),
        ("61–90 days", 0, Decimal("0")),
        ("Over 90 days", 1, Decimal("40000.00")),
    ]


def test_year_figures_bill_by_issue_date_and_collect_by_payment_date(consortium):
    figures = reads.year_figures(FY2026)

    # Billed: a_paid, c_overdue and d_open (b issued in FY2025, d_void void, e in FY2025).
    assert (figures.billed, figures.billed_count) == (Decimal("350000.00"), 3)
    # Collected: a_paid and b_paid_late (paid in August 2025, though issued in FY2025).
    assert (figures.collected, figures.collected_count) == (Decimal("500000.00"), 2)
    assert (figures.unpaid, figures.unpaid_count) == (Decimal("140000.00"), 3)
    # Commitments of the terms starting in FY2026: Aurora and Borealis's first term.
    assert (figures.committed, figures.committing_members) == (Decimal("700000.00"), 2)
    assert figures.collected_share == 143


def test_year_figures_of_an_empty_year_are_zero():
    figures = reads.year_figures(FY2026)

    assert (figures.billed, figures.collected, figures.committed) == (0, 0, 0)
    assert figures.collected_share is None


def test_dashboard_page_shows_the_figures(consortium, login, admin):
    response = login(admin).get("/admin/members/dashboard")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "FY2026" in html
    assert "of 7 organizations on record" in html
    assert "$350,000" in html  # billed
    assert "$500,000" in html  # collected
    assert "$700,000" in html  # committed
    assert consortium["e_overdue"].number in html and ">500<" in html
    assert "Aurora Biotech" in html and "Cirrus Chips" in html
    assert "Delta Drives</a>" not in html  # its term ends in 91 days, its invoice is not due
    assert '<svg class="bar-chart"' in html
    assert "<caption>Active members by tier</caption>" in html
    assert "style=" not in html
    assert "Demonstration data" not in html


def test_dashboard_page_of_an_empty_consortium(login, admin):
    html = login(admin).get("/admin/members/dashboard").get_data(as_text=True)

    assert "No renewal is due in the next 90 days." in html
    assert "No invoice is overdue." in html


def many_members(admin, number: int) -> None:
    """Add `number` members in assorted states, each with a few invoices."""
    tiers = [TierFactory(), TierFactory()]
    for n in range(number):
        starts_on = TODAY - timedelta(days=30 * (n % 15))
        _, [term] = member(
            tiers[n % 2], f"Member {n}", (starts_on, starts_on + timedelta(days=364), 1000 * n)
        )
        invoice(term, admin, 1000 + n, starts_on, starts_on + timedelta(days=30))
        invoice(term, admin, 500, starts_on, starts_on, paid_on=starts_on)


def page_queries(count_queries, client, url: str) -> int:
    db.session.commit()  # write what the arrangement left pending, outside the count
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


@pytest.mark.parametrize("url", ["/admin/members/dashboard", "/admin/members/seed-fund"])
def test_query_count_does_not_grow_with_members_and_invoices(url, login, admin, count_queries):
    client = login(admin)
    many_members(admin, 1)
    one = page_queries(count_queries, client, url)

    for n in range(1, 30):
        starts_on = TODAY - timedelta(days=30 * (n % 15))
        _, [term] = member(
            TierFactory(), f"Another {n}", (starts_on, starts_on + timedelta(days=364), 1000 * n)
        )
        for k in range(3):
            invoice(term, admin, 100 + k, starts_on, starts_on + timedelta(days=30 * k))
    many = page_queries(count_queries, client, url)

    assert one == many


# The seed fund


@pytest.fixture
def commitments():
    """Terms on either side of the fiscal-year boundary (years start on 1 July)."""
    tier = TierFactory(name="Founding")
    member(tier, "June Starter", (date(2026, 6, 30), date(2027, 6, 29), 100000))
    member(tier, "July Starter", (date(2026, 7, 1), date(2027, 6, 30), 250000))
    member(tier, "Earlier Starter", (date(2025, 7, 1), date(2026, 6, 29), 50000))
    member(tier, "No Commitment", (date(2025, 8, 1), date(2026, 7, 31), 0))


def fund_page(login, admin, query: str = "") -> str:
    response = login(admin).get(f"/admin/members/seed-fund{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_seed_fund_defaults_to_the_current_fiscal_year(commitments, login, admin):
    html = fund_page(login, admin)

    assert '<h1 class="h3 mb-0">Seed fund FY2026</h1>' in html
    assert "June Starter" in html and "Earlier Starter" in html
    assert "July Starter" not in html and "No Commitment" not in html
    assert "$150,000" in html  # committed = available, nothing awarded yet
    assert "Commitments count in the fiscal year their term starts" in html
    assert 'href="/admin/members/seed-fund?year=2025"' in html
    assert 'href="/admin/members/seed-fund?year=2027"' in html
    assert "style=" not in html


def test_a_term_starting_on_the_first_day_of_the_year_counts_in_that_year(
    commitments, login, admin
):
    html = fund_page(login, admin, "?year=2027")

    assert "Seed fund FY2027" in html
    assert "July Starter" in html
    assert "June Starter" not in html
    assert "$250,000" in html
    assert "01 Jul 2026 – 30 Jun 2027" in html


def test_the_fiscal_year_start_month_is_a_setting(commitments, login, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "FISCAL_YEAR_START_MONTH", 1)  # calendar years

    html = fund_page(login, admin, "?year=2026")

    assert "01 Jan 2026 – 31 Dec 2026" in html
    assert "June Starter" in html and "July Starter" in html
    assert "Earlier Starter" not in html
    assert "$350,000" in html


def test_a_year_with_no_commitment_says_so(login, admin):
    html = fund_page(login, admin, "?year=2031")

    assert "No term starting in FY2031 commits to the seed fund." in html
    assert "$0" in html


@pytest.mark.parametrize("year", ["0", "-3", "100000"])
def test_an_impossible_year_is_not_found(login, admin, year):
    assert login(admin).get(f"/admin/members/seed-fund?year={year}").status_code == 404


def test_seed_fund_page_shows_the_demo_note_when_demo_data_is_loaded(login, admin):
    audit.record(None, DEMO_LOADED, admin)

    assert "Demonstration data" in fund_page(login, admin)
    assert "Demonstration data" in login(admin).get("/admin/members/dashboard").get_data(True)


@pytest.mark.parametrize(
    ("start_month", "label", "starts_on", "ends_on"),
    [
        (7, 2027, date(2026, 7, 1), date(2027, 6, 30)),
        (1, 2026, date(2026, 1, 1), date(2026, 12, 31)),
        (2, 2026, date(2025, 2, 1), date(2026, 1, 31)),
        (12, 2026, date(2025, 12, 1), date(2026, 11, 30)),
    ],
)
def test_a_fiscal_year_is_named_by_the_calendar_year_it_ends_in(
    start_month, label, starts_on, ends_on
):
    year = fiscal_year_by_label(label, start_month)

    assert (year.label, year.starts_on, year.ends_on) == (f"FY{label}", starts_on, ends_on)
    assert fiscal_year(starts_on, start_month) == fiscal_year(ends_on, start_month) == year
