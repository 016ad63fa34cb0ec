"""Member import and export: parsing, checking every row, writing all or nothing, exports."""

import csv
import io
import os
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app import clock, spreadsheets
from app.audit.models import AuditEvent
from app.extensions import db
from app.members import services, transfer
from app.members.models import (
    Contact,
    ContactRole,
    MembershipStatus,
    MembershipTerm,
    Organization,
)
from app.members.queries import organization_status
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
)

TODAY = date(2026, 6, 15)
GRACE = 60


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


@pytest.fixture
def admin():
    return UserFactory(admin=True)


@pytest.fixture
def founding():
    return TierFactory(name="Founding", annual_fee=Decimal("250000.00"))


@pytest.fixture
def associate():
    return TierFactory(name="Associate", annual_fee=Decimal("25000.00"))


def csv_bytes(rows: list[dict], columns=transfer.COLUMNS, encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def check(rows: list[dict]) -> transfer.ImportCheck:
    parsed = transfer.parse_csv(csv_bytes(rows))
    assert parsed.problems == []
    return transfer.check_import(parsed.rows)


GOOD = [
    {
        "name": "Acme Robotics",
        "sector": "Manufacturing",
        "country": "United States",
        "website": "acme.example.com",
        "tier": "founding",
        "themes": "AI for manufacturing; Robotics",
        "contact1_name": "Ada Lovelace",
        "contact1_email": "Ada@Acme.Example.com",
        "contact2_name": "Charles Babbage",
        "contact2_email": "cb@acme.example.com",
        "contact2_role": "Advisory board",
        "term_start": "2026-01-01",
        "term_end": "2026-12-31",
        "seed_commitment": "100,000.00",
        "signed_on": "2025-12-15",
    },
    {"name": "Beta Bio", "tier": "Associate", "country": "France"},
    {
        "name": "Gamma Grace",
        "tier": "Associate",
        "term_start": "2025-05-01",
        "term_end": "2026-04-30",
        "annual_fee": "$20,000",
    },
    {
        "name": "Delta Lapsed",
        "tier": "Associate",
        "term_start": "2024-01-01",
        "term_end": "2024-12-31",
    },
    {
        "name": "Epsilon Future",
        "tier": "Associate",
        "term_start": "2026-07-01",
        "term_end": "2027-06-30",
    },
]


# Importing a good file


def test_good_file_creates_organizations_contacts_terms_and_audit_events(
    admin, founding, associate
):
    rows = transfer.parse_csv(csv_bytes(GOOD)).rows

    result = transfer.import_organizations(rows, actor=admin, reference="a" * 32)

    assert (result.organizations, result.contacts, result.terms) == (5, 2, 4)
    acme = db.session.scalar(sa.select(Organization).where(Organization.name == "Acme Robotics"))
    assert (acme.tier, acme.sector, acme.country, acme.website, acme.themes) == (
        founding,
        "Manufacturing",
        "United States",
        "https://acme.example.com",
        "AI for manufacturing, Robotics",
    )
    assert [(c.name, c.email, c.role) for c in acme.contacts] == [
        ("Ada Lovelace", "ada@acme.example.com", ContactRole.PRIMARY),
        ("Charles Babbage", "cb@acme.example.com", ContactRole.ADVISORY_BOARD),
    ]
    [term] = acme.terms
    assert (term.tier, term.starts_on, term.ends_on) == (
        founding,
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert (term.annual_fee, term.seed_commitment, term.signed_on) == (
        Decimal("250000.00"),  # the tier's fee when the column is blank
        Decimal("100000.00"),
        date(2025, 12, 15),
    )
    gamma = db.session.scalar(sa.select(Organization).where(Organization.name == "Gamma Grace"))
    assert gamma.terms[0].annual_fee == Decimal("20000.00")
    assert count(AuditEvent) == 6
    imported = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "organization.imported")
    ).all()
    assert sorted(int(event.subject_id) for event in imported) == sorted(
        db.session.scalars(sa.select(Organization.id))
    )
    assert imported[0].detail["contacts"] == ["ada@acme.example.com", "cb@acme.example.com"]
    assert imported[0].actor_id == admin.id
    [summary] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "members.imported")
    ).all()
    assert (summary.subject_type, summary.subject_id) == ("import", "a" * 32)
    assert summary.detail["organizations"] == 5


def test_imported_status_is_recorded_as_derived_from_the_term(admin, founding, associate):
    transfer.import_organizations(transfer.parse_csv(csv_bytes(GOOD)).rows, actor=admin)
    db.session.expire_all()

    recorded = {
        org.name: org.recorded_status for org in db.session.scalars(sa.select(Organization))
    }

    assert recorded == {
        "Acme Robotics": MembershipStatus.ACTIVE,
        "Beta Bio": MembershipStatus.PROSPECT,
        "Gamma Grace": MembershipStatus.GRACE,
        "Delta Lapsed": MembershipStatus.LAPSED,
        "Epsilon Future": MembershipStatus.PROSPECT,
    }
    for organization in db.session.scalars(sa.select(Organization)):
        assert organization.recorded_status == organization_status(organization, TODAY, GRACE)
        assert organization.recorded_status_on == TODAY


def test_imported_terms_issue_no_invoices(app, admin, founding, associate):
    assert app.config["INVOICE_ON_NEW_TERM"] is True

    transfer.import_organizations(transfer.parse_csv(csv_bytes(GOOD)).rows, actor=admin)

    assert db.session.scalar(sa.text("SELECT count(*) FROM invoices")) == 0


def test_imported_organizations_work_with_the_ordinary_services(admin, associate):
    transfer.import_organizations(transfer.parse_csv(csv_bytes(GOOD[1:2])).rows, actor=admin)
    organization = db.session.scalar(sa.select(Organization))

    services.update_organization(
        organization,
        actor=admin,
        expected_version=organization.version,
        name="Beta Biologics",
        sector="",
        country="France",
        website="",
        themes="",
        tier_id=associate.id,
    )
    db.session.flush()

    assert (organization.name, organization.version) == ("Beta Biologics", 2)


def test_contacts_and_terms_go_to_their_own_organization_even_after_hand_set_ids(admin, founding):
    OrganizationFactory(id=1_000_000, name="Hand-numbered", tier=founding)
    rows = [
        {"name": f"Company {n}", "tier": "Founding", "contact1_name": f"P{n}",
         "contact1_email": f"p{n}@company{n}.example", "term_start": f"20{10 + n}-01-01",
         "term_end": f"20{10 + n}-12-31"}
        for n in range(5)
    ]  # fmt: skip

    transfer.import_organizations(transfer.parse_csv(csv_bytes(rows)).rows, actor=admin)

    for organization in db.session.scalars(
        sa.select(Organization).where(Organization.name.like("Company %"))
    ):
        n = int(organization.name.split()[1])
        assert [contact.email for contact in organization.contacts] == [f"p{n}@company{n}.example"]
        assert organization.terms[0].starts_on == date(2010 + n, 1, 1)


# Reading files


def test_latin1_file_is_read_as_windows_1252(admin, founding):
    data = csv_bytes(
        [{"name": "Société Générale", "tier": "Founding", "contact1_name": "Zoë Müller",
          "contact1_email": "zoe@sg.example.fr"}],
        encoding="latin-1",
    )  # fmt: skip

    parsed = transfer.parse_csv(data)
    transfer.import_organizations(parsed.rows, actor=admin)

    assert parsed.encoding == "Windows-1252"
    organization = db.session.scalar(sa.select(Organization))
    assert organization.name == "Société Générale"
    assert organization.contacts[0].name == "Zoë Müller"


def test_windows_1252_only_characters_are_read():
    data = "name,tier\n“Smart” Works – Ltd,Founding\n".encode("cp1252")

    parsed = transfer.parse_csv(data)

    assert parsed.rows[0].cells["name"] == "“Smart” Works – Ltd"


def test_utf8_with_and_without_bom_read_alike():
    rows = [{"name": "Ørsted Øresund", "tier": "Founding"}]

    with_bom = transfer.parse_csv(csv_bytes(rows, bom=True))
    without = transfer.parse_csv(csv_bytes(rows))

    assert with_bom.problems == without.problems == []
    assert with_bom.encoding == without.encoding == "UTF-8"
    assert with_bom.rows == without.rows
    assert with_bom.rows[0].cells["name"] == "Ørsted Øresund"


def test_semicolon_separated_file_from_european_excel_is_read():
    data = b"name;tier;annual_fee\nAcme;Founding;50000\n"

    parsed = transfer.parse_csv(data)

    assert (parsed.delimiter, parsed.rows[0].cells) == (
        ";",
        {"name": "Acme", "tier": "Founding", "annual_fee": "50000"},
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"  \r\n\r\n", "The file is empty."),
        (",".join(transfer.COLUMNS).encode(), "header row but no members"),
        (b"name,tier\r\n,\r\n\r\n", "header row but no members"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
        ("name,tier\nA,B\n".encode("utf-16"), "not a CSV text file"),
        (b"name,tier,colour\nA,B,red\n", "Unknown column: colour."),
        (b"name,sector\nA,B\n", "lacks the required column tier"),
        (b"Acme,Founding\nBeta,Founding\n", "lacks the required columns name and tier"),
        (b"name,tier,name\nA,B,C\n", "more than once: name"),
    ],
)
def test_file_wide_problems_are_reported(data, message):
    parsed = transfer.parse_csv(data)

    assert parsed.rows == [] or not parsed.readable
    assert any(message in problem for problem in parsed.problems), parsed.problems


def test_header_is_matched_loosely_and_blank_rows_and_columns_are_skipped():
    data = b"Name , Tier,Contact1 Email,,\r\nAcme,Founding,a@b.co,,\r\n,,,,\r\nBeta,Founding,,,\r\n"

    parsed = transfer.parse_csv(data)

    assert parsed.problems == []
    assert [(row.number, row.cells["name"]) for row in parsed.rows] == [(2, "Acme"), (4, "Beta")]
    assert parsed.rows[0].cells["contact1_email"] == "a@b.co"


def test_empty_file_imports_nothing(admin):
    with pytest.raises(transfer.ImportRefused, match="no members"):
        transfer.import_organizations([], actor=admin)


# Checking rows


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"name": ""}, "Name is missing."),
        ({"name": "x" * 201}, "name is longer than 200 characters."),
        ({"tier": ""}, "Tier is missing."),
        ({"tier": "Gold"}, "Unknown tier “Gold”; the tiers are: Associate, Founding."),
        ({"website": "not a site"}, "website “not a site” is not a web address."),
        ({"website": "ftp://files.example.com"}, "is not a web address"),
        (
            {"contact1_name": "Ann", "contact1_email": "ann@"},
            "contact1_email “ann@” is not a valid",
        ),
        ({"contact1_name": "Ann", "contact1_email": "ann example.com"}, "is not a valid email"),
        ({"contact2_email": "bob@example.com"}, "contact2_name is missing"),
        ({"contact3_name": "Bob"}, "contact3_email is missing."),
        (
            {"contact1_name": "Ann", "contact1_email": "a@x.com", "contact1_role": "CEO"},
            "contact1_role “CEO” is not a contact role; use one of primary, billing, technical, "
            "advisory_board",
        ),
        (
            {
                "contact1_name": "A",
                "contact1_email": "a@x.com",
                "contact2_name": "B",
                "contact2_email": "A@X.com",
            },
            "contact2_email is the same as contact1_email.",
        ),  # fmt: skip
        ({"term_start": "01/02/2026", "term_end": "2026-12-31"}, "term_start “01/02/2026” is not"),
        ({"term_start": "2026-02-30", "term_end": "2026-12-31"}, "term_start “2026-02-30” is not"),
        (
            {"term_start": "2026-01-01", "term_end": "next year"},
            "term_end “next year” is not a date",
        ),
        ({"term_start": "2026-01-01"}, "term_end is missing"),
        ({"term_end": "2026-12-31"}, "term_end given without term_start"),
        ({"annual_fee": "1000"}, "annual_fee given without term_start"),
        (
            {"term_start": "2026-01-01", "term_end": "2025-12-31"},
            "The term ends (2025-12-31) before it starts (2026-01-01).",
        ),
        (
            {"term_start": "2026-01-01", "term_end": "2026-12-31", "annual_fee": "lots"},
            "annual_fee “lots” is not an amount",
        ),
        (
            {"term_start": "2026-01-01", "term_end": "2026-12-31", "seed_commitment": "-5"},
            "seed_commitment “-5” cannot be negative",
        ),
        (
            {"term_start": "2026-01-01", "term_end": "2026-12-31", "annual_fee": "50.000,00"},
            "annual_fee “50.000,00” is not an amount",
        ),
        (
            {"term_start": "2026-01-01", "term_end": "2026-12-31", "annual_fee": "1.234"},
            "is not an amount",
        ),
        (
            {"term_start": "2026-01-01", "term_end": "2026-12-31", "annual_fee": "10000000000"},
            "annual_fee “10000000000” is too large.",
        ),
        (
            {"term_start": "2026-01-01", "term_end": "2026-12-31", "signed_on": "yesterday"},
            "signed_on “yesterday” is not a date",
        ),
    ],
)
def test_bad_row_is_reported_with_its_message(founding, associate, cells, message):
    row = {"name": "Acme", "tier": "Founding"} | cells

    result = check([row])

    [checked] = result.rows
    assert checked.row is None
    assert any(message in error for error in checked.errors), checked.errors
    assert not result.ok


def test_row_with_more_cells_than_columns_is_reported(founding):
    parsed = transfer.parse_csv(b"name,tier\nAcme,Founding,surplus\n")

    [checked] = transfer.check_import(parsed.rows).rows

    assert checked.errors == ["The row has 1 more cell than the header has columns."]


def test_row_reports_all_its_problems_at_once(founding):
    [checked] = check(
        [{"name": "", "tier": "Gold", "contact1_email": "x", "term_start": "soon"}]
    ).rows

    assert len(checked.errors) == 6


def test_duplicates_within_the_file_compare_case_insensitively(founding):
    result = check(
        [
            {"name": "Acme Robotics", "tier": "Founding"},
            {"name": "Beta", "tier": "Founding"},
            {"name": "ACME robotics", "tier": "Founding"},
        ]
    )

    assert [row.errors for row in result.rows] == [
        [],
        [],
        ["Row 2 has the same organization (“ACME robotics”)."],
    ]


def test_organization_already_in_the_database_in_another_case_is_a_duplicate(founding):
    OrganizationFactory(name="Siemens AG")

    result = check([{"name": "SIEMENS ag", "tier": "Founding"}])

    assert result.rows[0].errors == ["“Siemens AG” is already a member."]


def test_contact_role_accepts_labels_and_any_case(founding):
    result = check(
        [
            {
                "name": "Acme",
                "tier": "FOUNDING",
                "contact1_name": "A",
                "contact1_email": "a@x.com",
                "contact1_role": "Advisory Board",
                "contact2_name": "B",
                "contact2_email": "b@x.com",
                "contact2_role": "TECHNICAL",
                "contact3_name": "C",
                "contact3_email": "c@x.com",
                "contact3_role": "advisory-board",
            }
        ]
    )

    assert [contact.role for contact in result.rows[0].row.contacts] == [
        ContactRole.ADVISORY_BOARD,
        ContactRole.TECHNICAL,
        ContactRole.ADVISORY_BOARD,
    ]


@pytest.mark.parametrize(
    "address", ["plain@example.com", "o'brien+tag@mail.example.co.uk", "ünïcode@exämple.de"]
)
def test_valid_addresses_pass_and_are_lower_cased(address):
    assert transfer.normalize_email(address.upper()) == address.upper().lower()


@pytest.mark.parametrize(
    "address", ["", "a@", "@b.com", "a b@c.com", "a@b", "a..b@c.com", "a@-b.com", "a@b.c@d.com"]
)
def test_invalid_addresses_are_refused(address):
    assert transfer.normalize_email(address) is None


# All or nothing


def test_one_bad_row_writes_nothing(admin, founding):
    rows = [{"name": f"Company {n}", "tier": "Founding", "contact1_name": "A",
             "contact1_email": f"a{n}@x.com"} for n in range(50)]  # fmt: skip
    rows[37]["contact1_email"] = "broken"
    parsed = transfer.parse_csv(csv_bytes(rows))

    with pytest.raises(transfer.ImportRefused, match="1 row of the file has problems") as refused:
        transfer.import_organizations(parsed.rows, actor=admin)

    assert [row.source.number for row in refused.value.check.invalid] == [39]
    assert (count(Organization), count(Contact), count(MembershipTerm), count(AuditEvent)) == (
        0,
        0,
        0,
        0,
    )


def test_checking_writes_nothing(founding):
    OrganizationFactory(name="Existing")
    before = (count(Organization), count(Contact), count(AuditEvent))

    result = check(GOOD[:1] + [{"name": "New", "tier": "Founding"}])

    assert result.ok
    assert (count(Organization), count(Contact), count(AuditEvent)) == before


def test_import_rechecks_against_the_database(admin, founding):
    rows = transfer.parse_csv(csv_bytes([{"name": "Acme", "tier": "Founding"}])).rows
    assert transfer.check_import(rows).ok
    OrganizationFactory(name="ACME")  # added between the preview and the confirmation

    with pytest.raises(transfer.ImportRefused) as refused:
        transfer.import_organizations(rows, actor=admin)

    assert refused.value.check.rows[0].errors == ["“ACME” is already a member."]
    assert count(Organization) == 1


def test_checking_runs_two_queries_whatever_the_size(founding, count_queries):
    rows = [{"name": f"Company {n}", "tier": "Founding"} for n in range(300)]
    parsed = transfer.parse_csv(csv_bytes(rows))

    with count_queries() as counter:
        transfer.check_import(parsed.rows)

    assert counter.count == 2


def test_ten_thousand_rows_import_with_bulk_inserts(admin, founding, associate, count_queries):
    rows = [
        {
            "name": f"Company {n:05d}",
            "tier": "Founding" if n % 2 else "associate",
            "sector": "Manufacturing",
            "contact1_name": f"Person {n}",
            "contact1_email": f"person{n}@company{n}.example.com",
            "contact2_name": f"Billing {n}" if n % 3 == 0 else "",
            "contact2_email": f"billing@company{n}.example.com" if n % 3 == 0 else "",
            "contact2_role": "billing" if n % 3 == 0 else "",
            "term_start": "2026-01-01" if n % 4 else "",
            "term_end": "2026-12-31" if n % 4 else "",
            "seed_commitment": "1000" if n % 4 else "",
        }
        for n in range(10_000)
    ]
    parsed = transfer.parse_csv(csv_bytes(rows))

    with count_queries() as counter:
        result = transfer.import_organizations(parsed.rows, actor=admin)

    assert (result.organizations, result.contacts, result.terms) == (10_000, 13_334, 7_500)
    assert dict(result.statuses) == {"active": 7_500, "prospect": 2_500}
    assert (count(Organization), count(Contact), count(MembershipTerm)) == (10_000, 13_334, 7_500)
    assert count(AuditEvent) == 10_001
    active = db.session.scalar(
        sa.select(sa.func.count()).where(Organization.recorded_status == MembershipStatus.ACTIVE)
    )
    assert active == 7_500
    # Batched inserts: a few dozen statements, not one per row.
    assert counter.count < 100


# Keeping uploads


@pytest.fixture
def import_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_DIR", tmp_path / "imports")
    return tmp_path / "imports"


def test_upload_is_stored_under_a_random_token_and_discarded(import_dir):
    token = transfer.store_upload(b"name,tier\n")

    assert transfer.TOKEN_PATTERN.fullmatch(token)
    assert (import_dir / f"{token}.csv").read_bytes() == b"name,tier\n"
    assert transfer.load_upload(token) == b"name,tier\n"
    transfer.discard_upload(token)
    assert transfer.load_upload(token) is None
    assert list(import_dir.iterdir()) == []


@pytest.mark.parametrize(
    "token", ["", "../../etc/passwd", "A" * 32, "0" * 31, "0" * 33, "0" * 32 + "/x", None]
)
def test_malformed_or_unknown_tokens_load_nothing(import_dir, token):
    import_dir.mkdir(parents=True)

    assert transfer.load_upload(token) is None
    transfer.discard_upload(token)  # never raises


def test_stale_uploads_are_swept(import_dir):
    old = transfer.store_upload(b"old")
    stale = import_dir / f"{old}.csv"
    os.utime(stale, (0, 0))

    fresh = transfer.store_upload(b"new")

    assert not stale.exists()
    assert transfer.load_upload(fresh) == b"new"


# Template


def test_template_has_the_header_and_an_example_row_that_passes_the_check(founding):
    text = transfer.template_csv("Founding", date(2025, 7, 1), date(2026, 6, 30))

    assert text.startswith("\ufeff")
    header, example = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert tuple(header) == transfer.COLUMNS
    parsed = transfer.parse_csv(text.encode())
    assert transfer.check_import(parsed.rows).ok
    assert example[header.index("tier")] == "Founding"


# Exports


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("x=1", "x=1"),
        ("", ""),
        ("Acme", "Acme"),
    ],
)
def test_formula_characters_are_escaped(value, escaped):
    assert spreadsheets.escape_formula(value) == escaped


def nasty_member():
    tier = TierFactory(name='=HYPERLINK("http://evil")')
    organization = OrganizationFactory(
        name="=1+1", sector="+x", country="-x", website="@x", themes="\tTabbed", tier=tier
    )
    ContactFactory(organization=organization, name="@SUM(A1)", email="eve@example.com")
    return organization


def csv_text(export: spreadsheets.Export) -> str:
    return "".join(spreadsheets.csv_chunks(export))


def test_csv_export_has_bom_header_and_escaped_cells():
    nasty_member()

    text = csv_text(transfer.members_export(TODAY, GRACE))

    assert text.startswith("\ufeffname,status,tier,")
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    record = dict(zip(header, row, strict=True))
    assert (record["name"], record["sector"], record["country"], record["website"]) == (
        "'=1+1",
        "'+x",
        "'-x",
        "'@x",
    )
    assert record["themes"] == "'\tTabbed"
    assert record["tier"] == '\'=HYPERLINK("http://evil")'


def test_xlsx_export_opens_and_holds_escaped_strings_not_formulas():
    nasty_member()

    data = spreadsheets.xlsx_bytes(transfer.members_export(TODAY, GRACE))

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("name", "status", "tier")
    assert rows[1][:6] == ("'=1+1", "prospect", '\'=HYPERLINK("http://evil")', "'+x", "'-x", "'@x")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    contacts = openpyxl.load_workbook(
        io.BytesIO(spreadsheets.xlsx_bytes(transfer.contacts_export()))
    )
    assert list(contacts.active.iter_rows(values_only=True))[1][1] == "'@SUM(A1)"


def test_xlsx_keeps_numbers_and_dates_typed_and_drops_control_characters():
    organization = OrganizationFactory(name="Bell\x07 Labs")
    TermFactory(
        organization=organization,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        annual_fee=Decimal("50000.00"),
    )

    data = spreadsheets.xlsx_bytes(transfer.members_export(TODAY, GRACE))

    row = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))[1]
    assert row[0] == "Bell Labs"
    assert row[7].date() == date(2026, 1, 1)
    assert row[9] == 50000


def test_members_export_lists_status_tier_details_and_current_term(admin):
    tier = TierFactory(name="Sustaining")
    current = OrganizationFactory(
        name="beta current", tier=tier, sector="Biotech", country="France",
        website="https://beta.example", themes="Bio, AI",
    )  # fmt: skip
    TermFactory(organization=current, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    TermFactory(
        organization=current,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        annual_fee=Decimal("60000"),
        seed_commitment=Decimal("150000"),
        signed_on=date(2025, 12, 1),
    )
    TermFactory(organization=current, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    lapsed = OrganizationFactory(name="Alpha Lapsed", tier=tier)
    TermFactory(organization=lapsed, starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    OrganizationFactory(name="Gamma Prospect", tier=tier)

    text = csv_text(transfer.members_export(TODAY, GRACE))

    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [row["name"] for row in rows] == ["Alpha Lapsed", "beta current", "Gamma Prospect"]
    assert rows[1] == {
        "name": "beta current",
        "status": "active",
        "tier": "Sustaining",
        "sector": "Biotech",
        "country": "France",
        "website": "https://beta.example",
        "themes": "Bio, AI",
        "term_start": "2026-01-01",
        "term_end": "2026-12-31",
        "annual_fee": "60000.00",
        "seed_commitment": "150000.00",
        "signed_on": "2025-12-01",
    }
    assert (rows[0]["status"], rows[0]["term_start"], rows[0]["term_end"]) == (
        "lapsed",
        "2024-01-01",
        "2024-12-31",
    )
    assert (rows[2]["status"], rows[2]["term_start"], rows[2]["annual_fee"]) == ("prospect", "", "")


def test_contacts_export_lists_every_contact_with_its_organization():
    organization = OrganizationFactory(name="Acme")
    ContactFactory(
        organization=organization, name="Bea", email="bea@acme.example", role=ContactRole.BILLING,
        title="CFO", phone="+1 617 555 0100",
    )  # fmt: skip
    user = UserFactory(member=True, email="al@acme.example")
    ContactFactory(organization=organization, name="Al", email="al@acme.example", user=user)

    text = csv_text(transfer.contacts_export())

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [
        ["organization", "name", "email", "role", "title", "phone", "representative"],
        ["Acme", "Al", "al@acme.example", "primary", "", "", "yes"],
        ["Acme", "Bea", "bea@acme.example", "billing", "CFO", "'+1 617 555 0100", "no"],
    ]


def test_invoices_export_lists_every_invoice_with_status_and_overdue(admin):
    organization = OrganizationFactory(name="Acme")
    term = TermFactory(
        organization=organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    overdue = services.issue_invoice(
        term, actor=admin, amount=Decimal("1000"), issued_on=date(2026, 1, 5),
        due_on=date(2026, 2, 4),
    )  # fmt: skip
    paid = services.issue_invoice(term, actor=admin, issued_on=date(2026, 3, 1))
    services.mark_invoice_paid(paid, actor=admin, paid_on=date(2026, 3, 10), reference="=WIRE")

    text = csv_text(transfer.invoices_export(TODAY))

    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [row["number"] for row in rows] == [overdue.number, paid.number]
    assert rows[0] == {
        "number": "2026-0001",
        "organization": "Acme",
        "amount": "1000.00",
        "status": "issued",
        "issued_on": "2026-01-05",
        "due_on": "2026-02-04",
        "overdue": "yes",
        "paid_on": "",
        "payment_reference": "",
        "term_start": "2026-01-01",
        "term_end": "2026-12-31",
    }
    assert (rows[1]["status"], rows[1]["overdue"], rows[1]["paid_on"]) == (
        "paid",
        "no",
        "2026-03-10",
    )
    assert rows[1]["payment_reference"] == "'=WIRE"


def test_csv_export_streams_in_chunks():
    tier = TierFactory()
    db.session.execute(
        sa.insert(Organization),
        [{"name": f"Org {n:04d}", "tier_id": tier.id, "version": 1} for n in range(1200)],
    )

    chunks = list(spreadsheets.csv_chunks(transfer.members_export(TODAY, GRACE), batch=500))

    assert len(chunks) == 3
    assert sum(chunk.count("\r\n") for chunk in chunks) == 1201


def test_export_filename_carries_the_date():
    assert transfer.export_filename("members", "csv", date(2026, 11, 21)) == (
        "seedbed-members-2026-11-21.csv"
    )
