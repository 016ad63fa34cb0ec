"""Administrators run membership: members, tiers, terms, contacts and invoices."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import contains_eager, selectinload

from app import clock
from app.auth.models import Role
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, choices
from app.members import bp, queries, services
from app.members.forms import (
    ContactForm,
    InvoiceFilterForm,
    InvoiceForm,
    MemberFilterForm,
    OrganizationForm,
    PaymentForm,
    ReasonForm,
    TermForm,
    TierForm,
)
from app.members.models import (
    Contact,
    Invoice,
    MembershipTerm,
    Organization,
    Tier,
)
from app.web import flash_error, form_error, get_or_404, page_number, paginate_rows, role_required

admin_required = role_required(Role.ADMIN)


def _grace_days() -> int:
    return current_app.config["MEMBERSHIP_GRACE_DAYS"]


def _tier_choices():
    tiers = db.session.scalars(sa.select(Tier).order_by(Tier.annual_fee.desc(), Tier.name))
    return choices((tier.id, tier.name) for tier in tiers)


# Members


@bp.route("/")
@admin_required
def index():
    """List, search, filter and sort members."""
    filters = MemberFilterForm(request.args)
    filters.tier.choices = choices(
        [("", "Any tier"), *((t.value, t.label) for t in _tier_choices())]
    )
    filters.sector.choices = choices(
        [("", "Any sector")] + [(v, v) for v in queries.distinct_values(Organization.sector)]
    )
    filters.country.choices = choices(
        [("", "Any country")] + [(v, v) for v in queries.distinct_values(Organization.country)]
    )
    criteria = {}
    if filters.validate():
        criteria = {
            "q": filters.q.data or "",
            "tier_id": filters.tier.data,
            "status": filters.status.data or "",
            "sector": filters.sector.data or "",
            "country": filters.country.data or "",
            "sort": filters.sort.data or "name",
        }
    query = queries.organizations_query(clock.today(), _grace_days(), **criteria)
    page = paginate_rows(query)
    return render_template("members/index.html", page=page, filters=filters)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    """Add a member organization."""
    form = OrganizationForm()
    form.tier_id.choices = _tier_choices()
    if not form.tier_id.choices:
        flash("Create a tier first: every member belongs to one.", "info")
        return redirect(url_for("members.create_tier"))
    if form.validate_on_submit():
        try:
            organization = services.create_organization(
                actor=current_user, **_organization_values(form)
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{organization.name} is added. Add a term to make it a member.", "success")
            return redirect(url_for("members.detail", organization_id=organization.id))
    return render_template("members/organization_form.html", form=form, organization=None)


def _organization_values(form: OrganizationForm) -> dict:
    return {
        "name": form.name.data,
        "tier_id": form.tier_id.data,
        "sector": (form.sector.data or "").strip(),
        "country": (form.country.data or "").strip(),
        "website": (form.website.data or "").strip(),
        "themes": (form.themes.data or "").strip(),
    }


@bp.route("/<int:organization_id>")
@admin_required
def detail(organization_id: int):
    """Show a member with its terms, contacts, invoices, commitments and history."""
    organization = get_or_404(Organization, organization_id)
    today = clock.today()
    status = queries.organization_status(organization, today, _grace_days())
    terms = db.session.scalars(
        sa.select(MembershipTerm)
        .where(MembershipTerm.organization_id == organization.id)
        .order_by(MembershipTerm.starts_on.desc())
    ).all()
    contacts = db.session.scalars(
        sa.select(Contact)
        .where(Contact.organization_id == organization.id)
        .options(selectinload(Contact.user))
        .order_by(Contact.name)
    ).all()
    invoices = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.organization_id == organization.id)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
    ).all()
    history = db.session.scalars(
        queries.organization_history(
            organization,
            term_ids=[term.id for term in terms],
            invoice_ids=[invoice.id for invoice in invoices],
            contact_ids=[contact.id for contact in contacts],
        )
    ).all()
    return render_template(
        "members/detail.html",
        organization=organization,
        status=status,
        terms=terms,
        contacts=contacts,
        invoices=invoices,
        representatives=sum(1 for contact in contacts if contact.user_id),
        history=history,
        today=today,
        withdraw_form=ReasonForm(formdata=None),
        payment_form=PaymentForm(formdata=None, paid_on=today),
        void_form=ReasonForm(formdata=None),
        empty_form=EmptyForm(),
    )


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(organization_id: int):
    """Edit a member's details; a concurrent edit is caught, not overwritten."""
    organization = get_or_404(Organization, organization_id)
    form = OrganizationForm(obj=organization)
    form.tier_id.choices = _tier_choices()
    if request.method == "GET":
        form.version.data = organization.version
    if form.validate_on_submit():
        try:
            services.update_organization(
                organization,
                actor=current_user,
                expected_version=int(form.version.data or 0),
                **_organization_values(form),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{organization.name} is saved.", "success")
            return redirect(url_for("members.detail", organization_id=organization.id))
    return render_template("members/organization_form.html", form=form, organization=organization)


@bp.route("/<int:organization_id>/withdraw", methods=["POST"])
@admin_required
def withdraw(organization_id: int):
    """Record that a member withdrew."""
    organization = get_or_404(Organization, organization_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Say why the member withdraws.", "danger")
    else:
        try:
            services.withdraw_organization(
                organization, actor=current_user, reason=form.reason.data
            )
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(
                f"{organization.name} is recorded as withdrawn; "
                "its representatives no longer have member access.",
                "success",
            )
    return redirect(url_for("members.detail", organization_id=organization.id))


# Terms


def _term_values(form: TermForm) -> services.TermValues:
    return services.TermValues(
        tier=db.session.get(Tier, form.tier_id.data),
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        annual_fee=form.annual_fee.data,
        seed_commitment=form.seed_commitment.data or Decimal("0"),
        signed_on=form.signed_on.data,
    )


@bp.route("/<int:organization_id>/terms/new", methods=["GET", "POST"])
@admin_required
def add_term(organization_id: int):
    """Add a term, or renew (prefilled with the next period) with ?renew=1."""
    organization = get_or_404(Organization, organization_id)
    form = TermForm()
    form.tier_id.choices = _tier_choices()
    renewing = request.args.get("renew") == "1"
    if request.method == "GET":
        defaults = services.renewal_defaults(organization) if renewing else None
        form.tier_id.data = defaults.tier.id if defaults else organization.tier_id
        if defaults:
            form.starts_on.data, form.ends_on.data = defaults.starts_on, defaults.ends_on
            form.annual_fee.data, form.seed_commitment.data = (
                defaults.annual_fee,
                defaults.seed_commitment,
            )
    if form.validate_on_submit():
        try:
            term = services.add_term(organization, _term_values(form), actor=current_user)
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Term {term.starts_on:%d %b %Y} – {term.ends_on:%d %b %Y} is added.", "success")
            return redirect(url_for("members.detail", organization_id=organization.id))
    return render_template(
        "members/term_form.html", form=form, organization=organization, term=None, renewing=renewing
    )


@bp.route("/terms/<int:term_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_term(term_id: int):
    """Correct a term."""
    term = get_or_404(MembershipTerm, term_id)
    form = TermForm(obj=term)
    form.tier_id.choices = _tier_choices()
    if form.validate_on_submit():
        try:
            services.update_term(term, _term_values(form), actor=current_user)
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash("The term is saved.", "success")
            return redirect(url_for("members.detail", organization_id=term.organization_id))
    return render_template(
        "members/term_form.html",
        form=form,
        organization=term.organization,
        term=term,
        renewing=False,
    )


# Contacts


@bp.route("/<int:organization_id>/contacts/new", methods=["GET", "POST"])
@admin_required
def add_contact(organization_id: int):
    """Add a contact to a member."""
    organization = get_or_404(Organization, organization_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = services.add_contact(
                organization, actor=current_user, **_contact_values(form)
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{contact.name} is added.", "success")
            return redirect(url_for("members.detail", organization_id=organization.id))
    return render_template(
        "members/contact_form.html", form=form, organization=organization, contact=None
    )


def _contact_values(form: ContactForm) -> dict:
    return {name: getattr(form, name).data for name in ("name", "email", "role", "title", "phone")}


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_contact(contact_id: int):
    """Edit a contact."""
    contact = get_or_404(Contact, contact_id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            services.update_contact(contact, actor=current_user, **_contact_values(form))
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{contact.name} is saved.", "success")
            return redirect(url_for("members.detail", organization_id=contact.organization_id))
    return render_template(
        "members/contact_form.html", form=form, organization=contact.organization, contact=contact
    )


@bp.route("/contacts/<int:contact_id>/remove", methods=["POST"])
@admin_required
def remove_contact(contact_id: int):
    """Remove a contact."""
    contact = get_or_404(Contact, contact_id)
    organization_id = contact.organization_id
    if EmptyForm().validate_on_submit():
        name = contact.name
        services.remove_contact(contact, actor=current_user)
        db.session.commit()
        flash(f"{name} is removed.", "success")
    return redirect(url_for("members.detail", organization_id=organization_id))


@bp.route("/contacts/<int:contact_id>/invite", methods=["POST"])
@admin_required
def invite_representative(contact_id: int):
    """Invite a contact to sign in as a member representative."""
    contact = get_or_404(Contact, contact_id)
    if EmptyForm().validate_on_submit():
        try:
            services.invite_representative(contact, actor=current_user)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(
                f"{contact.name} is invited as a representative of {contact.organization.name}.",
                "success",
            )
    return redirect(url_for("members.detail", organization_id=contact.organization_id))


@bp.route("/contacts/<int:contact_id>/revoke", methods=["POST"])
@admin_required
def remove_representative(contact_id: int):
    """Take away a contact's member access."""
    contact = get_or_404(Contact, contact_id)
    if EmptyForm().validate_on_submit():
        services.remove_representative(contact, actor=current_user)
        db.session.commit()
        flash(f"{contact.name} is no longer a representative.", "success")
    return redirect(url_for("members.detail", organization_id=contact.organization_id))


# Invoices


@bp.route("/terms/<int:term_id>/invoices/new", methods=["GET", "POST"])
@admin_required
def issue_invoice(term_id: int):
    """Issue an invoice for a term."""
    term = get_or_404(MembershipTerm, term_id)
    form = InvoiceForm()
    if request.method == "GET":
        today = clock.today()
        form.amount.data = term.annual_fee
        form.issued_on.data = today
        form.due_on.data = today + timedelta(days=current_app.config["INVOICE_DUE_DAYS"])
    if form.validate_on_submit():
        try:
            invoice = services.issue_invoice(
                term,
                actor=current_user,
                amount=form.amount.data,
                issued_on=form.issued_on.data,
                due_on=form.due_on.data,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Invoice {invoice.number} is issued.", "success")
            return redirect(url_for("members.detail", organization_id=term.organization_id))
    return render_template(
        "members/invoice_form.html", form=form, term=term, organization=term.organization
    )


@bp.route("/invoices")
@admin_required
def invoices():
    """List invoices across members."""
    filters = InvoiceFilterForm(request.args)
    status = filters.status.data if filters.validate() else ""
    today = clock.today()
    if status == "overdue":
        query = queries.invoices_query(overdue_on=today)
    else:
        query = queries.invoices_query(status=status or "")
    query = query.options(contains_eager(Invoice.organization))
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template(
        "members/invoices.html",
        page=page,
        filters=filters,
        today=today,
        payment_form=PaymentForm(formdata=None, paid_on=today),
        void_form=ReasonForm(formdata=None),
    )


def _back_to_invoice(invoice: Invoice):
    target = request.form.get("back")
    if target == "list":
        return redirect(url_for("members.invoices"))
    return redirect(url_for("members.detail", organization_id=invoice.organization_id))


@bp.route("/invoices/<int:invoice_id>/paid", methods=["POST"])
@admin_required
def mark_paid(invoice_id: int):
    """Record payment of an invoice."""
    invoice = get_or_404(Invoice, invoice_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        flash("Enter the date the payment arrived.", "danger")
    else:
        try:
            services.mark_invoice_paid(
                invoice,
                actor=current_user,
                paid_on=form.paid_on.data,
                reference=form.reference.data or "",
            )
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"Invoice {invoice.number} is marked paid.", "success")
    return _back_to_invoice(invoice)


@bp.route("/invoices/<int:invoice_id>/void", methods=["POST"])
@admin_required
def void_invoice(invoice_id: int):
    """Void an invoice with a reason."""
    invoice = get_or_404(Invoice, invoice_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Say why the invoice is voided.", "danger")
    else:
        try:
            services.void_invoice(invoice, actor=current_user, reason=form.reason.data)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"Invoice {invoice.number} is void.", "success")
    return _back_to_invoice(invoice)


# Tiers


@bp.route("/tiers")
@admin_required
def tiers():
    """List tiers with how many members each has."""
    rows = db.session.execute(
        sa.select(Tier, sa.func.count(Organization.id))
        .outerjoin(Organization, Organization.tier_id == Tier.id)
        .group_by(Tier.id)
        .order_by(Tier.annual_fee.desc(), Tier.name)
    ).all()
    return render_template("members/tiers.html", rows=rows, form=EmptyForm())


@bp.route("/tiers/new", methods=["GET", "POST"])
@admin_required
def create_tier():
    """Create a tier."""
    form = TierForm()
    if form.validate_on_submit():
        try:
            tier = services.create_tier(actor=current_user, **_tier_values(form))
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"The {tier.name} tier is created.", "success")
            return redirect(url_for("members.tiers"))
    return render_template("members/tier_form.html", form=form, tier=None)


def _tier_values(form: TierForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "annual_fee": form.annual_fee.data,
        "representatives_allowed": form.representatives_allowed.data,
        "votes": form.votes.data,
        "benefits": (form.benefits.data or "").strip(),
    }


@bp.route("/tiers/<int:tier_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_tier(tier_id: int):
    """Edit a tier."""
    tier = get_or_404(Tier, tier_id)
    form = TierForm(obj=tier)
    if form.validate_on_submit():
        try:
            services.update_tier(tier, actor=current_user, **_tier_values(form))
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"The {tier.name} tier is saved.", "success")
            return redirect(url_for("members.tiers"))
    return render_template("members/tier_form.html", form=form, tier=tier)


@bp.route("/tiers/<int:tier_id>/delete", methods=["POST"])
@admin_required
def delete_tier(tier_id: int):
    """Delete an unused tier."""
    tier = get_or_404(Tier, tier_id)
    if EmptyForm().validate_on_submit():
        name = tier.name
        try:
            services.delete_tier(tier, actor=current_user)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"The {name} tier is deleted.", "success")
    return redirect(url_for("members.tiers"))
