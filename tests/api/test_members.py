"""The members resource: organizations, terms, contacts, invoices and the member directory."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.extensions import db
from app.members import services
from app.members.models import Contact, ContactRole, Invoice, InvoiceStatus, Organization
from tests.api.helpers import unchanged_state
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
    representative,
)

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Pin today, so statuses, due dates and fiscal years are known."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


def days(n: int) -> date:
    """Return the day n days from today."""
    return TODAY + timedelta(days=n)


def _member(admin, name: str, *, starts: int = -100, ends: int = 265, **fields) -> dict:
    """An organization with a term from `starts` to `ends` days from today, an invoice for it,
    a representative and one more contact."""
    organization = OrganizationFactory(name=name, **fields)
    term = TermFactory(organization=organization, starts_on=days(starts), ends_on=days(ends))
    invoice = services.issue_invoice(
        term,
        actor=admin,
        amount=Decimal("1000.00"),
        issued_on=days(starts),
        due_on=days(starts + 30),
    )
    user = representative(organization)
    colleague = ContactFactory(organization=organization, role=ContactRole.BILLING)
    db.session.commit()
    return {
        "organization": organization,
        "term": term,
        "invoice": invoice,
        "user": user,
        "contact": db.session.query(Contact).filter_by(user_id=user.id).one(),
        "colleague": colleague,
    }


@pytest.fixture
def own(admin):
    """An active member with its representative."""
    return _member(admin, "Siemens", sector="Industrial technology", country="Germany")


@pytest.fixture
def other(admin):
    """Another active member, none of the first one's business."""
    return _member(admin, "Sanofi", sector="Pharmaceuticals", country="France")


@pytest.fixture
def lapsed(admin):
    """A member whose last term ended long ago (beyond the grace period)."""
    return _member(admin, "Lapsed Ltd", starts=-800, ends=-400)


def _ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]


# Organizations


def test_admin_lists_every_organization_with_its_status(api, admin, own, other, lapsed):
    prospect = OrganizationFactory(name="Prospect Inc")
    body = api(admin).get("/members/organizations", query_string={"per_page": 100}).get_json()
    statuses = {item["name"]: item["status"] for item in body["items"]}
    assert statuses == {
        "Lapsed Ltd": "lapsed",
        "Prospect Inc": "prospect",
        "Sanofi": "active",
        "Siemens": "active",
    }
    assert body["total"] == 4
    assert body["items"][0]["tier"]["name"] == lapsed["organization"].tier.name
    assert prospect.id in [item["id"] for item in body["items"]]


def test_admin_filters_and_sorts_organizations(api, admin, own, other, lapsed):
    client = api(admin)
    active = client.get(
        "/members/organizations", query_string={"status": "active", "sort": "-name"}
    )
    assert [item["name"] for item in active.get_json()["items"]] == ["Siemens", "Sanofi"]
    by_tier = client.get(
        "/members/organizations", query_string={"tier_id": other["organization"].tier_id}
    )
    assert _ids(by_tier) == [other["organization"].id]
    by_name = client.get("/members/organizations", query_string={"q": "siem"})
    assert _ids(by_name) == [own["organization"].id]
    refused = client.get("/members/organizations", query_string={"status": "dormant"})
    assert refused.status_code == 422
    assert "status" in refused.get_json()["errors"]


def test_a_representative_lists_only_their_own_organization(api, own, other):
    response = api(own["user"]).get("/members/organizations")
    assert response.status_code == 200
    assert _ids(response) == [own["organization"].id]
    assert response.get_json()["total"] == 1


def test_admin_reads_an_organization_with_terms_and_contacts(api, admin, own):
    body = api(admin).get(f"/members/organizations/{own['organization'].id}").get_json()
    assert body["status"] == "active"
    assert body["version"] == own["organization"].version
    assert [term["id"] for term in body["terms"]] == [own["term"].id]
    assert body["terms"][0]["annual_fee"] == "50000.00"
    contacts = {contact["email"]: contact for contact in body["contacts"]}
    assert contacts[own["user"].email]["is_representative"] is True
    assert contacts[own["colleague"].email]["role"] == "billing"


def test_a_representative_reads_their_own_organization_but_not_another(api, own, other):
    client = api(own["user"])
    assert client.get(f"/members/organizations/{own['organization'].id}").status_code == 200
    hidden = client.get(f"/members/organizations/{other['organization'].id}")
    assert hidden.status_code == 404
    assert hidden.get_json()["code"] == "not_found"
    assert client.get(f"/members/organizations/{other['organization'].id}/terms").status_code == 404
    assert (
        client.get(f"/members/organizations/{other['organization'].id}/contacts").status_code == 404
    )


@pytest.mark.parametrize("role", ["researcher", "reviewer"])
def test_researchers_and_reviewers_may_not_read_membership(api, role, own):
    client = api(UserFactory(roles_given=(role,)))
    organization_id = own["organization"].id
    for path in (
        "/members/organizations",
        f"/members/organizations/{organization_id}",
        f"/members/organizations/{organization_id}/terms",
        f"/members/organizations/{organization_id}/contacts",
        "/members/invoices",
        f"/members/invoices/{own['invoice'].id}",
        "/members/directory",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.get_json()["code"] == "forbidden"


def test_a_lapsed_members_representative_is_refused_as_on_the_portal(api, lapsed):
    client = api(lapsed["user"])
    organization_id = lapsed["organization"].id
    for path in (
        "/members/organizations",
        f"/members/organizations/{organization_id}",
        "/members/invoices",
        f"/members/invoices/{lapsed['invoice'].id}",
        "/members/directory",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "closed" in response.get_json()["message"]


def test_admin_creates_an_organization_as_a_prospect_with_audit(api, admin, audit_log):
    tier = TierFactory(name="Founding")
    response = api(admin).post(
        "/members/organizations",
        json={
            "name": "  Bosch ",
            "tier_id": tier.id,
            "sector": " Automotive ",
            "website": "https://www.bosch.com",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "Bosch"
    assert body["sector"] == "Automotive"
    assert body["status"] == "prospect"
    assert body["terms"] == [] and body["contacts"] == []
    organization = db.session.get(Organization, body["id"])
    assert organization.tier_id == tier.id
    assert [event.subject_id for event in audit_log("organization.created")] == [str(body["id"])]


def test_bad_organization_values_get_field_errors_and_nothing_is_written(api, admin, own):
    client = api(admin)
    tier_id = own["organization"].tier_id
    before = unchanged_state()
    blank = client.post("/members/organizations", json={"name": " ", "tier_id": tier_id})
    assert blank.status_code == 422 and "name" in blank.get_json()["errors"]
    no_tier = client.post("/members/organizations", json={"name": "Bosch", "tier_id": 999999})
    assert no_tier.status_code == 422
    assert no_tier.get_json()["errors"] == {"tier_id": ["There is no such tier."]}
    site = client.post(
        "/members/organizations", json={"name": "Bosch", "tier_id": tier_id, "website": "bosch"}
    )
    assert site.status_code == 422 and "website" in site.get_json()["errors"]
    taken = client.post("/members/organizations", json={"name": "SIEMENS", "tier_id": tier_id})
    assert taken.status_code == 422
    assert taken.get_json()["errors"] == {"name": ["A member with this name already exists."]}
    unknown = client.post(
        "/members/organizations", json={"name": "Bosch", "tier_id": tier_id, "status": "active"}
    )
    assert unknown.status_code == 422 and "status" in unknown.get_json()["errors"]
    assert unchanged_state() == before


def test_admin_updates_an_organization_with_its_version_and_audit(api, admin, own, audit_log):
    organization = own["organization"]
    version = organization.version
    response = api(admin).patch(
        f"/members/organizations/{organization.id}",
        json={"version": version, "country": "Deutschland"},
    )
    assert response.status_code == 200
    assert response.get_json()["country"] == "Deutschland"
    assert response.get_json()["sector"] == "Industrial technology"
    assert response.get_json()["version"] == version + 1
    [event] = audit_log("organization.updated")
    assert event.detail == {"country": ["Germany", "Deutschland"]}


def test_update_with_a_stale_version_is_a_conflict_with_the_current_version(api, admin, own):
    organization = own["organization"]
    client = api(admin)
    version = organization.version
    path = f"/members/organizations/{organization.id}"
    assert client.patch(path, json={"version": version, "sector": "Tech"}).status_code == 200
    before = unchanged_state()
    stale = client.patch(path, json={"version": version, "sector": "Lost update"})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "conflict"
    assert stale.get_json()["current_version"] == version + 1
    assert unchanged_state() == before


def test_update_without_a_version_is_refused(api, admin, own):
    client = api(admin)
    before = unchanged_state()
    response = client.patch(
        f"/members/organizations/{own['organization'].id}", json={"sector": "Tech"}
    )
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ["researcher", "reviewer", "representative"])
def test_only_administrators_change_membership(api, role, own):
    user = own["user"] if role == "representative" else UserFactory(roles_given=(role,))
    client = api(user)
    organization = own["organization"]
    tier_id = organization.tier_id
    before = unchanged_state()
    calls = [
        client.post("/members/organizations", json={"name": "Bosch", "tier_id": tier_id}),
        client.patch(
            f"/members/organizations/{organization.id}",
            json={"version": organization.version, "sector": "X"},
        ),
        client.post(
            f"/members/organizations/{organization.id}/terms",
            json={"starts_on": days(300).isoformat(), "ends_on": days(600).isoformat()},
        ),
        client.patch(f"/members/terms/{own['term'].id}", json={"seed_commitment": "1.00"}),
        client.post(
            f"/members/organizations/{organization.id}/contacts",
            json={"name": "New", "email": "new@example.com", "role": "technical"},
        ),
        client.delete(f"/members/contacts/{own['colleague'].id}"),
        client.post(
            f"/members/organizations/{organization.id}/invoices", json={"term_id": own["term"].id}
        ),
        client.post(
            f"/members/invoices/{own['invoice'].id}/actions/mark-paid",
            json={"paid_on": TODAY.isoformat()},
        ),
        client.post(f"/members/invoices/{own['invoice'].id}/actions/void", json={"reason": "X"}),
    ]
    assert [response.status_code for response in calls] == [403] * len(calls)
    assert unchanged_state() == before


def test_requests_without_a_valid_token_are_refused(api, own):
    anonymous = api()
    before = unchanged_state()
    assert anonymous.get("/members/organizations").status_code == 401
    response = anonymous.delete(f"/members/contacts/{own['colleague'].id}")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert unchanged_state() == before


# Terms


def test_terms_are_listed_for_admins_and_the_representative(api, admin, own):
    earlier = TermFactory(
        organization=own["organization"], starts_on=days(-465), ends_on=days(-101)
    )
    path = f"/members/organizations/{own['organization'].id}/terms"
    assert _ids(api(admin).get(path)) == [own["term"].id, earlier.id]
    assert _ids(api(own["user"]).get(path, query_string={"sort": "starts_on"})) == [
        earlier.id,
        own["term"].id,
    ]


def test_admin_adds_a_term_which_issues_its_invoice(api, admin, own, audit_log, app, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_ON_NEW_TERM", True)
    organization = own["organization"]
    response = api(admin).post(
        f"/members/organizations/{organization.id}/terms",
        json={
            "starts_on": days(266).isoformat(),
            "ends_on": days(630).isoformat(),
            "seed_commitment": "25000.00",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["tier"]["id"] == organization.tier_id
    assert body["annual_fee"] == "50000.00"  # the tier's fee
    assert body["seed_commitment"] == "25000.00"
    [added] = audit_log("term.added")
    assert added.subject_id == str(body["id"])
    issued = db.session.query(Invoice).filter_by(term_id=body["id"]).one()
    assert issued.amount == Decimal("50000.00")


def test_an_overlapping_term_is_refused_by_field(api, admin, own):
    client = api(admin)
    path = f"/members/organizations/{own['organization'].id}/terms"
    before = unchanged_state()
    overlap = client.post(
        path, json={"starts_on": days(0).isoformat(), "ends_on": days(400).isoformat()}
    )
    assert overlap.status_code == 422
    assert "starts_on" in overlap.get_json()["errors"]
    backwards = client.post(
        path, json={"starts_on": days(500).isoformat(), "ends_on": days(400).isoformat()}
    )
    assert backwards.status_code == 422
    assert "ends_on" in backwards.get_json()["errors"]
    far = client.post(path, json={"starts_on": "9999-01-01", "ends_on": "9999-12-31"})
    assert far.status_code == 422
    assert set(far.get_json()["errors"]) == {"starts_on", "ends_on"}
    unknown_tier = client.post(
        path,
        json={
            "starts_on": days(300).isoformat(),
            "ends_on": days(400).isoformat(),
            "tier_id": 9999,
        },
    )
    assert unknown_tier.status_code == 422 and "tier_id" in unknown_tier.get_json()["errors"]
    assert unchanged_state() == before


def test_admin_corrects_a_term_with_audit(api, admin, own, audit_log):
    term = own["term"]
    response = api(admin).patch(
        f"/members/terms/{term.id}", json={"seed_commitment": "5.00", "signed_on": None}
    )
    assert response.status_code == 200
    assert response.get_json()["seed_commitment"] == "5.00"
    assert response.get_json()["signed_on"] is None
    assert response.get_json()["starts_on"] == days(-100).isoformat()
    [event] = audit_log("term.updated")
    assert event.detail["seed_commitment"] == ["100000.00", "5.00"]


def test_a_term_correction_that_breaks_a_rule_changes_nothing(api, admin, own):
    client = api(admin)
    before = unchanged_state()
    response = client.patch(
        f"/members/terms/{own['term'].id}", json={"ends_on": days(-200).isoformat()}
    )
    assert response.status_code == 422
    assert "ends_on" in response.get_json()["errors"]
    assert client.patch("/members/terms/999999", json={"signed_on": None}).status_code == 404
    assert unchanged_state() == before


# Contacts


def test_contacts_are_listed_for_admins_and_the_representative(api, admin, own):
    path = f"/members/organizations/{own['organization'].id}/contacts"
    everyone = {own["contact"].id, own["colleague"].id}
    assert set(_ids(api(admin).get(path))) == everyone
    assert set(_ids(api(own["user"]).get(path))) == everyone
    billing = api(admin).get(path, query_string={"role": "billing"})
    assert _ids(billing) == [own["colleague"].id]


def test_admin_adds_changes_and_removes_a_contact_with_audit(api, admin, own, audit_log):
    client = api(admin)
    added = client.post(
        f"/members/organizations/{own['organization'].id}/contacts",
        json={"name": "Tina Tech", "email": "Tina@Siemens.example", "role": "technical"},
    )
    assert added.status_code == 201
    body = added.get_json()
    assert body["email"] == "tina@siemens.example"
    assert body["is_representative"] is False
    changed = client.patch(f"/members/contacts/{body['id']}", json={"title": "CTO"})
    assert changed.status_code == 200
    assert changed.get_json()["title"] == "CTO"
    assert changed.get_json()["name"] == "Tina Tech"
    assert client.delete(f"/members/contacts/{body['id']}").status_code == 204
    assert db.session.get(Contact, body["id"]) is None
    assert [event.action for event in audit_log() if event.subject_type == "contact"] == [
        "contact.added",
        "contact.updated",
        "contact.removed",
    ]


def test_contact_rules_answer_by_field_and_change_nothing(api, admin, own):
    client = api(admin)
    path = f"/members/organizations/{own['organization'].id}/contacts"
    before = unchanged_state()
    duplicate = client.post(
        path, json={"name": "Again", "email": own["colleague"].email.upper(), "role": "billing"}
    )
    assert duplicate.status_code == 422
    assert "email" in duplicate.get_json()["errors"]
    bad = client.post(path, json={"name": "", "email": "not an address", "role": "boss"})
    assert bad.status_code == 422
    assert {"name", "email", "role"} <= set(bad.get_json()["errors"])
    sign_in = client.patch(
        f"/members/contacts/{own['contact'].id}", json={"email": "elsewhere@example.com"}
    )
    assert sign_in.status_code == 422
    assert "email" in sign_in.get_json()["errors"]
    assert unchanged_state() == before


def test_a_representative_changes_only_their_own_name_title_and_phone(api, own, other, audit_log):
    client = api(own["user"])
    response = client.patch(
        f"/members/contacts/{own['contact'].id}", json={"title": "Head of R&D", "phone": "+49 1"}
    )
    assert response.status_code == 200
    assert response.get_json()["title"] == "Head of R&D"
    assert [event.actor_id for event in audit_log("contact.updated")] == [own["user"].id]

    before = unchanged_state()
    role = client.patch(f"/members/contacts/{own['contact'].id}", json={"role": "billing"})
    assert role.status_code == 403
    assert "role" in role.get_json()["message"]
    colleague = client.patch(f"/members/contacts/{own['colleague'].id}", json={"title": "X"})
    assert colleague.status_code == 403
    elsewhere = client.patch(f"/members/contacts/{other['colleague'].id}", json={"title": "X"})
    assert elsewhere.status_code == 404
    assert client.delete(f"/members/contacts/{own['colleague'].id}").status_code == 403
    assert unchanged_state() == before


# Invoices


def test_admin_lists_and_filters_invoices(api, admin, own, other, lapsed):
    client = api(admin)
    every = client.get("/members/invoices", query_string={"per_page": 100})
    assert set(_ids(every)) == {own["invoice"].id, other["invoice"].id, lapsed["invoice"].id}
    assert every.get_json()["items"][0]["organization_name"] in {"Siemens", "Sanofi"}
    by_organization = client.get(
        "/members/invoices", query_string={"organization_id": own["organization"].id}
    )
    assert _ids(by_organization) == [own["invoice"].id]
    services.mark_invoice_paid(other["invoice"], actor=admin, paid_on=days(-80))
    db.session.commit()
    overdue = client.get("/members/invoices", query_string={"status": "overdue"})
    assert set(_ids(overdue)) == {own["invoice"].id, lapsed["invoice"].id}
    assert all(item["is_overdue"] for item in overdue.get_json()["items"])
    paid = client.get("/members/invoices", query_string={"status": "paid"})
    assert _ids(paid) == [other["invoice"].id]
    # Fiscal years start in July: FY2026 runs from July 2025 to June 2026.
    fy2026 = client.get("/members/invoices", query_string={"fiscal_year": 2026, "sort": "number"})
    assert set(_ids(fy2026)) == {own["invoice"].id, other["invoice"].id}
    fy2024 = client.get("/members/invoices", query_string={"fiscal_year": 2024})
    assert _ids(fy2024) == [lapsed["invoice"].id]


def test_a_representative_reads_only_their_organizations_invoices(api, own, other):
    client = api(own["user"])
    assert _ids(client.get("/members/invoices")) == [own["invoice"].id]
    # Asking for another member's invoices finds nothing rather than widening the scope.
    assert (
        _ids(
            client.get(
                "/members/invoices", query_string={"organization_id": other["organization"].id}
            )
        )
        == []
    )
    mine = client.get(f"/members/invoices/{own['invoice'].id}")
    assert mine.status_code == 200
    assert mine.get_json()["number"] == own["invoice"].number
    assert client.get(f"/members/invoices/{other['invoice'].id}").status_code == 404


def test_admin_issues_an_invoice_for_a_term_with_audit(api, admin, own, audit_log):
    response = api(admin).post(
        f"/members/organizations/{own['organization'].id}/invoices",
        json={"term_id": own["term"].id, "amount": "1234.50", "due_on": days(10).isoformat()},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["amount"] == "1234.50"
    assert body["issued_on"] == TODAY.isoformat()
    assert body["status"] == "issued" and body["is_overdue"] is False
    assert body["number"].startswith("2026-")
    assert str(body["id"]) in [event.subject_id for event in audit_log("invoice.issued")]


def test_an_invoice_for_another_members_term_or_a_bad_amount_is_refused(api, admin, own, other):
    client = api(admin)
    path = f"/members/organizations/{own['organization'].id}/invoices"
    before = unchanged_state()
    foreign = client.post(path, json={"term_id": other["term"].id})
    assert foreign.status_code == 422
    assert "term_id" in foreign.get_json()["errors"]
    zero = client.post(path, json={"term_id": own["term"].id, "amount": "0"})
    assert zero.status_code == 422 and "amount" in zero.get_json()["errors"]
    early = client.post(
        path,
        json={
            "term_id": own["term"].id,
            "issued_on": TODAY.isoformat(),
            "due_on": days(-1).isoformat(),
        },
    )
    assert early.status_code == 422 and "due_on" in early.get_json()["errors"]
    assert (
        client.post("/members/organizations/999999/invoices", json={"term_id": 1}).status_code
        == 404
    )
    assert unchanged_state() == before


def test_admin_marks_an_invoice_paid_once(api, admin, own, audit_log):
    client = api(admin)
    path = f"/members/invoices/{own['invoice'].id}/actions/mark-paid"
    future = client.post(path, json={"paid_on": days(1).isoformat()})
    assert future.status_code == 422 and "paid_on" in future.get_json()["errors"]
    paid = client.post(path, json={"paid_on": TODAY.isoformat(), "reference": "SWIFT 42"})
    assert paid.status_code == 200
    assert paid.get_json()["status"] == "paid"
    assert paid.get_json()["payment_reference"] == "SWIFT 42"
    assert [event.detail["reference"] for event in audit_log("invoice.paid")] == ["SWIFT 42"]
    before = unchanged_state()
    again = client.post(path, json={"paid_on": TODAY.isoformat()})
    assert again.status_code == 409
    assert again.get_json()["code"] == "state_conflict"
    void = client.post(f"/members/invoices/{own['invoice'].id}/actions/void", json={"reason": "X"})
    assert void.status_code == 409
    assert unchanged_state() == before


def test_admin_voids_an_invoice_with_a_reason(api, admin, own, audit_log):
    client = api(admin)
    path = f"/members/invoices/{own['invoice'].id}/actions/void"
    before = unchanged_state()
    blank = client.post(path, json={"reason": "   "})
    assert blank.status_code == 422
    assert blank.get_json()["errors"] == {"reason": ["Say why the invoice is voided."]}
    assert client.post(path, json={}).status_code == 422
    assert unchanged_state() == before
    voided = client.post(path, json={"reason": "Billed twice."})
    assert voided.status_code == 200
    assert voided.get_json()["status"] == InvoiceStatus.VOID.value
    assert voided.get_json()["void_reason"] == "Billed twice."
    assert [event.detail["reason"] for event in audit_log("invoice.voided")] == ["Billed twice."]


# The member directory


def test_the_directory_lists_members_in_good_standing_for_representatives(
    api, admin, own, other, lapsed
):
    OrganizationFactory(name="Prospect Inc")
    in_grace = _member(admin, "Grace GmbH", starts=-400, ends=-10)
    response = api(own["user"]).get("/members/directory")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["name"] for item in items] == ["Grace GmbH", "Sanofi", "Siemens"]
    assert items[1] == {
        "id": other["organization"].id,
        "name": "Sanofi",
        "tier": other["organization"].tier.name,
        "sector": "Pharmaceuticals",
        "country": "France",
        "website": "https://example.com",
    }
    assert in_grace["organization"].id in _ids(response)
    by_country = api(own["user"]).get("/members/directory", query_string={"sort": "-country"})
    assert [item["country"] for item in by_country.get_json()["items"]][0] == "United States"


def test_the_directory_is_for_members_only(api, admin):
    response = api(admin).get("/members/directory")
    assert response.status_code == 403


# Constant query counts


def _queries_for(client, path: str, count_queries) -> int:
    client.get(path)  # the token's first use records it; measure the requests after
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_lists_cost_the_same_queries_for_3_rows_or_30(api, admin, app, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_ON_NEW_TERM", False)
    client = api(admin)
    tier = TierFactory()
    first = OrganizationFactory(name="Company 000", tier=tier)
    representative_user = representative(first)
    paths = (
        "/members/organizations?per_page=100",
        f"/members/organizations/{first.id}/terms?per_page=100",
        f"/members/organizations/{first.id}/contacts?per_page=100",
        "/members/invoices?per_page=100",
    )

    def grow_to(rows: int) -> None:
        organizations = db.session.query(Organization).count()
        for index in range(organizations, rows):
            organization = OrganizationFactory(tier=TierFactory())
            term = TermFactory(organization=organization, starts_on=days(-100), ends_on=days(265))
            services.issue_invoice(term, actor=admin)
            ContactFactory(organization=first)
            TermFactory(
                organization=first,
                starts_on=days(-100 - 400 * (index + 1)),
                ends_on=days(-100 - 400 * index - 40),
            )
        db.session.commit()

    grow_to(3)
    small = [_queries_for(client, path, count_queries) for path in paths]
    member = api(representative_user)
    TermFactory(organization=first, starts_on=days(-100), ends_on=days(265))
    small_directory = _queries_for(member, "/members/directory?per_page=100", count_queries)
    grow_to(30)
    large = [_queries_for(client, path, count_queries) for path in paths]
    large_directory = _queries_for(member, "/members/directory?per_page=100", count_queries)
    assert large == small
    assert large_directory == small_directory


def test_representatives_see_colleagues_without_their_phone_as_in_the_portal(api, admin, own):
    own["colleague"].phone = "+1 555 0100"
    own["contact"].phone = "+1 555 0199"
    db.session.commit()
    path = f"/members/organizations/{own['organization'].id}/contacts"
    seen = {item["id"]: item for item in api(own["user"]).get(path).get_json()["items"]}
    assert "phone" not in seen[own["colleague"].id]
    assert seen[own["colleague"].id]["email"] == own["colleague"].email
    assert seen[own["contact"].id]["phone"] == "+1 555 0199"
    by_admin = {item["id"]: item for item in api(admin).get(path).get_json()["items"]}
    assert by_admin[own["colleague"].id]["phone"] == "+1 555 0100"
