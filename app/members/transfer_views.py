"""Administrators import members from CSV (upload, preview, confirm) and export members,
contacts and invoices as CSV or Excel."""

import sqlalchemy as sa
from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import clock
from app.auth.models import Role
from app.extensions import db
from app.members import bp, queries, transfer
from app.members.models import ContactRole, Tier
from app.members.transfer_forms import ConfirmImportForm, ImportForm
from app.spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE, csv_chunks, xlsx_bytes
from app.web import role_required

admin_required = role_required(Role.ADMIN)

PREVIEW_ROWS = 1000  # rows listed on the preview; every row is checked whatever the size
UNKNOWN_IMPORT = (
    "This import is unknown, has expired or has already been done. Upload the file again."
)


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _tiers() -> list[Tier]:
    return db.session.scalars(sa.select(Tier).order_by(Tier.annual_fee.desc(), Tier.name)).all()


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _read_limited(storage, limit: int) -> bytes | None:
    data = storage.stream.read(limit + 1)
    return None if len(data) > limit else data


def _preview(parsed: transfer.ParsedFile, check, token: str | None, filename: str):
    return render_template(
        "members/import_preview.html",
        parsed=parsed,
        check=check,
        confirm_form=ConfirmImportForm(formdata=None, token=token) if token else None,
        filename=filename,
        preview_rows=PREVIEW_ROWS,
        columns=transfer.COLUMNS,
    )


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_csv():
    """Upload a CSV of organizations and see every row checked before anything is written."""
    form = ImportForm()
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if form.validate_on_submit():
        data = _read_limited(form.file.data, limit)
        if data is None:
            form.file.errors.append(
                f"The file is larger than {_size(limit)}. Split it into smaller files."
            )
        else:
            parsed = transfer.parse_csv(data)
            check = transfer.check_import(parsed.rows) if parsed.readable else None
            # Only a file that can be imported is kept for the confirmation.
            token = transfer.store_upload(data) if check is not None and check.ok else None
            return _preview(parsed, check, token, form.file.data.filename or "")
    return render_template(
        "members/import.html",
        form=form,
        tiers=_tiers(),
        roles=list(ContactRole),
        max_size=_size(limit),
        columns=transfer.COLUMNS,
    )


@bp.route("/import/confirm", methods=["POST"])
@admin_required
def import_confirm():
    """Import every row of a previewed file, or none of them."""
    form = ConfirmImportForm()
    data = transfer.load_upload(form.token.data) if form.validate_on_submit() else None
    if data is None:
        flash(UNKNOWN_IMPORT, "danger")
        return redirect(url_for("members.import_csv"))
    token = form.token.data
    parsed = transfer.parse_csv(data)
    try:
        result = transfer.import_organizations(parsed.rows, actor=current_user, reference=token)
    except transfer.ImportRefused as refused:
        # The database changed since the preview (say, a member of the same name was added).
        transfer.discard_upload(token)
        flash(refused.message, "danger")
        return _preview(parsed, refused.check, None, "")
    except IntegrityError:
        db.session.rollback()
        flash(
            "Someone added a member of the same name while this import ran, so nothing was "
            "imported. Upload the file again to see which rows clash.",
            "danger",
        )
        return redirect(url_for("members.import_csv"))
    db.session.commit()
    transfer.discard_upload(token)
    flash(
        f"Imported {_count(result.organizations, 'member')} with "
        f"{_count(result.contacts, 'contact')} and {_count(result.terms, 'term')}. "
        "No invoices were issued for the imported terms.",
        "success",
    )
    return redirect(url_for("members.index"))


@bp.route("/import/template.csv")
@admin_required
def import_template():
    """Download a template import file: the header row and one example row."""
    tiers = _tiers()
    year = queries.fiscal_year(clock.today(), current_app.config["FISCAL_YEAR_START_MONTH"])
    body = transfer.template_csv(
        tiers[0].name if tiers else "Founding", year.starts_on, year.ends_on
    )
    return _attachment(Response(body, mimetype="text/csv"), "seedbed-members-import-template.csv")


@bp.route("/export/<any(members, contacts, invoices):dataset>.<any(csv, xlsx):fmt>")
@admin_required
def export(dataset: str, fmt: str):
    """Download members, contacts or invoices as CSV (streamed) or an Excel workbook."""
    data = transfer.export_dataset(dataset)
    filename = transfer.export_filename(dataset, fmt, clock.today())
    if fmt == "csv":
        response = Response(stream_with_context(csv_chunks(data)), mimetype=CSV_MIMETYPE)
    else:
        response = Response(xlsx_bytes(data), mimetype=XLSX_MIMETYPE)
    return _attachment(response, filename)
