"""Security by default: headers, CSRF, cookies, production settings, error pages."""

import pytest

from app import create_app
from config import ProductionConfig, TestingConfig
from tests.factories import PASSWORD, UserFactory


def test_every_page_carries_the_security_headers(client):
    response = client.get("/login")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_remote_assets(login):
    html = login(UserFactory(admin=True)).get("/admin/users/").get_data(as_text=True)

    assert "<script>" not in html and "onclick=" not in html and "style=" not in html
    assert "cdn." not in html and "https://" not in html
    assert '<script src="/bootstrap/static/js/bootstrap.min.js"></script>' in html


def test_bootstrap_is_served_locally(client):
    response = client.get("/bootstrap/static/css/bootstrap.min.css")

    assert response.status_code == 200
    assert b"Bootstrap" in response.data[:200]


def test_post_without_csrf_token_is_refused(app, client):
    UserFactory(email="rosa@mit.edu")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "rosa@mit.edu", "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False

    assert response.status_code == 400
    assert b"Form expired" in response.data
    assert client.get("/account").status_code == 302


def test_post_with_csrf_token_works(app, client):
    UserFactory(email="rosa@mit.edu")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"email": "rosa@mit.edu", "password": PASSWORD, "csrf_token": token}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False

    assert response.status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client):
    UserFactory(email="rosa@mit.edu")

    response = client.post("/login", data={"email": "rosa@mit.edu", "password": PASSWORD})

    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("secret", "database", "message"),
    [
        (None, "postgresql+psycopg://db/x", "SECRET_KEY"),
        ("short", "postgresql+psycopg://db/x", "SECRET_KEY"),
        ("x" * 48, None, "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_real_settings(monkeypatch, secret, database, message):
    for name, value in (("SECRET_KEY", secret), ("DATABASE_URL", database)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    with pytest.raises(RuntimeError, match=message):
        create_app(ProductionConfig)


def test_production_starts_with_real_settings_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite3")

    app = create_app(ProductionConfig)

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "k" * 48


def test_unknown_app_config_name_is_a_clear_error():
    with pytest.raises(RuntimeError, match="APP_CONFIG must be one of"):
        create_app("staging")


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [("/no/such/page", 404, "Not found"), ("/logout", 405, "Method not allowed")],
)
def test_error_pages_are_pages_of_the_site(client, path, status, text):
    response = client.get(path)

    assert response.status_code == status
    assert text.encode() in response.data
    assert b'<nav class="navbar' in response.data


def test_403_page(login):
    response = login(UserFactory(researcher=True)).get("/admin/users/")

    assert response.status_code == 403
    assert b"Not allowed" in response.data


def test_500_page_says_nothing_was_half_saved(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite3")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert b"Nothing you submitted was half-saved" in response.data


def test_api_paths_get_json_errors(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json["status"] == 404
    assert response.json["code"] == "not_found"


def test_a_request_body_over_the_limit_gets_a_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024)})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024

    assert response.status_code == 413
    assert b"larger than the 1 MB this site accepts" in response.data
