"""Administrators' overview of membership: the dashboard and the seed fund by fiscal year."""

from flask import abort, current_app, render_template, request
from flask_login import current_user, login_required

from app import clock
from app.charts import bar_chart
from app.members import bp, queries
from app.members import dashboard as reads
from app.members.policy import can_manage_members
from app.seed.queries import demo_data_loaded
from app.web import require

# Years a fiscal-year label may name; anything else is not a page.
FIRST_YEAR, LAST_YEAR = 1900, 9998

bp.add_app_template_global(bar_chart)


@bp.route("/dashboard")
@login_required
def dashboard():
    """Show members by tier, renewals due, overdue dues, this year's dues and commitments."""
    require(can_manage_members(current_user))
    today = clock.today()
    year = queries.fiscal_year(today, current_app.config["FISCAL_YEAR_START_MONTH"])
    data = reads.dashboard(today, grace_days=current_app.config["MEMBERSHIP_GRACE_DAYS"], year=year)
    return render_template("members/dashboard.html", data=data, demo=demo_data_loaded())


@bp.route("/seed-fund")
@login_required
def seed_fund():
    """Show one fiscal year's seed-fund pool: committed, awarded, available, and by whom."""
    require(can_manage_members(current_user))
    start_month = current_app.config["FISCAL_YEAR_START_MONTH"]
    label_year = request.args.get("year", type=int)
    if label_year is None:
        year = queries.fiscal_year(clock.today(), start_month)
    elif FIRST_YEAR <= label_year <= LAST_YEAR:
        year = queries.fiscal_year_by_label(label_year, start_month)
    else:
        abort(404)
    fund = queries.seed_fund(year)
    return render_template(
        "members/seed_fund.html",
        fund=fund,
        by_tier=reads.commitments_by_tier(fund),
        draws=reads.seed_fund_draws(year),
        current=queries.fiscal_year(clock.today(), start_month),
        demo=demo_data_loaded(),
    )
