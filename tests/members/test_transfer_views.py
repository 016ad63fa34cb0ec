"""Import and export pages: upload, preview, confirm, the template and the downloads."""

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from app.members import transfer
from app.members.models import Contact, MembershipTerm, Organization
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
)

IMPORT = "/admin/members/import"
CONFIRM = "/admin/members/import/confirm"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 21, 16, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path, monkeypatch):
    directory = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_DIR", directory)
    return directory


@pytest.fixture
def admin_client(login):
    return login(UserFactory(admin=True))


@pytest.fixture
def founding():
    return TierFactory(name="Founding", annual_fee=Decimal("250000"))


def csv_file(text: str | bytes, name: str = "members.csv") -> dict:
    data = text.encode() if isinstance(text, str) else text
    return {"file": (io.BytesIO(data), name)}


def upload(client, text, name="members.csv"):
    return client.post(IMPORT, data=csv_file(text, name), content_type="multipart/form-data")


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', html).group(1)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


GOOD = (
    "name,tier,country,contact1_name,contact1_email,term_start,term_end,seed_commitment\n"
    "Acme Robotics,founding,Germany,Ada Lovelace,ada@acme.example,2026-07-01,2027-06-30,50000\n"
    "Beta Bio,Founding,France,,,,,\n"
)


def test_import_page_lists_tiers_roles_and_the_template(admin_client, founding):
    response = admin_client.get(IMPORT)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Founding" in html and "advisory_board" in html
    assert "/admin/members/import/template.csv" in html
    assert 'enctype="multipart/form-data"' in html
    assert "not</strong> issued for imported terms" in html


def test_preview_shows_every_row_and_writes_nothing(admin_client, founding, import_dir):
    response = upload(admin_client, GOOD)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing has been written yet" in html
    assert "Acme Robotics" in html and "Beta Bio" in html
    assert "No invoices are issued" in html
    assert (count(Organization), count(Contact), count(AuditEvent)) == (0, 0, 0)
    token = token_of(html)
    assert (import_dir / f"{token}.csv").read_bytes() == GOOD.encode()


def test_confirm_imports_every_row_and_deletes_the_upload(admin_client, founding, import_dir):
    token = token_of(upload(admin_client, GOOD).get_data(as_text=True))

    response = admin_client.post(CONFIRM, data={"token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/members/"
    assert (count(Organization), count(Contact), count(MembershipTerm)) == (2, 1, 1)
    [summary] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "members.imported")
    ).all()
    assert (summary.subject_id, summary.detail["organizations"]) == (token, 2)
    assert list(import_dir.iterdir()) == []
    page = admin_client.get("/admin/members/").get_data(as_text=True)
    assert "Imported 2 members with 1 contact and 1 term." in page


def test_confirming_twice_imports_once(admin_client, founding):
    token = token_of(upload(admin_client, GOOD).get_data(as_text=True))
    admin_client.post(CONFIRM, data={"token": token})

    response = admin_client.post(CONFIRM, data={"token": token}, follow_redirects=True)

    assert "unknown, has expired or has already been done" in response.get_data(as_text=True)
    assert count(Organization) == 2


@pytest.mark.parametrize(
    "token", ["0" * 32, "../../../etc/passwd", "A" * 32, "0" * 31, "", "0" * 32 + "/.."]
)
def test_confirm_with_a_tampered_or_unknown_token_is_refused(admin_client, founding, token):
    upload(admin_client, GOOD)

    response = admin_client.post(CONFIRM, data={"token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == IMPORT
    assert (count(Organization), count(AuditEvent)) == (0, 0)


def test_bad_rows_are_shown_with_their_problems_and_nothing_is_kept(
    admin_client, founding, import_dir
):
    OrganizationFactory(name="Siemens AG")
    text = (
        "name,tier,contact1_name,contact1_email,term_start,term_end\n"
        "SIEMENS AG,Founding,,,,\n"
        "Acme,Gold,,,,\n"
        "Beta,Founding,Bea,bea@,,\n"
        "Gamma,Founding,,,2026-05-01,2026-04-01\n"
        "beta,Founding,,,,\n"
        "Delta,Founding,,,,\n"
    )

    response = upload(admin_client, text)

    html = response.get_data(as_text=True)
    assert "5 of 6 rows have problems" in html
    for message in [
        "“Siemens AG” is already a member.",
        "Unknown tier “Gold”",
        "contact1_email “bea@” is not a valid email address.",
        "The term ends (2026-04-01) before it starts (2026-05-01).",
        "Row 4 has the same organization (“beta”).",
    ]:
        assert message in html
    assert 'name="token"' not in html
    assert list(import_dir.glob("*.csv")) == []
    assert count(Organization) == 1


def test_latin1_upload_says_it_was_read_as_windows_1252(admin_client, founding):
    response = upload(admin_client, "name,tier\nSociété Générale,Founding\n".encode("latin-1"))

    html = response.get_data(as_text=True)
    assert 'data-testid="encoding-note"' in html
    assert "Windows-1252" in html
    assert "Société Générale" in html
    admin_client.post(CONFIRM, data={"token": token_of(html)})
    assert db.session.scalar(sa.select(Organization.name)) == "Société Générale"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        (",".join(transfer.COLUMNS) + "\r\n", "header row but no members"),
    ],
)
def test_empty_and_header_only_files_get_a_clear_message(admin_client, founding, text, message):
    response = upload(admin_client, text)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "This file cannot be imported." in html


def test_file_over_the_size_limit_is_refused(app, admin_client, founding, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)

    response = upload(admin_client, "name,tier\n" + "Acme,Founding\n" * 20)

    html = response.get_data(as_text=True)
    assert "The file is larger than 100 bytes. Split it into smaller files." in html
    assert count(Organization) == 0


def test_a_file_that_is_not_csv_is_refused_by_extension(admin_client, founding):
    response = upload(admin_client, b"PK\x03\x04", name="members.xlsx")

    assert "Upload a .csv file" in response.get_data(as_text=True)


def test_a_clash_between_preview_and_confirm_shows_the_rows_again(
    admin_client, founding, import_dir
):
    token = token_of(upload(admin_client, GOOD).get_data(as_text=True))
    OrganizationFactory(name="acme robotics")
    db.session.commit()

    response = admin_client.post(CONFIRM, data={"token": token})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 row of the file has problems; nothing was imported." in html
    assert "“acme robotics” is already a member." in html
    assert count(Organization) == 1
    assert list(import_dir.glob("*.csv")) == []


def test_template_download_has_header_and_one_example_row(admin_client, founding):
    response = admin_client.get("/admin/members/import/template.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "seedbed-members-import-template.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 2
    assert tuple(rows[0]) == transfer.COLUMNS
    example = dict(zip(rows[0], rows[1], strict=True))
    assert (example["tier"], example["term_start"], example["term_end"]) == (
        "Founding",
        "2026-07-01",
        "2027-06-30",
    )


def test_uploading_the_template_previews_cleanly(admin_client, founding):
    template = admin_client.get("/admin/members/import/template.csv").get_data()

    html = upload(admin_client, template).get_data(as_text=True)

    assert "Every row is fine." in html


# Exports


@pytest.fixture
def member_with_contact(founding):
    organization = OrganizationFactory(name="=cmd|' /C calc'!A0", tier=founding)
    ContactFactory(organization=organization, name="@Ann", email="ann@x.example")
    return organization


@pytest.mark.parametrize("dataset", ["members", "contacts", "invoices"])
def test_csv_export_is_an_attachment_with_bom_and_header(
    admin_client, member_with_contact, dataset
):
    response = admin_client.get(f"/admin/members/export/{dataset}.csv")

    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # streamed, not built in memory
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="seedbed-{dataset}-2026-11-21.csv"'
    )
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert (
        header[0] == {"members": "name", "contacts": "organization", "invoices": "number"}[dataset]
    )


@pytest.mark.parametrize("dataset", ["members", "contacts", "invoices"])
def test_xlsx_export_opens_in_openpyxl(admin_client, member_with_contact, dataset):
    response = admin_client.get(f"/admin/members/export/{dataset}.xlsx")

    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        f'filename="seedbed-{dataset}-2026-11-21.xlsx"' in response.headers["Content-Disposition"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == dataset.capitalize()


def test_exports_escape_formulas(admin_client, member_with_contact):
    members_csv = admin_client.get("/admin/members/export/members.csv").get_data(as_text=True)
    contacts_xlsx = admin_client.get("/admin/members/export/contacts.xlsx").get_data()

    assert "\n'=cmd|' /C calc'!A0," in members_csv.replace('"', "")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(contacts_xlsx)).active.iter_rows(values_only=True)
    )
    assert rows[1][:2] == ("'=cmd|' /C calc'!A0", "'@Ann")


@pytest.mark.parametrize(
    "path",
    ["users.csv", "members.pdf", "members.xlsx.csv", "members", "../members.csv", "Members.CSV"],
)
def test_unknown_dataset_or_format_is_not_found(admin_client, path):
    assert admin_client.get(f"/admin/members/export/{path}").status_code == 404


def test_members_export_status_uses_today_and_the_grace_setting(
    app, admin_client, founding, monkeypatch
):
    organization = OrganizationFactory(name="Ended", tier=founding)
    TermFactory(organization=organization, starts_on=date(2025, 1, 1), ends_on=date(2026, 10, 31))
    db.session.commit()

    def status() -> str:
        text = admin_client.get("/admin/members/export/members.csv").get_data(as_text=True)
        return next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))["status"]

    assert status() == "grace"
    monkeypatch.setitem(app.config, "MEMBERSHIP_GRACE_DAYS", 10)
    assert status() == "lapsed"
