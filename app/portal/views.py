"""Member representatives see their own membership, keep their details and browse the directory."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app import clock
from app.auth.models import Role
from app.errors import DomainError
from app.extensions import db
from app.members import services as member_services
from app.members.models import Contact, MembershipStatus
from app.members.policy import (
    OWN_CONTACT_FIELDS,
    can_edit_contact,
    can_view_organization_portal,
)
from app.portal import bp, queries
from app.portal.access import MembershipNotActive, grace_days, representation
from app.portal.forms import ContactDetailsForm
from app.seed.queries import demo_data_loaded
from app.web import form_error, require, role_required


@bp.errorhandler(MembershipNotActive)
def membership_not_active(error: MembershipNotActive):
    """Explain why the member pages are closed, instead of a bare 403."""
    return render_template(
        "portal/not_active.html", contact=error.contact, status=error.status
    ), 403


def _representation() -> tuple[Contact, MembershipStatus]:
    """Return the signed-in representative's contact and their organization's status today."""
    return representation(current_user)


@bp.route("/")
@role_required(Role.MEMBER)
def home():
    """Show the representative's organization: profile, terms, invoices, commitments, contacts."""
    contact, status = _representation()
    organization = contact.organization
    require(can_view_organization_portal(current_user, organization, contact, status))
    start_month = current_app.config["FISCAL_YEAR_START_MONTH"]
    return render_template(
        "portal/home.html",
        contact=contact,
        organization=organization,
        status=status,
        terms=organization.terms,
        invoices=organization.invoices,
        commitments=queries.commitments_by_year(organization.terms, start_month),
        contacts=organization.contacts,
        today=clock.today(),
        demo=demo_data_loaded(),
    )


@bp.route("/contact", methods=["GET", "POST"])
@role_required(Role.MEMBER)
def edit_contact():
    """Let the representative correct their own name, job title and phone."""
    contact, status = _representation()
    require(can_edit_contact(current_user, contact, contact, status))
    form = ContactDetailsForm(obj=contact)
    if form.validate_on_submit():
        try:
            member_services.update_contact(
                contact,
                actor=current_user,
                **{field: getattr(form, field).data for field in OWN_CONTACT_FIELDS},
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash("Your contact details are saved.", "success")
            return redirect(url_for("portal.home"))
    return render_template("portal/contact.html", form=form, contact=contact)


@bp.route("/directory")
@role_required(Role.MEMBER)
def directory():
    """List the members in good standing: names, tiers, sectors, countries and websites only."""
    _representation()
    return render_template(
        "portal/directory.html", members=queries.directory(clock.today(), grace_days())
    )
