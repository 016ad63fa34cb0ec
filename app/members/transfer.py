"""Move members in and out in bulk: CSV import of organizations with contacts and a first
term (checked in full before anything is written), and CSV / Excel exports."""

import csv
import io
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.orm import aliased

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import User
from app.errors import ValidationError
from app.extensions import db
from app.members import queries
from app.members.models import (
    Contact,
    ContactRole,
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    MembershipTerm,
    Organization,
    Tier,
)
from app.spreadsheets import Export, money_text, stream_rows

# The columns of an import file, in the template's order.
ORGANIZATION_COLUMNS = ("name", "sector", "country", "website", "tier", "themes")
MAX_CONTACTS = 3
CONTACT_FIELDS = ("name", "email", "role")
CONTACT_COLUMNS = tuple(
    f"contact{number}_{name}" for number in range(1, MAX_CONTACTS + 1) for name in CONTACT_FIELDS
)
TERM_COLUMNS = ("term_start", "term_end", "annual_fee", "seed_commitment", "signed_on")
COLUMNS = ORGANIZATION_COLUMNS + CONTACT_COLUMNS + TERM_COLUMNS
REQUIRED_COLUMNS = ("name", "tier")

# Longest values the columns hold (see models.py).
LIMITS = {"name": 200, "sector": 120, "country": 80, "website": 300, "themes": 5000}
CONTACT_LIMITS = {"name": 200, "email": 254}
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)

UTF8 = "UTF-8"
WINDOWS_1252 = "Windows-1252"

# Strict ASCII dot-atom addresses pass at once; anything else goes to email_validator, which
# is right about the odd cases but costs ~60 µs a call (2 s for 30,000 contacts).
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")


class ImportRefused(ValidationError):
    """Rows of the file break the rules; nothing was written. `check` says which."""

    def __init__(self, message: str, check: "ImportCheck"):
        super().__init__(message)
        self.check = check


# Reading the file


@dataclass(frozen=True)
class SourceRow:
    """One record of the file as typed: its row number in a spreadsheet and its cells."""

    number: int  # the header is row 1, so the first member is row 2
    cells: Mapping[str, str]
    extra_cells: int = 0  # non-empty cells beyond the header's columns


@dataclass
class ParsedFile:
    """What an uploaded file holds, or why it cannot be read as members."""

    encoding: str = UTF8
    delimiter: str = ","
    columns: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """Tell whether the file has members to check (no file-wide problem)."""
        return not self.problems


def decode(data: bytes) -> tuple[str, str]:
    """Return the text of an upload and its encoding: UTF-8 (BOM or not), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), WINDOWS_1252
    except UnicodeDecodeError:
        # Five bytes have no Windows-1252 character; Latin-1 reads them as the control codes
        # they are there, so no byte stops the file from being read.
        return data.decode("latin-1"), WINDOWS_1252


def _delimiter(first_line: str) -> str:
    # Excel saves "CSV" with semicolons where the decimal separator is a comma.
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def _column_name(heading: str) -> str:
    return re.sub(r"[\s-]+", "_", heading.strip().lower())


def parse_csv(data: bytes) -> ParsedFile:
    """Read an uploaded CSV into rows keyed by column, noting file-wide problems."""
    parsed = ParsedFile()
    if not data.strip():
        parsed.problems.append("The file is empty.")
        return parsed
    if b"\x00" in data:
        parsed.problems.append(
            "This is not a CSV text file (it holds binary data, or is saved as UTF-16). "
            "In Excel, choose File › Save As › “CSV UTF-8 (Comma delimited)”."
        )
        return parsed
    text, parsed.encoding = decode(data)
    parsed.delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        parsed.problems.append(f"The file is not valid CSV (line {reader.line_num}): {error}.")
        return parsed
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        parsed.problems.append("The file is empty.")
        return parsed
    header = [_column_name(cell) for cell in records[0]]
    # Spreadsheets often add empty columns at the right; they mean nothing.
    while header and not header[-1]:
        header.pop()
    parsed.columns = header
    _check_header(header, parsed.problems)
    if parsed.problems:
        return parsed
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {column: cell.strip() for column, cell in zip(header, record, strict=False)}
        extra = sum(1 for cell in record[len(header) :] if cell.strip())
        parsed.rows.append(SourceRow(index, cells, extra))
    if not parsed.rows:
        parsed.problems.append(
            "The file has a header row but no members below it. Add one row per organization."
        )
    return parsed


def _check_header(header: list[str], problems: list[str]) -> None:
    if "" in header:
        problems.append("A column in the header row has no name.")
    repeated = sorted({name for name, count in Counter(header).items() if count > 1 and name})
    if repeated:
        problems.append(f"These columns appear more than once: {', '.join(repeated)}.")
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        problems.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            "Use the column names of the template."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(
            f"The header row lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{' and '.join(missing)}. Is the first row the column names?"
        )


# Checking the rows


@dataclass(frozen=True)
class TierRef:
    """What a row needs of a tier."""

    id: int
    name: str
    annual_fee: Decimal


@dataclass(frozen=True)
class ContactRow:
    """A contact as it will be created."""

    name: str
    email: str
    role: ContactRole


@dataclass(frozen=True)
class TermRow:
    """A first term as it will be created."""

    starts_on: date
    ends_on: date
    annual_fee: Decimal
    seed_commitment: Decimal
    signed_on: date | None


@dataclass(frozen=True)
class OrganizationRow:
    """An organization, its contacts and its first term, as they will be created."""

    name: str
    sector: str
    country: str
    website: str
    themes: str
    tier: TierRef
    contacts: tuple[ContactRow, ...]
    term: TermRow | None


@dataclass
class RowCheck:
    """One row of the file with its problems, or what it will create when it has none."""

    source: SourceRow
    errors: list[str]
    row: OrganizationRow | None

    @property
    def name(self) -> str:
        """Return the organization's name as typed."""
        return self.source.cells.get("name", "")


@dataclass
class ImportCheck:
    """Every row of a file, checked against the rules and the database."""

    rows: list[RowCheck]

    @property
    def invalid(self) -> list[RowCheck]:
        """Return the rows with problems."""
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        """Tell whether the file can be imported as it is."""
        return bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def contact_count(self) -> int:
        """Return how many contacts the valid rows create."""
        return sum(len(row.row.contacts) for row in self.rows if row.row)

    @property
    def term_count(self) -> int:
        """Return how many terms the valid rows create."""
        return sum(1 for row in self.rows if row.row and row.row.term)


def _quoted(value: str) -> str:
    return f"“{value}”"


def parse_date(text: str) -> date | None:
    """Return the date written as YYYY-MM-DD, or None when it is not one."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_amount(text: str) -> Decimal | None:
    """Return a non-negative amount such as 50000, 50,000.00 or $1,250.5, or None."""
    cleaned = text.replace(" ", "").lstrip("$€£")
    if not _AMOUNT.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def normalize_email(text: str) -> str | None:
    """Return the address in canonical form (trimmed, lower case), or None if it is not one."""
    address = text.strip()
    if len(address) > CONTACT_LIMITS["email"]:
        return None
    if _PLAIN_EMAIL.fullmatch(address) and len(address.split("@", 1)[0]) <= 64:
        return address.lower()
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return address.lower()


def normalize_website(text: str) -> str | None:
    """Return a web address with its scheme (https:// added when missing), or None."""
    if not text:
        return ""
    address = text if re.match(r"[a-z][a-z0-9+.-]*://", text, re.I) else f"https://{text}"
    parts = urlsplit(address)
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc:
        return None
    if re.search(r"\s", address):
        return None
    return address


def normalize_themes(text: str) -> str:
    """Return the themes separated by ", " whether typed with commas or semicolons."""
    themes = [theme.strip() for theme in re.split(r"[;,]", text) if theme.strip()]
    return ", ".join(dict.fromkeys(themes))


def parse_role(text: str) -> ContactRole | None:
    """Return the contact role named (primary when blank), or None for an unknown one."""
    if not text:
        return ContactRole.PRIMARY
    try:
        return ContactRole(re.sub(r"[\s-]+", "_", text.strip().lower()))
    except ValueError:
        return None


ROLE_NAMES = ", ".join(role.value for role in ContactRole)


def _check_contacts(cells: Mapping[str, str], errors: list[str]) -> tuple[ContactRow, ...]:
    contacts = []
    seen: dict[str, int] = {}
    for number in range(1, MAX_CONTACTS + 1):
        prefix = f"contact{number}_"
        name = cells.get(prefix + "name", "")
        email_text = cells.get(prefix + "email", "")
        role_text = cells.get(prefix + "role", "")
        if not (name or email_text or role_text):
            continue
        before = len(errors)
        if not name:
            errors.append(f"{prefix}name is missing (the row has {prefix}email or role).")
        elif len(name) > CONTACT_LIMITS["name"]:
            errors.append(f"{prefix}name is longer than {CONTACT_LIMITS['name']} characters.")
        email = None
        if not email_text:
            errors.append(f"{prefix}email is missing.")
        else:
            email = normalize_email(email_text)
            if email is None:
                errors.append(f"{prefix}email {_quoted(email_text)} is not a valid email address.")
            elif email in seen:
                errors.append(f"{prefix}email is the same as contact{seen[email]}_email.")
            else:
                seen[email] = number
        role = parse_role(role_text)
        if role is None:
            errors.append(
                f"{prefix}role {_quoted(role_text)} is not a contact role; use one of "
                f"{ROLE_NAMES} (blank means primary)."
            )
        if len(errors) == before:
            contacts.append(ContactRow(name, email, role))
    return tuple(contacts)


def _check_term(
    cells: Mapping[str, str], tier: TierRef | None, errors: list[str]
) -> TermRow | None:
    texts = {column: cells.get(column, "") for column in TERM_COLUMNS}
    if not any(texts.values()):
        return None
    before = len(errors)
    dates: dict[str, date | None] = {}
    for column in ("term_start", "term_end", "signed_on"):
        dates[column] = parse_date(texts[column]) if texts[column] else None
        if texts[column] and dates[column] is None:
            errors.append(
                f"{column} {_quoted(texts[column])} is not a date; write it as YYYY-MM-DD."
            )
    amounts: dict[str, Decimal | None] = {}
    for column in ("annual_fee", "seed_commitment"):
        text = texts[column]
        amounts[column] = parse_amount(text) if text else None
        if not text:
            continue
        if amounts[column] is None:
            reason = "cannot be negative" if text.startswith("-") else "is not an amount"
            errors.append(f"{column} {_quoted(text)} {reason}; write it like 50000 or 50000.00.")
        elif amounts[column] > MAX_AMOUNT:
            errors.append(f"{column} {_quoted(text)} is too large.")
    starts_on, ends_on = dates["term_start"], dates["term_end"]
    if not texts["term_start"]:
        given = ", ".join(column for column in TERM_COLUMNS if texts[column])
        errors.append(f"{given} given without term_start: a term needs its dates.")
    elif not texts["term_end"]:
        errors.append("term_end is missing: a term with a term_start needs its end date.")
    elif starts_on and ends_on and ends_on < starts_on:
        errors.append(f"The term ends ({ends_on}) before it starts ({starts_on}).")
    if len(errors) > before or tier is None:
        return None
    return TermRow(
        starts_on=starts_on,
        ends_on=ends_on,
        annual_fee=tier.annual_fee if amounts["annual_fee"] is None else amounts["annual_fee"],
        seed_commitment=amounts["seed_commitment"] or Decimal("0"),
        signed_on=dates["signed_on"],
    )


def check_row(
    source: SourceRow,
    *,
    tiers: Mapping[str, TierRef],
    existing: Mapping[str, str],
    seen: dict[str, int],
) -> RowCheck:
    """Check one row against the rules, the tiers and the names taken (in the database or
    earlier in the file, by lower-case name); record its name in `seen`."""
    cells = source.cells
    errors: list[str] = []
    if source.extra_cells:
        errors.append(
            f"The row has {source.extra_cells} more cell{'s' if source.extra_cells > 1 else ''} "
            "than the header has columns."
        )
    name = cells.get("name", "")
    if not name:
        errors.append("Name is missing.")
    else:
        key = name.lower()
        if key in existing:
            errors.append(f"{_quoted(existing[key])} is already a member.")
        elif key in seen:
            errors.append(f"Row {seen[key]} has the same organization ({_quoted(name)}).")
        else:
            seen[key] = source.number
    for column in ("name", "sector", "country", "themes"):
        if len(cells.get(column, "")) > LIMITS[column]:
            errors.append(f"{column} is longer than {LIMITS[column]} characters.")
    website = normalize_website(cells.get("website", ""))
    if website is None:
        errors.append(f"website {_quoted(cells['website'])} is not a web address.")
    elif len(website) > LIMITS["website"]:
        errors.append(f"website is longer than {LIMITS['website']} characters.")
    tier_name = cells.get("tier", "")
    tier = tiers.get(tier_name.lower()) if tier_name else None
    if not tier_name:
        errors.append("Tier is missing.")
    elif tier is None:
        names = ", ".join(sorted(ref.name for ref in tiers.values())) or "none yet"
        errors.append(f"Unknown tier {_quoted(tier_name)}; the tiers are: {names}.")
    contacts = _check_contacts(cells, errors)
    term = _check_term(cells, tier, errors)
    if errors:
        return RowCheck(source, errors, None)
    return RowCheck(
        source,
        errors,
        OrganizationRow(
            name=name,
            sector=cells.get("sector", ""),
            country=cells.get("country", ""),
            website=website,
            themes=normalize_themes(cells.get("themes", "")),
            tier=tier,
            contacts=contacts,
            term=term,
        ),
    )


def check_rows(
    rows: Iterable[SourceRow], *, tiers: Mapping[str, TierRef], existing: Mapping[str, str]
) -> ImportCheck:
    """Check every row (pure): `tiers` and `existing` map lower-case names to tier / name."""
    seen: dict[str, int] = {}
    return ImportCheck([check_row(row, tiers=tiers, existing=existing, seen=seen) for row in rows])


def tiers_by_name() -> dict[str, TierRef]:
    """Return every tier by lower-case name (one query)."""
    result = db.session.execute(sa.select(Tier.id, Tier.name, Tier.annual_fee))
    return {name.lower(): TierRef(id_, name, fee) for id_, name, fee in result}


def organization_names() -> dict[str, str]:
    """Return every organization's name by its lower-case form (one query)."""
    return {name.lower(): name for name in db.session.scalars(sa.select(Organization.name))}


def check_import(rows: Iterable[SourceRow]) -> ImportCheck:
    """Check every row against the rules and the database as it is now (two queries)."""
    return check_rows(rows, tiers=tiers_by_name(), existing=organization_names())


# Writing


@dataclass(frozen=True)
class ImportResult:
    """What an import created."""

    organizations: int
    contacts: int
    terms: int
    statuses: Mapping[str, int]


def import_organizations(
    rows: Sequence[SourceRow], *, actor: User, reference: str | None = None
) -> ImportResult:
    """Create the organizations of a file with their contacts and first terms: all or none.

    Every row is checked again first (the database may have changed since the preview).
    Invoices are not issued for imported terms. Writes with bulk inserts and never commits.
    Side effects: organizations, contacts and terms; each organization's recorded status,
    derived from its term; audit `organization.imported` per organization and one
    `members.imported` (subject `import` `reference`) for the file.
    Raises: ImportRefused (a ValidationError carrying the check) when any row has a problem
    or there are no rows.
    """
    check = check_import(rows)
    if not check.ok:
        count = len(check.invalid)
        message = (
            "The file has no members to import."
            if not check.rows
            else f"{count} row{'s' if count != 1 else ''} of the file "
            f"{'have' if count != 1 else 'has'} problems; nothing was imported."
        )
        raise ImportRefused(message, check)
    valid = [row.row for row in check.rows]
    today = clock.today()
    grace_days = current_app.config["MEMBERSHIP_GRACE_DAYS"]
    organization_ids = _insert_organizations(valid, today)
    contact_count = _insert_contacts(valid, organization_ids)
    term_count = _insert_terms(valid, organization_ids)
    statuses = _record_statuses(valid, organization_ids, today, grace_days)
    reference = reference or secrets.token_hex(16)
    _audit(valid, organization_ids, statuses, actor, reference, contact_count, term_count)
    return ImportResult(
        organizations=len(valid),
        contacts=contact_count,
        terms=term_count,
        statuses=dict(Counter(status.value for status in statuses)),
    )


def _insert_organizations(rows: list[OrganizationRow], today: date) -> list[int]:
    values = [
        {
            "name": row.name,
            "sector": row.sector,
            "country": row.country,
            "website": row.website,
            "themes": row.themes,
            "tier_id": row.tier.id,
            "recorded_status": MembershipStatus.PROSPECT,
            "recorded_status_on": today,
            "version": 1,
        }
        for row in rows
    ]
    # An executemany INSERT, then the new ids by name (unique, checked above): psycopg parses
    # a multi-row INSERT … RETURNING placeholder by placeholder (2 s for 10,000 rows), and
    # SQLite with sort_by_parameter_order inserts one row per statement. Ids come from a
    # sequence (or SQLite's max rowid + 1), so ours are all above the largest id seen before.
    table = Organization.__table__
    before = db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    db.session.execute(sa.insert(table), values)
    inserted = db.session.execute(sa.select(table.c.id, table.c.name).where(table.c.id > before))
    ids = {name: organization_id for organization_id, name in inserted}
    missing = [row.name for row in rows if row.name not in ids]
    # Only when rows were given ids by hand above the sequence, so that ours fall below.
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        ids.update(
            (name, organization_id)
            for organization_id, name in db.session.execute(
                sa.select(table.c.id, table.c.name).where(table.c.name.in_(chunk))
            )
        )
    return [ids[row.name] for row in rows]


def _insert_contacts(rows: list[OrganizationRow], organization_ids: list[int]) -> int:
    values = [
        {
            "organization_id": organization_id,
            "name": contact.name,
            "email": contact.email,
            "role": contact.role,
            "phone": "",
            "title": "",
        }
        for row, organization_id in zip(rows, organization_ids, strict=True)
        for contact in row.contacts
    ]
    if values:
        db.session.execute(sa.insert(Contact.__table__), values)
    return len(values)


def _insert_terms(rows: list[OrganizationRow], organization_ids: list[int]) -> int:
    values = [
        {
            "organization_id": organization_id,
            "tier_id": row.tier.id,
            "starts_on": row.term.starts_on,
            "ends_on": row.term.ends_on,
            "annual_fee": row.term.annual_fee,
            "seed_commitment": row.term.seed_commitment,
            "signed_on": row.term.signed_on,
        }
        for row, organization_id in zip(rows, organization_ids, strict=True)
        if row.term is not None
    ]
    if values:
        db.session.execute(sa.insert(MembershipTerm.__table__), values)
    return len(values)


def _record_statuses(
    rows: list[OrganizationRow], organization_ids: list[int], today: date, grace_days: int
) -> list[MembershipStatus]:
    """Derive each new organization's status in SQL, as everywhere else, and store it."""
    statuses = [MembershipStatus.PROSPECT] * len(rows)
    if not any(row.term for row in rows):
        return statuses
    # One query over the id range; rows another transaction added inside it are skipped.
    derived = dict(
        db.session.execute(
            sa.select(Organization.id, queries.status_expression(today, grace_days)).where(
                Organization.id.between(min(organization_ids), max(organization_ids))
            )
        ).all()
    )
    statuses = [MembershipStatus(derived[org_id]) for org_id in organization_ids]
    changed = [
        {"org_id": org_id, "status": status}
        for org_id, status in zip(organization_ids, statuses, strict=True)
        if status != MembershipStatus.PROSPECT
    ]
    if changed:
        table = Organization.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("org_id"))
            .values(recorded_status=sa.bindparam("status")),
            changed,
        )
    return statuses


def _audit(
    rows: list[OrganizationRow],
    organization_ids: list[int],
    statuses: list[MembershipStatus],
    actor: User,
    reference: str,
    contact_count: int,
    term_count: int,
) -> None:
    events = [
        {
            "actor_id": actor.id,
            "action": "organization.imported",
            "subject_type": "organization",
            "subject_id": str(organization_id),
            "detail": {
                "name": row.name,
                "tier": row.tier.name,
                "contacts": [contact.email for contact in row.contacts],
                "term": None
                if row.term is None
                else {
                    "starts_on": row.term.starts_on.isoformat(),
                    "ends_on": row.term.ends_on.isoformat(),
                    "annual_fee": money_text(row.term.annual_fee),
                    "seed_commitment": money_text(row.term.seed_commitment),
                },
                "status": status.value,
                "import": reference,
            },
        }
        for row, organization_id, status in zip(rows, organization_ids, statuses, strict=True)
    ]
    events.append(
        {
            "actor_id": actor.id,
            "action": "members.imported",
            "subject_type": "import",
            "subject_id": reference,
            "detail": {
                "organizations": len(rows),
                "contacts": contact_count,
                "terms": term_count,
                "first_id": min(organization_ids),
                "last_id": max(organization_ids),
            },
        }
    )
    db.session.execute(sa.insert(AuditEvent.__table__), events)


# Keeping the upload between preview and confirmation


def upload_dir() -> Path:
    """Return the directory holding uploads awaiting confirmation (outside the web root)."""
    return Path(current_app.config["IMPORT_DIR"])


def store_upload(data: bytes) -> str:
    """Save an upload under a new random token and return the token.

    Uploads older than IMPORT_KEEP_HOURS, never confirmed, are deleted on the way.
    """
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(directory, current_app.config["IMPORT_KEEP_HOURS"] * 3600)
    token = secrets.token_hex(16)
    path = directory / f"{token}.csv"
    with path.open("xb") as handle:
        handle.write(data)
    return token


def _upload_path(token: str) -> Path | None:
    # The token names a file: anything but 32 hex digits could reach outside the directory.
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return upload_dir() / f"{token}.csv"


def load_upload(token: str) -> bytes | None:
    """Return the saved upload of a token, or None when the token is malformed or unknown."""
    path = _upload_path(token)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def discard_upload(token: str) -> None:
    """Delete the saved upload of a token, if there is one."""
    path = _upload_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def _sweep(directory: Path, max_age_seconds: int) -> None:
    cutoff = time.time() - max_age_seconds
    for path in directory.glob("*.csv"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another process swept it first
            pass


# The template


def template_csv(tier_name: str, starts_on: date, ends_on: date) -> str:
    """Return a template import file: the header row and one example row (with a BOM)."""
    example = {
        "name": "Example Manufacturing Inc.",
        "sector": "Manufacturing",
        "country": "United States",
        "website": "https://www.example.com",
        "tier": tier_name,
        "themes": "AI for manufacturing; Robotics",
        "contact1_name": "Ada Lovelace",
        "contact1_email": "ada.lovelace@example.com",
        "contact1_role": "primary",
        "contact2_name": "Charles Babbage",
        "contact2_email": "charles.babbage@example.com",
        "contact2_role": "billing",
        "term_start": starts_on.isoformat(),
        "term_end": ends_on.isoformat(),
        "annual_fee": "",
        "seed_commitment": "100000.00",
        "signed_on": starts_on.isoformat(),
    }
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow([example.get(column, "") for column in COLUMNS])
    return buffer.getvalue()


# Exports

DATASETS = ("members", "contacts", "invoices")
FORMATS = ("csv", "xlsx")


def _current_term_id(today: date) -> sa.ScalarSelect:
    # The term covering today, else the one that ends last (a lapsed member's last term, or
    # a prospect's signed future term).
    term = aliased(MembershipTerm)
    covers_today = sa.and_(term.starts_on <= today, term.ends_on >= today)
    return (
        sa.select(term.id)
        .where(term.organization_id == Organization.id)
        .order_by(sa.case((covers_today, 0), else_=1), term.ends_on.desc(), term.id.desc())
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )


def members_export(today: date, grace_days: int) -> Export:
    """Return every member with status, tier, details and its current (else latest) term."""
    query = (
        sa.select(
            Organization.name,
            queries.status_expression(today, grace_days),
            Tier.name,
            Organization.sector,
            Organization.country,
            Organization.website,
            Organization.themes,
            MembershipTerm.starts_on,
            MembershipTerm.ends_on,
            MembershipTerm.annual_fee,
            MembershipTerm.seed_commitment,
            MembershipTerm.signed_on,
        )
        .join(Tier, Organization.tier_id == Tier.id)
        .outerjoin(MembershipTerm, MembershipTerm.id == _current_term_id(today))
        .order_by(sa.func.lower(Organization.name), Organization.id)
    )
    header = (
        "name",
        "status",
        "tier",
        "sector",
        "country",
        "website",
        "themes",
        "term_start",
        "term_end",
        "annual_fee",
        "seed_commitment",
        "signed_on",
    )
    return Export("members", header, stream_rows(query))


def contacts_export() -> Export:
    """Return every contact with its organization."""
    query = (
        sa.select(
            Organization.name,
            Contact.name,
            Contact.email,
            Contact.role,
            Contact.title,
            Contact.phone,
            Contact.user_id.is_not(None),
        )
        .join(Contact.organization)
        .order_by(sa.func.lower(Organization.name), Contact.name, Contact.id)
    )
    header = ("organization", "name", "email", "role", "title", "phone", "representative")
    return Export("contacts", header, stream_rows(query))


def invoices_export(today: date) -> Export:
    """Return every invoice with its organization, term and whether it is overdue."""
    query = (
        sa.select(
            Invoice.number,
            Organization.name,
            Invoice.amount,
            Invoice.status,
            Invoice.issued_on,
            Invoice.due_on,
            sa.and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < today),
            Invoice.paid_on,
            Invoice.payment_reference,
            MembershipTerm.starts_on,
            MembershipTerm.ends_on,
        )
        .join(Invoice.organization)
        .join(Invoice.term)
        .order_by(Invoice.issued_on, Invoice.number)
    )
    header = (
        "number",
        "organization",
        "amount",
        "status",
        "issued_on",
        "due_on",
        "overdue",
        "paid_on",
        "payment_reference",
        "term_start",
        "term_end",
    )
    return Export("invoices", header, stream_rows(query))


def export_dataset(dataset: str) -> Export:
    """Return the named dataset (members, contacts or invoices) as of today."""
    today = clock.today()
    if dataset == "members":
        return members_export(today, current_app.config["MEMBERSHIP_GRACE_DAYS"])
    if dataset == "contacts":
        return contacts_export()
    if dataset == "invoices":
        return invoices_export(today)
    raise ValueError(f"unknown dataset {dataset!r}")


def export_filename(dataset: str, fmt: str, today: date) -> str:
    """Return the download's name, e.g. seedbed-members-2026-11-21.csv."""
    return f"seedbed-{dataset}-{today.isoformat()}.{fmt}"
