"""Member import and export routes in the authorization matrix: administrators only."""

from tests.authz import Route, admin_only, everyone

EXPORTS = [
    Route("members.export", "GET", f"/admin/members/export/{dataset}.{fmt}", admin_only(200))
    for dataset in ("members", "contacts", "invoices")
    for fmt in ("csv", "xlsx")
]

ROUTES = [
    Route("members.import_csv", "GET", "/admin/members/import", admin_only(200)),
    # No file: the form is shown again with its error, and nothing is stored.
    Route("members.import_csv", "POST", "/admin/members/import", admin_only(200)),
    # A well-formed token naming no upload: refused with a message, nothing written.
    Route(
        "members.import_confirm",
        "POST",
        "/admin/members/import/confirm",
        admin_only(302),
        {"token": "0" * 32},
    ),
    Route("members.import_template", "GET", "/admin/members/import/template.csv", admin_only(200)),
    *EXPORTS,
    Route("members.export", "GET", "/admin/members/export/users.csv", everyone(404)),
    Route("members.export", "GET", "/admin/members/export/members.pdf", everyone(404)),
]
