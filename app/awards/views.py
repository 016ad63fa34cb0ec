"""The administrators' award pages: the list, a new award, one award, and ending one early."""

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.auth.models import Role
from app.awards import bp, queries, services
from app.awards.forms import AwardForm, TerminateForm, source_value
from app.awards.models import Award, AwardState, FundingSource
from app.awards.policy import can_terminate_award
from app.awards.schedule import add_months
from app.errors import DomainError
from app.extensions import db
from app.members import queries as member_queries
from app.proposals.models import Proposal
from app.templating import money
from app.web import form_error, get_or_404, role_required

admin_required = role_required(Role.ADMIN)


@bp.route("/")
@admin_required
def index():
    """List every award with its funding, next report due and overdue reports; by state."""
    state = request.args.get("state", "")
    if state not in {s.value for s in AwardState}:
        state = ""
    today = clock.today()
    return render_template(
        "awards/index.html",
        rows=queries.award_rows(today, state=state),
        awaiting=queries.proposals_awaiting_award(),
        state=state,
        states=list(AwardState),
        today=today,
    )


def _source_choices(proposal: Proposal, today: date) -> list[tuple[str, str]]:
    config = current_app.config
    current = member_queries.fiscal_year(today, config["FISCAL_YEAR_START_MONTH"])
    pools = [
        (
            source_value(FundingSource.POOL, fund.year.label_year),
            f"Seed fund {fund.year.label} ({money(fund.available)} available)",
        )
        for fund in queries.pool_years(config["FISCAL_YEAR_START_MONTH"], current.label_year)
    ]
    members = [
        (source_value(FundingSource.MEMBER, org.id), f"{org.name} (co-funding)")
        for org in queries.cofunding_organizations(proposal, today, config["MEMBERSHIP_GRACE_DAYS"])
    ]
    return pools + members


def _render_new(proposal: Proposal, form: AwardForm, status: int = 200):
    return (
        render_template(
            "awards/new.html",
            proposal=proposal,
            form=form,
            limit=services.award_limit(proposal),
        ),
        status,
    )


def _line_error(form: AwardForm, rows: list[int], error: DomainError) -> None:
    """Put a service error beside the line it names (`lines-<n>-<field>`, n among the lines
    sent), above the lines (`lines`), or beside a field of the form."""
    parts = (error.field or "").split("-")
    if len(parts) == 3 and parts[0] == "lines":
        field = form.lines[rows[int(parts[1])]].form[parts[2]]
        field.errors = [*field.errors, error.message]
    elif error.field == "lines":
        form.lines_errors.append(error.message)
    else:
        form_error(form, error)


@bp.route("/proposals/<int:proposal_id>/new", methods=["GET", "POST"])
@admin_required
def new(proposal_id: int):
    """Fund an awarded proposal: amount, dates, report interval and funding lines."""
    proposal = get_or_404(Proposal, proposal_id)
    existing = queries.award_of(proposal)
    if existing is not None:
        flash("This proposal already has an award.", "info")
        return redirect(url_for("awards.detail", award_id=existing.id))
    today = clock.today()
    form = AwardForm()
    form.set_source_choices(_source_choices(proposal, today))
    if request.method == "GET":
        limit = services.award_limit(proposal)
        current = member_queries.fiscal_year(today, current_app.config["FISCAL_YEAR_START_MONTH"])
        form.amount.data = limit
        form.starts_on.data = today
        form.ends_on.data = add_months(today, 12)
        form.lines[0].form.source.data = source_value(FundingSource.POOL, current.label_year)
        form.lines[0].form.amount.data = limit
        return _render_new(proposal, form)
    if form.validate_on_submit():
        filled = form.filled_lines()
        try:
            award = services.create_award(
                proposal,
                actor=current_user,
                amount=form.amount.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                report_interval_months=form.interval.data,
                lines=[values for _, values in filled],
            )
        except DomainError as error:
            db.session.rollback()
            if error.field == "interval":
                form_error(form, error)
            else:
                _line_error(form, [index for index, _ in filled], error)
        else:
            db.session.commit()
            flash(f"Award of {money(award.amount)} created.", "success")
            return redirect(url_for("awards.detail", award_id=award.id))
    return _render_new(proposal, form, 400)


@bp.route("/<int:award_id>")
@admin_required
def detail(award_id: int):
    """Show one award: its funding lines, its reports and what happened to it."""
    award = get_or_404(Award, award_id)
    return render_template(
        "awards/detail.html",
        award=award,
        today=clock.today(),
        can_terminate=can_terminate_award(current_user, award),
    )


@bp.route("/<int:award_id>/terminate", methods=["GET", "POST"])
@admin_required
def terminate(award_id: int):
    """End an active award early; the unspent money returns to its sources."""
    award = get_or_404(Award, award_id)
    form = TerminateForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.terminate_award(
                award,
                actor=current_user,
                reason=form.reason.data,
                spent_amount=form.spent_amount.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        except StaleDataError:
            db.session.rollback()
            form.form_errors.append(
                "Someone else changed this award meanwhile; look at it again before ending it."
            )
        else:
            flash(
                f"Award terminated; {money(award.amount - award.spent_amount)} returns to its "
                "sources.",
                "success",
            )
            return redirect(url_for("awards.detail", award_id=award.id))
        award = get_or_404(Award, award_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "awards/terminate.html",
        award=award,
        form=form,
        can_terminate=can_terminate_award(current_user, award),
    ), status
