"""Exports for spreadsheets: formula escaping, CSV streamed in chunks, Excel in write-only mode."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from app.extensions import db

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FETCH_BATCH = 1000


def escape_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class Export:
    """A dataset to export: its sheet name, column headings and rows of plain values."""

    name: str
    header: tuple[str, ...]
    rows: Iterator[tuple]


def stream_rows(query: sa.Select, batch: int = FETCH_BATCH) -> Iterator[tuple]:
    """Yield the rows of a select, fetched `batch` at a time, so memory stays flat.

    yield_per uses a server-side cursor on PostgreSQL and fetches from SQLite's cursor in
    batches; nothing is read before the first row is asked for.
    """
    for row in db.session.execute(query.execution_options(yield_per=batch)):
        yield tuple(row)


def money_text(value: Decimal) -> str:
    """Return an amount with two decimals and no separators (12500.00)."""
    return str(value.quantize(Decimal("0.01")))


def _utc(value: datetime) -> datetime:
    # Spreadsheets have no time zones: times go out as UTC (the headings say so).
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def csv_value(value) -> str:
    """Return a value as CSV text: booleans yes/no, enums by value, formulas escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime):
        return _utc(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return escape_formula(str(value))


def csv_chunks(export: Export, batch: int = 500) -> Iterator[str]:
    """Yield the export as CSV text in chunks: a BOM (for Excel), the header, then rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(export.header)
    for count, row in enumerate(export.rows, start=1):
        writer.writerow([csv_value(value) for value in row])
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_value(value):
    """Return a value for an Excel cell: numbers and dates stay typed, strings escaped."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        # openpyxl stores a string starting with "=" as a formula, and refuses control codes.
        return escape_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, datetime):
        return _utc(value)
    return value  # numbers and dates stay typed, so the spreadsheet can sum and sort them


def xlsx_bytes(export: Export) -> bytes:
    """Return the export as an Excel workbook (written row by row, in write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.name.capitalize())
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for heading in export.header:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in export.rows:
        sheet.append([xlsx_value(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def attachment_headers(filename: str) -> dict[str, str]:
    """Return the header that makes a browser download the response as `filename`."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_sections_chunks(exports: list[Export]) -> Iterator[str]:
    """Yield several datasets as one CSV: each after a line naming it, a blank line between."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    for number, export in enumerate(exports):
        if number:
            writer.writerow([])
        writer.writerow([export.name])
        writer.writerow(export.header)
        for row in export.rows:
            writer.writerow([csv_value(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_workbook_bytes(exports: list[Export]) -> bytes:
    """Return several datasets as one Excel workbook, a sheet each (write-only mode)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for export in exports:
        sheet = workbook.create_sheet(export.name[:31])  # Excel's limit on a sheet's name
        sheet.freeze_panes = "A2"
        header = []
        for heading in export.header:
            cell = WriteOnlyCell(sheet, value=heading)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in export.rows:
            sheet.append([xlsx_value(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
