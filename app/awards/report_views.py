"""Award follow-up pages: the researcher's awards and reports, the administrators' review."""

import sqlalchemy as sa

# A views module: it may flash, render and read the request (pyproject's per-file-ignores
# list views modules by name; until this one is listed, the noqa says so).
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, selectinload

from app import clock
from app.auth.models import Role
from app.awards import bp, queries, reports
from app.awards import report_policy as policy
from app.awards.models import Award, FundingLine, Report, ReportKind
from app.awards.report_forms import AcceptReportForm, ReportForm, RequestChangesForm
from app.errors import DomainError
from app.extensions import db
from app.web import (
    flash_error,
    form_error,
    get_or_404,
    require,
    require_visible,
    role_required,
    send_private_pdf,
)

admin_required = role_required(Role.ADMIN)


def _next_owed(award: Award) -> Report | None:
    """Return the award's earliest report still owed (due or sent back)."""
    return next((r for r in award.reports if r.state in policy.SUBMITTABLE_STATES), None)


# The researcher's pages


@bp.route("/mine")
@login_required
def mine():
    """List the awards the user holds as applicant or co-investigator, in two queries."""
    awards = db.session.scalars(
        sa.select(Award)
        .join(Award.proposal)
        .where(queries.on_award_team(current_user))
        .options(contains_eager(Award.proposal), selectinload(Award.reports))
        .order_by(Award.starts_on.desc(), Award.id.desc())
    ).all()
    today = clock.today()
    rows = [(award, _next_owed(award)) for award in awards]
    return render_template("awards/mine.html", rows=rows, today=today)


def _visible_award(award_id: int) -> Award:
    award = get_or_404(Award, award_id)
    require_visible(policy.can_view_award_project(current_user, award))
    return award


@bp.route("/<int:award_id>/project")
@login_required
def project(award_id: int):
    """Show the researcher's award: amount, funding, dates, reports and the office's comments."""
    award = _visible_award(award_id)
    funding = db.session.scalars(
        sa.select(FundingLine)
        .where(FundingLine.award_id == award.id)
        .options(selectinload(FundingLine.organization))
        .order_by(FundingLine.id)
    ).all()
    return render_template(
        "awards/mine_project.html",
        award=award,
        proposal=award.proposal,
        funding=funding,
        today=clock.today(),
        is_applicant=award.proposal.applicant_id == current_user.id,
    )


def _visible_report(report_id: int) -> Report:
    """Load a report the user may read, or answer 404: nobody else learns it exists."""
    report = get_or_404(Report, report_id)
    require_visible(policy.can_view_report(current_user, report))
    return report


def _render_report(report: Report, form: ReportForm | None, status: int = 200):
    if form is not None:
        limit = current_app.config["ATTACHMENT_MAX_BYTES"] / 1_048_576
        form.attachment.description = (
            f"One PDF file of at most {limit:g} MB"
            # Browsers never refill a file box: after a refused submission, choose it again.
            + ("; after an error, choose it again." if form.errors else ".")
        )
    return render_template(
        "awards/report.html",
        report=report,
        award=report.award,
        proposal=report.award.proposal,
        form=form,
        today=clock.today(),
        office=policy.can_manage_reports(current_user),
    ), status


def _report_form(report: Report, *, from_request: bool) -> ReportForm:
    if from_request:
        return ReportForm()
    return ReportForm(formdata=None, text=report.text, version=str(report.version))


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def report(report_id: int):
    """Show a report; its applicant writes and submits it while it is owed."""
    report = _visible_report(report_id)
    if request.method == "GET":
        editable = policy.can_submit_report(current_user, report)
        return _render_report(
            report, _report_form(report, from_request=False) if editable else None
        )
    # Co-investigators and administrators read the report but do not submit it.
    require(report.award.proposal.applicant_id == current_user.id)
    form = _report_form(report, from_request=True)
    if not form.validate_on_submit():
        return _render_report(report, form)
    upload = form.attachment.data
    try:
        reports.submit_report(
            report,
            actor=current_user,
            text=form.text.data,
            pdf=(upload.filename, upload.read()) if upload else None,
            expected_version=form.expected_version(),
        )
    except DomainError as error:
        db.session.rollback()
        report = _visible_report(report_id)
        if not policy.can_submit_report(current_user, report):
            # Sent from another window, or the award ended: show the report as it now stands.
            flash_error(error)
            return redirect(url_for("awards.report", report_id=report.id))
        form_error(form, error)
        return _render_report(report, form)
    db.session.commit()
    flash(f"Your {report.kind.label.lower()} is submitted to the program office.", "success")
    return redirect(url_for("awards.project", award_id=report.award_id))


@bp.route("/reports/<int:report_id>/file")
@login_required
def report_file(report_id: int):
    """Send the report's PDF to the team and administrators."""
    report = _visible_report(report_id)
    path = reports.report_file_path(report)
    require_visible(path is not None)
    return send_private_pdf(path, report.attachment_name)


# The administrators' pages


@bp.route("/reports/overdue")
@admin_required
def overdue():
    """List every report owed past its due date on an active award, in one query."""
    today = clock.today()
    return render_template(
        "awards/report_overdue.html", reports=reports.overdue_reports(today), today=today
    )


def _render_review(report: Report, accept_form=None, changes_form=None, status: int = 200):
    version = str(report.version)
    return render_template(
        "awards/report_review.html",
        report=report,
        award=report.award,
        proposal=report.award.proposal,
        today=clock.today(),
        reviewable=policy.can_review_report(current_user, report),
        accept_form=accept_form or AcceptReportForm(formdata=None, version=version),
        changes_form=changes_form or RequestChangesForm(formdata=None, version=version),
    ), status


@bp.route("/reports/<int:report_id>/review")
@admin_required
def review_report(report_id: int):
    """Show a report to the office with the buttons to accept it or ask for changes."""
    return _render_review(get_or_404(Report, report_id))


@bp.route("/reports/<int:report_id>/accept", methods=["POST"])
@admin_required
def accept_report(report_id: int):
    """Accept a submitted report (a final one completes the award)."""
    report = get_or_404(Report, report_id)
    form = AcceptReportForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(url_for("awards.review_report", report_id=report.id))
    try:
        reports.accept_report(report, actor=current_user, expected_version=form.expected_version())
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for("awards.review_report", report_id=report_id))
    db.session.commit()
    completed = report.kind == ReportKind.FINAL
    flash(
        f"The {report.kind.label.lower()} is accepted"
        + ("; the award is complete." if completed else "."),
        "success",
    )
    return redirect(url_for("awards.review_report", report_id=report.id))


@bp.route("/reports/<int:report_id>/request-changes", methods=["POST"])
@admin_required
def request_changes(report_id: int):
    """Send a submitted report back to the applicant with a comment (required)."""
    report = get_or_404(Report, report_id)
    form = RequestChangesForm()
    if not form.validate_on_submit():
        return _render_review(report, changes_form=form)
    try:
        reports.request_changes(
            report,
            actor=current_user,
            comment=form.comment.data,
            expected_version=form.expected_version(),
        )
    except DomainError as error:
        db.session.rollback()
        form_error(form, error)
        return _render_review(get_or_404(Report, report_id), changes_form=form)
    db.session.commit()
    flash("The report is sent back to the applicant with your comment.", "success")
    return redirect(url_for("awards.review_report", report_id=report.id))
