"""The decision packet: a call's ranking as spreadsheet rows, named or anonymised."""

from datetime import date
from decimal import Decimal

from app.decisions.ranking import INTEREST_LEVELS, Ranking, RankingRow
from app.decisions.selection import Selection
from app.spreadsheets import Export

RANKING_SHEET = "Ranking"
REVIEWERS_SHEET = "Reviewer offsets"
SUMMARY_SHEET = "Summary"


def ranking_header(*, anonymised: bool) -> tuple[str, ...]:
    """Return the ranking sheet's column headings."""
    return (
        "Rank",
        "Tied",
        "Reference",
        "Title",
        *(() if anonymised else ("Applicant",)),
        "State",
        "Reviews",
        "Raw mean",
        "Spread",
        "Disagreement",
        "Calibrated",
        "Group",
        *(f"Interest: {level.label}" for level in INTEREST_LEVELS),
        "Interest score",
        "Ranking score",
        "Requested",
        "Cumulative requested",
        "Above funding line",
        "Suggested",
        "Conflicts",
        "Recusals",
        "Decision",
        "Decision amount",
        "Decision released",
    )


def ranking_values(row: RankingRow, *, anonymised: bool) -> tuple:
    """Return one row of the ranking sheet."""
    # The rank as a number and the tie as its own column: "=3" would be a formula to Excel.
    return (
        row.rank,
        row.tied if row.rank is not None else None,
        row.reference,
        row.title,
        *(() if anonymised else (row.applicant,)),
        row.state,
        row.reviews,
        row.raw,
        row.spread,
        row.disagreement,
        row.calibrated,
        row.group,
        *(row.interest.count(level) for level in INTEREST_LEVELS),
        row.interest_score,
        row.score,
        row.requested,
        row.cumulative,
        row.above_line,
        row.suggested,
        row.conflicts,
        row.recusals,
        row.decision,
        row.decision_amount,
        row.released if row.decision is not None else None,
    )


def packet_exports(ranking: Ranking, selection: Selection, *, anonymised: bool) -> list[Export]:
    """Return the packet's datasets: the ranking in rank order, the offsets and a summary.

    Anonymised: no applicant column and reviewers numbered in the offsets' order instead of
    named.
    """
    reviewers = [
        (
            f"Reviewer {number}" if anonymised else reviewer.name,
            reviewer.offset,
            reviewer.reviews,
            reviewer.fitted,
            reviewer.group,
        )
        for number, reviewer in enumerate(ranking.reviewers, start=1)
    ]
    return [
        Export(
            RANKING_SHEET,
            ranking_header(anonymised=anonymised),
            iter([ranking_values(row, anonymised=anonymised) for row in ranking.rows]),
        ),
        Export(
            REVIEWERS_SHEET,
            ("Reviewer", "Offset", "Reviews", "Fitted", "Group"),
            iter(reviewers),
        ),
        Export(SUMMARY_SHEET, ("Item", "Value"), iter(summary_rows(ranking, selection))),
    ]


def summary_rows(ranking: Ranking, selection: Selection) -> list[tuple]:
    """Return the figures that frame the ranking: budget, basis, line and suggestion."""
    rows = [
        ("Call", ranking.call.title),
        ("Budget", ranking.budget),
        ("Merit", f"{ranking.merit} score"),
        ("Review groups", ranking.group_count),
        (
            "Member interest",
            f"weighted {ranking.interest_weight}%" if ranking.weighted else "advisory",
        ),
        ("Above funding line", len(ranking.above_line)),
        ("Requested above funding line", ranking.line_total),
        ("Suggested proposals", len(selection.chosen)),
        ("Suggested total requested", selection.total_requested),
        ("Suggested money left over", selection.left_over),
        ("Suggested total score", Decimal(repr(selection.total_score)).quantize(Decimal("0.01"))),
    ]
    rows += [("Suggestion impossible", reason.message) for reason in selection.infeasibilities]
    return rows


def packet_filename(ranking: Ranking, fmt: str, today: date, *, anonymised: bool) -> str:
    """Return the download's file name."""
    kind = "decision-packet-anonymised" if anonymised else "decision-packet"
    return f"{ranking.call.reference_prefix}-{ranking.call.id}-{kind}-{today.isoformat()}.{fmt}"
