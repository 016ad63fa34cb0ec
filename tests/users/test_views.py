"""Administrators list, search, grant and revoke roles, deactivate and reactivate accounts."""

import pytest

from app.auth.models import Role
from tests.factories import UserFactory


def test_user_list_searches_by_name_or_email(login):
    admin = UserFactory(admin=True, name="Avery Admin")
    UserFactory(name="Grace Hopper", email="grace@navy.mil")
    UserFactory(name="Alan Turing", email="alan@manchester.ac.uk")
    client = login(admin)

    by_name = client.get("/admin/users/?q=hopper").get_data(as_text=True)
    by_email = client.get("/admin/users/?q=MANCHESTER").get_data(as_text=True)

    assert "Grace Hopper" in by_name and "Alan Turing" not in by_name
    assert "Alan Turing" in by_email and "Grace Hopper" not in by_email


def test_user_list_filters_by_role_and_status(login):
    admin = UserFactory(admin=True)
    UserFactory(reviewer=True, name="Rita Reviewer")
    UserFactory(researcher=True, name="Rex Researcher", deactivated=True)
    client = login(admin)

    reviewers = client.get("/admin/users/?role=reviewer").get_data(as_text=True)
    inactive = client.get("/admin/users/?status=inactive").get_data(as_text=True)

    assert "Rita Reviewer" in reviewers and "Rex Researcher" not in reviewers
    assert "Rex Researcher" in inactive and "Rita Reviewer" not in inactive


def test_user_list_is_paginated(login):
    admin = UserFactory(admin=True, name="Aaa Admin")
    UserFactory.create_batch(55)
    client = login(admin)

    first = client.get("/admin/users/").get_data(as_text=True)
    second = client.get("/admin/users/?page=2").get_data(as_text=True)

    assert "56 users" in first
    assert first.count('href="/admin/users/') - second.count('href="/admin/users/') > 40
    assert 'aria-current="page">2<' in second


def test_user_list_query_count_does_not_grow_with_rows(login, count_queries):
    admin = UserFactory(admin=True)
    client = login(admin)
    client.get("/admin/users/")
    with count_queries() as one_row:
        client.get("/admin/users/")
    UserFactory.create_batch(49, roles_given=(Role.REVIEWER, Role.RESEARCHER))
    with count_queries() as fifty_rows:
        client.get("/admin/users/")

    assert fifty_rows.count == one_row.count


def test_admin_grants_a_role(login, audit_log):
    admin = UserFactory(admin=True)
    target = UserFactory(researcher=True)

    response = login(admin).post(f"/admin/users/{target.id}/roles", data={"role": "reviewer"})

    assert response.status_code == 302
    assert target.role_set == {Role.RESEARCHER, Role.REVIEWER}
    [event] = audit_log("user.role_granted")
    assert (event.actor_id, event.subject_id, event.detail) == (
        admin.id,
        str(target.id),
        {"role": "reviewer"},
    )


def test_admin_revokes_a_role(login, audit_log):
    admin = UserFactory(admin=True)
    target = UserFactory(roles_given=(Role.RESEARCHER, Role.REVIEWER))

    login(admin).post(f"/admin/users/{target.id}/roles/reviewer/revoke")

    assert target.role_set == {Role.RESEARCHER}
    assert audit_log("user.role_revoked")[0].detail == {"role": "reviewer"}


def test_revoking_an_unknown_role_is_404(login):
    admin = UserFactory(admin=True)

    assert login(admin).post(f"/admin/users/{admin.id}/roles/emperor/revoke").status_code == 404


def test_the_last_active_administrator_cannot_lose_the_role(login, audit_log):
    admin = UserFactory(admin=True)

    response = login(admin).post(
        f"/admin/users/{admin.id}/roles/admin/revoke", follow_redirects=True
    )

    assert b"last active administrator" in response.data
    assert admin.role_set == {Role.ADMIN}
    assert audit_log("user.role_revoked") == []


def test_an_administrator_can_step_down_when_another_remains(login):
    admin = UserFactory(admin=True)
    UserFactory(admin=True)

    login(admin).post(f"/admin/users/{admin.id}/roles/admin/revoke")

    assert admin.role_set == frozenset()


def test_a_deactivated_administrator_does_not_count_as_the_other_one(login):
    admin = UserFactory(admin=True)
    UserFactory(admin=True, deactivated=True)

    login(admin).post(f"/admin/users/{admin.id}/roles/admin/revoke")

    assert admin.role_set == {Role.ADMIN}


def test_the_last_active_administrator_cannot_be_deactivated(app, login):
    from app.auth import services
    from app.errors import ConflictError
    from app.extensions import db

    admin = UserFactory(admin=True)
    other = UserFactory(admin=True)
    login(admin).post(f"/admin/users/{other.id}/deactivate", data={"reason": "left"})
    assert other.is_active is False

    with pytest.raises(ConflictError):
        services.deactivate_user(admin, actor=admin)
    db.session.rollback()
    assert admin.is_active is True


def test_admin_deactivates_and_reactivates_an_account(login, audit_log):
    admin = UserFactory(admin=True)
    target = UserFactory(researcher=True)
    old_token = target.session_token
    client = login(admin)

    client.post(f"/admin/users/{target.id}/deactivate", data={"reason": "Left the university"})
    assert target.is_active is False
    assert target.session_token != old_token
    assert audit_log("user.deactivated")[0].detail == {"reason": "Left the university"}

    client.post(f"/admin/users/{target.id}/reactivate")
    assert target.is_active is True
    assert audit_log("user.reactivated")[0].actor_id == admin.id


def test_admin_cannot_deactivate_themselves(login):
    admin = UserFactory(admin=True)
    UserFactory(admin=True)

    response = login(admin).post(f"/admin/users/{admin.id}/deactivate")

    assert response.status_code == 403
    assert admin.is_active is True


def test_user_page_shows_roles_and_history(login):
    admin = UserFactory(admin=True)
    target = UserFactory(researcher=True, name="Hist Ory")
    client = login(admin)
    client.post(f"/admin/users/{target.id}/roles", data={"role": "member"})

    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)

    assert "Member representative" in page
    assert "user.role_granted" in page


def test_missing_user_is_404(login):
    assert login(UserFactory(admin=True)).get("/admin/users/999999").status_code == 404
