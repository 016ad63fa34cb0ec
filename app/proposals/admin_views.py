"""Administrators list, filter, sort and export every proposal of a call."""

from flask import Response, render_template, request, stream_with_context

from app import clock
from app.auth.models import Role
from app.calls.models import Call
from app.proposals import bp, exports, queries
from app.proposals.admin_forms import ProposalFilterForm
from app.proposals.models import ProposalState
from app.spreadsheets import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    attachment_headers,
    csv_chunks,
    xlsx_bytes,
)
from app.web import get_or_404, paginate_counted, paginate_rows, role_required

admin_required = role_required(Role.ADMIN)
PER_PAGE = 50
FILTER_NAMES = ("state", "q", "applicant", "min_amount", "max_amount", "sort")


def _filter_args() -> dict[str, str]:
    # The filters as given, for links that keep them (export, sorting, state counts); only
    # the form's own names, so that nothing in the query string reaches url_for as an option.
    return {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}


@bp.route("/admin/call/<int:call_id>")
@admin_required
def admin_list(call_id: int):
    """List a call's proposals in every state, 50 a page, with counts by state."""
    call = get_or_404(Call, call_id)
    filters = ProposalFilterForm(request.args)
    criteria = filters.criteria()
    # A text filter scans every proposal of the call: count the matches in that same pass.
    paginate = (
        paginate_counted if criteria.get("keyword") or criteria.get("applicant") else paginate_rows
    )
    page = paginate(queries.proposals_for_call(call, **criteria), per_page=PER_PAGE)
    rows = queries.proposal_rows([ident for (ident,) in page.items])
    args = _filter_args()
    return render_template(
        "proposals/admin_list.html",
        call=call,
        page=page,
        rows=rows,
        filters=filters,
        counts=queries.state_counts(call),
        sort=criteria["sort"],
        args=args,
        filtered=any(key != "sort" for key in args),
        withdrawn=ProposalState.WITHDRAWN,
    )


@bp.route("/admin/call/<int:call_id>/export.<any(csv, xlsx):fmt>")
@admin_required
def admin_export(call_id: int, fmt: str):
    """Download the call's proposals, filtered and sorted as the list, as CSV or Excel."""
    call = get_or_404(Call, call_id)
    data = exports.proposals_export(call, **ProposalFilterForm(request.args).criteria())
    headers = attachment_headers(exports.export_filename(call, fmt, clock.today()))
    if fmt == "csv":
        # Streamed: rows are read from the database batch by batch as the client takes them.
        return Response(
            stream_with_context(csv_chunks(data)), mimetype=CSV_MIMETYPE, headers=headers
        )
    return Response(xlsx_bytes(data), mimetype=XLSX_MIMETYPE, headers=headers)
