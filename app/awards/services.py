"""Every change to awards: creating one on the seed fund and co-funders, completing, terminating."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.awards import queries
from app.awards.models import (
    AWARD_TRANSITIONS,
    Award,
    AwardState,
    FundingLine,
    FundingSource,
    Report,
    SeedFundYear,
)
from app.awards.schedule import report_due_dates
from app.decisions.models import Decision, Outcome
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.members import queries as member_queries
from app.notifications import services as notifications
from app.proposals.models import Proposal, ProposalState
from app.templating import money
from app.urls import external_url

CENT = Decimal("0.01")
MAX_LINES = 4


@dataclass(frozen=True)
class FundingLineValues:
    """One funding line as asked for: the seed fund of a fiscal year, or a co-funding member."""

    source: FundingSource
    amount: Decimal
    fiscal_year: int | None = None  # FY label year, for the pool
    organization_id: int | None = None  # for a member

    def key(self) -> tuple:
        """Return what names the source, to refuse the same one twice."""
        if self.source == FundingSource.POOL:
            return (self.source, self.fiscal_year)
        return (self.source, self.organization_id)


def _start_month() -> int:
    return current_app.config["FISCAL_YEAR_START_MONTH"]


def _plain(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def award_limit(proposal: Proposal) -> Decimal:
    """Return the most an award on the proposal may be: the released decision's amount, or the
    requested amount when no decision row exists (proposals decided before decisions were kept)."""
    decision = db.session.scalar(sa.select(Decision).where(Decision.proposal_id == proposal.id))
    if decision is not None and decision.outcome == Outcome.AWARD and decision.amount is not None:
        return decision.amount
    return proposal.requested_amount


def lock_pool_year(label_year: int) -> None:
    """Lock a fiscal year's seed fund until the transaction ends (insert its row if missing).

    Every draw on the year takes this lock before reading the balance, so two awards at once
    see each other's lines and cannot both spend the same money.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(SeedFundYear)
        .values(label_year=label_year)
        .on_conflict_do_nothing(index_elements=["label_year"])
    )
    db.session.execute(
        sa.select(SeedFundYear.label_year)
        .where(SeedFundYear.label_year == label_year)
        .with_for_update()
    )


def _check_lines(proposal: Proposal, amount: Decimal, lines: list[FundingLineValues]) -> None:
    if not lines:
        raise ValidationError("Add at least one funding line.", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationError(f"An award has at most {MAX_LINES} funding lines.", field="lines")
    seen = set()
    cofunders = None
    for index, line in enumerate(lines):
        if line.amount is None or line.amount <= 0:
            raise ValidationError(
                "A line's amount must be more than zero.", field=f"lines-{index}-amount"
            )
        if line.amount != line.amount.quantize(CENT):
            raise ValidationError("Give whole cents.", field=f"lines-{index}-amount")
        if line.key() in seen:
            raise ValidationError(
                "This source is already a line; put its money on one line.",
                field=f"lines-{index}-source",
            )
        seen.add(line.key())
        if line.source == FundingSource.MEMBER:
            if cofunders is None:
                cofunders = {
                    org.id
                    for org in queries.cofunding_organizations(
                        proposal, clock.today(), current_app.config["MEMBERSHIP_GRACE_DAYS"]
                    )
                }
            if line.organization_id not in cofunders:
                raise ValidationError(
                    "Only an active member that said it would co-fund this proposal can fund it.",
                    field=f"lines-{index}-source",
                )
        elif line.fiscal_year is None:
            raise ValidationError("Choose the seed fund's year.", field=f"lines-{index}-source")
    total = sum((line.amount for line in lines), Decimal("0"))
    if total != amount:
        raise ValidationError(
            f"The funding lines add up to {money(total)}; the award is {money(amount)}.",
            field="lines",
        )


def _check_pool(lines: list[FundingLineValues]) -> None:
    draws: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.source == FundingSource.POOL:
            draws[line.fiscal_year] += line.amount
    # Years locked in ascending order, so two awards drawing on the same years cannot deadlock.
    for label_year in sorted(draws):
        lock_pool_year(label_year)
        fund = member_queries.seed_fund(
            member_queries.fiscal_year_by_label(label_year, _start_month())
        )
        label = fund.year.label
        if fund.committed <= 0:
            raise ValidationError(
                f"{label} has no seed fund: no member committed to it.", field="lines"
            )
        if draws[label_year] > fund.available:
            raise ValidationError(
                f"{label} has {money(fund.available)} available; this award draws "
                f"{money(draws[label_year])}.",
                field="lines",
            )


def create_award(
    proposal: Proposal,
    *,
    actor: User,
    amount: Decimal,
    starts_on: date,
    ends_on: date,
    report_interval_months: int,
    lines: list[FundingLineValues],
) -> Award:
    """Fund an awarded proposal from the seed fund and co-funding members.

    The pool years drawn on are locked, then their balances checked: no year can go below zero.
    Side effects: the award, its funding lines and its report schedule; audit `award.created`;
    notifies the applicant (`award_created`).
    Raises: WorkflowError unless the proposal is awarded; ConflictError if it already has an
    award; ValidationError for an amount above the decision, dates or lines that do not fit,
    a member that did not offer to co-fund, or a seed-fund year without enough money.
    """
    if proposal.state != ProposalState.AWARDED:
        raise WorkflowError("Only an awarded proposal (decision released) can be funded.")
    if queries.award_of(proposal) is not None:
        raise ConflictError("This proposal already has an award.")
    if amount is None or amount <= 0:
        raise ValidationError("The amount must be more than zero.", field="amount")
    if amount != amount.quantize(CENT):
        raise ValidationError("Give whole cents.", field="amount")
    limit = award_limit(proposal)
    if amount > limit:
        raise ValidationError(
            f"The decision awarded {money(limit)}; the award cannot be more.", field="amount"
        )
    if ends_on <= starts_on:
        raise ValidationError("The end must come after the start.", field="ends_on")
    if report_interval_months is None or report_interval_months < 1:
        raise ValidationError("Reports fall due at least a month apart.", field="interval")
    _check_lines(proposal, amount, lines)
    _check_pool(lines)

    award = Award(
        proposal=proposal,
        amount=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        report_interval_months=report_interval_months,
        created_by_id=actor.id if actor else None,
    )
    for line in lines:
        award.funding_lines.append(
            FundingLine(
                source=line.source,
                fiscal_year=line.fiscal_year if line.source == FundingSource.POOL else None,
                organization_id=line.organization_id
                if line.source == FundingSource.MEMBER
                else None,
                amount=line.amount,
            )
        )
    for kind, due_on in report_due_dates(starts_on, ends_on, report_interval_months):
        award.reports.append(Report(kind=kind, due_on=due_on))
    db.session.add(award)
    db.session.flush()
    audit.record(
        actor,
        "award.created",
        award,
        {
            "proposal_id": proposal.id,
            "amount": _plain(amount),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "report_interval_months": report_interval_months,
            "lines": [_line_detail(line) for line in award.funding_lines],
        },
    )
    notifications.enqueue(
        "award_created",
        proposal.applicant,
        {"award": award, "proposal": proposal, "url": _applicant_url(proposal)},
    )
    return award


def _applicant_url(proposal: Proposal) -> str:
    return external_url("proposals.detail", proposal_id=proposal.id)


def _line_detail(line: FundingLine) -> dict:
    detail = {"source": line.source.value, "amount": _plain(line.amount)}
    if line.source == FundingSource.POOL:
        detail["fiscal_year"] = line.fiscal_year
    else:
        detail["organization_id"] = line.organization_id
    if line.returned_amount:
        detail["returned_amount"] = _plain(line.returned_amount)
    return detail


def _transition(award: Award, to: AwardState, *, actor: User | None, detail: dict) -> None:
    """Move the award to `to`: the only code that sets an award's state."""
    if to not in AWARD_TRANSITIONS[award.state]:
        raise WorkflowError(f"A {award.state.label.lower()} award cannot become {to.value}.")
    now = clock.now()
    if to == AwardState.COMPLETED:
        award.completed_at = now
    elif to == AwardState.TERMINATED:
        award.terminated_at = now
    previous = award.state
    award.state = to
    audit.record(actor, f"award.{to.value}", award, {"from": previous.value} | detail)


def complete_award(award: Award, *, actor: User | None) -> Award:
    """Mark an active award completed (its final report was accepted).

    Side effects: stamps `completed_at`; audit `award.completed`.
    Raises: WorkflowError unless the award is active.
    """
    _transition(award, AwardState.COMPLETED, actor=actor, detail={})
    return award


def split_return(lines: list[FundingLine], unspent: Decimal) -> list[Decimal]:
    """Share `unspent` across the lines in proportion to their amounts, in exact cents.

    Largest remainder: each line gets its share rounded down to the cent, then the cents left
    go one each to the lines with the largest remainders (earlier lines first on ties).
    """
    total = sum((line.amount for line in lines), Decimal("0"))
    if not lines or unspent <= 0 or total <= 0:
        return [Decimal("0.00") for _ in lines]
    cents = int((unspent / CENT).to_integral_value())
    exact = [Decimal(cents) * line.amount / total for line in lines]
    floors = [int(share.to_integral_value(rounding=ROUND_DOWN)) for share in exact]
    left = cents - sum(floors)
    order = sorted(range(len(lines)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(share) * CENT).quantize(CENT) for share in floors]


def terminate_award(
    award: Award, *, actor: User, reason: str, spent_amount: Decimal
) -> list[Decimal]:
    """End an active award early; the unspent money goes back where it came from.

    The unspent part is split over the funding lines in proportion to their amounts (exact
    cents), so pool lines give it back to their year's seed fund. Reports still due are left
    as they are: they are no longer owed once the award is not active.
    Side effects: the lines' `returned_amount`; audit `award.terminated`; notifies the applicant
    (`award_terminated`). Returns what each line got back.
    Raises: WorkflowError unless the award is active; ValidationError for a missing reason or a
    spent amount below zero or above the award.
    """
    if award.state != AwardState.ACTIVE:
        raise WorkflowError(f"A {award.state.label.lower()} award cannot be terminated.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the award ends.", field="reason")
    if spent_amount is None or spent_amount < 0:
        raise ValidationError("The amount spent cannot be negative.", field="spent_amount")
    if spent_amount != spent_amount.quantize(CENT):
        raise ValidationError("Give whole cents.", field="spent_amount")
    if spent_amount > award.amount:
        raise ValidationError(
            f"The award is {money(award.amount)}; no more than that can have been spent.",
            field="spent_amount",
        )
    returned = split_return(award.funding_lines, award.amount - spent_amount)
    for line, back in zip(award.funding_lines, returned, strict=True):
        line.returned_amount = back
    award.termination_reason = reason
    award.spent_amount = spent_amount
    _transition(
        award,
        AwardState.TERMINATED,
        actor=actor,
        detail={
            "reason": reason,
            "spent_amount": _plain(spent_amount),
            "returned": _plain(award.amount - spent_amount),
            "lines": [_line_detail(line) for line in award.funding_lines],
        },
    )
    notifications.enqueue(
        "award_terminated",
        award.proposal.applicant,
        {"award": award, "proposal": award.proposal, "url": _applicant_url(award.proposal)},
    )
    return returned
