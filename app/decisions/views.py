"""The administrators' ranking of a call, its suggested award set and the decision packet."""

from decimal import Decimal

from flask import Response, abort, current_app, render_template, request, stream_with_context

from app import clock
from app.auth.models import Role
from app.calls.models import Call, CallState
from app.decisions import bp
from app.decisions.forms import RankingOptionsForm
from app.decisions.packet import packet_exports, packet_filename
from app.decisions.ranking import build_ranking, sorted_rows, suggest
from app.spreadsheets import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    attachment_headers,
    csv_sections_chunks,
    xlsx_workbook_bytes,
)
from app.web import get_or_404, role_required

admin_required = role_required(Role.ADMIN)
RANKED_CALL_STATES = frozenset({CallState.IN_REVIEW, CallState.DECIDED, CallState.ARCHIVED})
OPTION_NAMES = ("groups", "pin_in", "pin_out")


def _ranked_call(call_id: int) -> Call:
    call = get_or_404(Call, call_id)
    if call.state not in RANKED_CALL_STATES:
        abort(404)  # nothing to rank before the review starts
    return call


def _rank_with_options(call: Call):
    """Return the ranking, the options form (validated) and the suggested set."""
    threshold = Decimal(str(current_app.config["REVIEW_DISAGREEMENT_SPREAD"]))
    ranking = build_ranking(call, threshold=threshold)
    form = RankingOptionsForm(request.args)
    form.candidates = {
        row.reference.upper(): row.proposal_id for row in ranking.rows if row.score is not None
    }
    form.unscored = frozenset(row.reference.upper() for row in ranking.rows if row.score is None)
    selection = suggest(ranking, form.options())
    return ranking, form, selection


def _option_args() -> dict[str, str]:
    # The suggestion's options as given, for the links that keep them (sorting, the packet).
    return {name: request.args[name] for name in OPTION_NAMES if request.args.get(name)}


@bp.route("/calls/<int:call_id>/ranking")
@admin_required
def ranking(call_id: int):
    """Show the call's ranking with the funding line, the offsets and the suggested set."""
    call = _ranked_call(call_id)
    ranking, form, selection = _rank_with_options(call)
    sort = form.sort_key
    return render_template(
        "decisions/ranking.html",
        call=call,
        ranking=ranking,
        rows=sorted_rows(ranking, sort),
        sort=sort,
        form=form,
        selection=selection,
        option_args=_option_args(),
        can_accept="decisions.accept_suggestion" in current_app.view_functions,
    )


@bp.route("/calls/<int:call_id>/packet.<any(csv, xlsx):fmt>")
@admin_required
def packet(call_id: int, fmt: str):
    """Download the decision packet (add ?anonymised=1 for one with no personal names)."""
    call = _ranked_call(call_id)
    ranking, _, selection = _rank_with_options(call)
    anonymised = request.args.get("anonymised") == "1"
    exports = packet_exports(ranking, selection, anonymised=anonymised)
    headers = attachment_headers(
        packet_filename(ranking, fmt, clock.today(), anonymised=anonymised)
    )
    headers["Cache-Control"] = "no-store, private"
    if fmt == "csv":
        return Response(
            stream_with_context(csv_sections_chunks(exports)),
            mimetype=CSV_MIMETYPE,
            headers=headers,
        )
    return Response(xlsx_workbook_bytes(exports), mimetype=XLSX_MIMETYPE, headers=headers)
