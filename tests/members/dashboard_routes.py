"""Membership dashboard and seed-fund routes in the authorization matrix: administrators only."""

from tests.authz import Route, admin_only

ROUTES = [
    Route("members.dashboard", "GET", "/admin/members/dashboard", admin_only(200)),
    Route("members.seed_fund", "GET", "/admin/members/seed-fund", admin_only(200)),
    Route("members.seed_fund", "GET", "/admin/members/seed-fund?year=2027", admin_only(200)),
    Route("members.seed_fund", "GET", "/admin/members/seed-fund?year=0", admin_only(404)),
]
