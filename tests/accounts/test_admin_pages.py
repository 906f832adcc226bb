"""The administrator's pages: accounts and bodies, through the web, audited, for admins only.

Each promise gets the careless or hostile case too: a non-admin finds nothing, an empty
form keeps what was typed and answers in Vietnamese, the last administrator cannot lock
everyone out, a deactivated user's open browser is signed out at its next request.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Body, Role, SignInThrottle, User
from meetingsvc.audit.models import AuditEvent
from tests.conftest import PASSWORD

OFFICE = "198.51.100.9"
NEW_PASSWORD = "mot-mat-khau-rieng-2026"


def audit(session, action):
    session.expire_all()
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                           .order_by(AuditEvent.id)).all()


def details(event):
    return json.loads(event.details)


def fresh(session, user):
    session.expire_all()
    return session.get(User, user.id)


def temporary_password_in(html: str) -> str:
    match = re.search(r'class="secret temporary-password">([^<]+)<', html)
    assert match, html
    return match.group(1).strip()


def sign_in_as(app, username, password, address=OFFICE):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address  # the same browser, the same address
    answer = browser.post("/sign-in", data={"username": username, "password": password})
    return browser, answer


@pytest.fixture
def admin(make_user, sign_in):
    user = make_user(Role.ADMIN, username="quantri", full_name="Trần Quản Trị")
    sign_in(user)
    return user


# --- creating an account ------------------------------------------------------------


def test_an_admin_creates_an_account_that_signs_in_and_must_choose_a_password(
        app, client, admin, session):
    answer = client.post("/admin/accounts/new", data={
        "full_name": "Phạm Thị Lan", "username": "phamthilan", "title": "Ủy viên BTV",
        "email": "lan@example.org", "role": "delegate", "password": ""})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    password = temporary_password_in(html)
    assert len(password) >= 10
    user = session.scalar(select(User).where(User.username == "phamthilan"))
    assert user.full_name == "Phạm Thị Lan" and user.role == "delegate"
    assert user.must_change_password
    created = audit(session, "account.created")
    assert details(created[-1])["username"] == "phamthilan"
    assert created[-1].actor_name == admin.username

    browser, signed_in = sign_in_as(app, "phamthilan", password)
    assert signed_in.status_code == 302
    # Every page but the password change (and signing out) leads to the password change.
    for path in ("/", "/meetings/", "/account/security"):
        answer = browser.get(path)
        assert answer.status_code == 302 and answer.headers["Location"] == "/account/password"
    page = browser.get("/account/password").get_data(as_text=True)
    assert "Mật khẩu của bạn do quản trị viên đặt" in page
    changed = browser.post("/account/password", data={
        "current": password, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert changed.status_code == 302
    assert browser.get("/meetings/").status_code == 200
    assert not fresh(session, user).must_change_password


def test_an_empty_new_account_form_answers_in_vietnamese_and_keeps_what_was_typed(
        client, admin, session):
    before = session.query(User).count()
    answer = client.post("/admin/accounts/new", data={
        "full_name": "", "username": "nguyen van a", "title": "Chánh Văn phòng",
        "email": "khong-phai-email", "role": "delegate"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "Vui lòng điền mục này." in html
    assert "Không phải địa chỉ e-mail." in html
    assert "không dấu" in html  # the username's rule
    assert 'value="Chánh Văn phòng"' in html and 'value="nguyen van a"' in html
    assert session.query(User).count() == before


def test_a_taken_username_or_a_weak_password_is_refused_under_its_field(
        client, admin, make_user, session):
    make_user(username="hoangvankhai")
    taken = client.post("/admin/accounts/new", data={
        "full_name": "Hoàng Văn Khải", "username": "HoangVanKhai", "role": "delegate"})
    assert taken.status_code == 400
    assert "Tên đăng nhập HoangVanKhai đã có người dùng" in taken.get_data(as_text=True)
    weak = client.post("/admin/accounts/new", data={
        "full_name": "Lê Văn Bình", "username": "levanbinh", "role": "delegate",
        "password": "1234567890"})
    assert weak.status_code == 400
    assert "dễ đoán" in weak.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "levanbinh")) is None


def test_creating_needs_the_csrf_token(app, client, admin, session):
    app.config["WTF_CSRF_ENABLED"] = True
    answer = client.post("/admin/accounts/new", data={
        "full_name": "Phạm Thị Lan", "username": "phamthilan", "role": "admin"})
    assert answer.status_code == 400
    assert session.scalar(select(User).where(User.username == "phamthilan")) is None


# --- listing and editing ----------------------------------------------------------------


def test_the_list_finds_accounts_by_name_role_and_status(client, admin, make_user, session):
    make_user(username="lyminhhoang", full_name="Lý Minh Hoàng")
    gone = make_user(Role.SECRETARIAT, username="thuky", full_name="Đỗ Thư Ký")
    gone.active = False
    session.commit()
    everyone = client.get("/admin/accounts").get_data(as_text=True)
    assert "Lý Minh Hoàng" in everyone and "Đỗ Thư Ký" in everyone
    found = client.get("/admin/accounts?q=minh").get_data(as_text=True)
    assert "Lý Minh Hoàng" in found and "Đỗ Thư Ký" not in found
    by_role = client.get("/admin/accounts?role=secretariat").get_data(as_text=True)
    assert "Đỗ Thư Ký" in by_role and "Lý Minh Hoàng" not in by_role
    active = client.get("/admin/accounts?status=active").get_data(as_text=True)
    assert "Đỗ Thư Ký" not in active and "Lý Minh Hoàng" in active


def test_editing_details_and_role_is_audited_and_ends_the_users_sessions(
        app, client, admin, make_user, session):
    user = make_user(Role.DELEGATE, username="phamvanan", full_name="Phạm Văn An")
    browser, _ = sign_in_as(app, "phamvanan", PASSWORD)
    assert browser.get("/meetings/").status_code == 200
    answer = client.post(f"/admin/accounts/{user.id}", data={
        "full_name": "Phạm Văn An", "title": "Phó Chánh Văn phòng", "email": "",
        "role": "secretariat"})
    assert answer.status_code == 302
    user = fresh(session, user)
    assert user.title == "Phó Chánh Văn phòng" and user.role == "secretariat"
    updated = audit(session, "account.updated")
    assert details(updated[-1])["changes"]["title"]["to"] == "Phó Chánh Văn phòng"
    assert details(audit(session, "account.role_changed")[-1])["to"] == "secretariat"
    signed_out = browser.get("/meetings/")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/sign-in")


def test_an_empty_edit_keeps_the_account_unchanged(client, admin, make_user, session):
    user = make_user(username="phamvanan", full_name="Phạm Văn An")
    answer = client.post(f"/admin/accounts/{user.id}", data={
        "full_name": "", "title": "Ủy viên", "role": "delegate"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "Vui lòng điền mục này." in html and 'value="Ủy viên"' in html
    assert fresh(session, user).full_name == "Phạm Văn An"
    assert audit(session, "account.updated") == []


def test_the_last_admin_cannot_demote_or_deactivate_themselves(client, admin, session):
    answer = client.post(f"/admin/accounts/{admin.id}", data={
        "full_name": admin.full_name, "role": "delegate"})
    assert answer.status_code == 400
    assert "quản trị viên cuối cùng" in answer.get_data(as_text=True)
    assert fresh(session, admin).role == "admin"
    assert client.post(f"/admin/accounts/{admin.id}/deactivate").status_code == 302
    assert fresh(session, admin).active
    assert audit(session, "account.deactivated") == []
    assert audit(session, "account.role_changed") == []


def test_an_admin_may_step_down_while_another_admin_remains(
        client, admin, make_user, session):
    make_user(Role.ADMIN, username="quantri2")
    answer = client.post(f"/admin/accounts/{admin.id}", data={
        "full_name": admin.full_name, "role": "secretariat"})
    assert answer.status_code == 302
    assert fresh(session, admin).role == "secretariat"
    assert client.get("/admin/accounts").status_code in (302, 404)  # signed out, no longer admin


def test_the_cli_cannot_deactivate_the_last_admin_either(runner, make_user, session):
    only = make_user(Role.ADMIN, username="quantri")
    result = runner.invoke(args=["users", "deactivate", "quantri"])
    assert result.exit_code != 0
    assert fresh(session, only).active


# --- deactivation ----------------------------------------------------------------


def test_deactivation_asks_first_then_ends_the_users_live_session(
        app, client, admin, make_user, session):
    user = make_user(username="phamvanan", full_name="Phạm Văn An")
    browser, _ = sign_in_as(app, "phamvanan", PASSWORD)
    assert browser.get("/meetings/").status_code == 200
    confirm = client.get(f"/admin/accounts/{user.id}/deactivate")
    assert confirm.status_code == 200
    assert "Vô hiệu hóa Phạm Văn An?" in confirm.get_data(as_text=True)
    assert fresh(session, user).active  # asking changed nothing
    assert client.post(f"/admin/accounts/{user.id}/deactivate").status_code == 302
    assert not fresh(session, user).active
    assert details(audit(session, "account.deactivated")[-1])["username"] == "phamvanan"
    signed_out = browser.get("/meetings/")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/sign-in")
    assert sign_in_as(app, "phamvanan", PASSWORD)[1].status_code == 401

    assert client.post(f"/admin/accounts/{user.id}/reactivate").status_code == 302
    assert fresh(session, user).active
    assert len(audit(session, "account.reactivated")) == 1
    assert sign_in_as(app, "phamvanan", PASSWORD)[1].status_code == 302


def test_deactivating_needs_the_csrf_token(app, client, admin, make_user, session):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    client.post(f"/admin/accounts/{user.id}/deactivate")
    assert fresh(session, user).active


# --- passwords and blocks ----------------------------------------------------------


def test_a_reset_password_must_be_changed_at_the_next_sign_in(
        app, client, admin, make_user, session):
    user = make_user(username="phamvanan")
    browser, _ = sign_in_as(app, "phamvanan", PASSWORD)
    answer = client.post(f"/admin/accounts/{user.id}/password", data={"password": ""})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    temporary = temporary_password_in(answer.get_data(as_text=True))
    assert fresh(session, user).must_change_password
    reset = audit(session, "account.password_reset")[-1]
    assert details(reset)["temporary"] is True and temporary not in reset.details
    # The browser signed in before is signed out; the old password is dead.
    assert browser.get("/meetings/").headers["Location"].startswith("/sign-in")
    assert sign_in_as(app, "phamvanan", PASSWORD)[1].status_code == 401
    again, signed_in = sign_in_as(app, "phamvanan", temporary)
    assert signed_in.status_code == 302
    assert again.get("/meetings/").headers["Location"] == "/account/password"


def test_a_weak_reset_password_is_refused(client, admin, make_user, session):
    user = make_user(username="nguyenvanthu1")
    answer = client.post(f"/admin/accounts/{user.id}/password",
                         data={"password": "NguyenVanThu1"})
    assert answer.status_code == 400
    assert "tên đăng nhập" in answer.get_data(as_text=True)
    assert not fresh(session, user).must_change_password


def test_unlocking_an_account_clears_its_block(app, client, admin, make_user, session):
    user = make_user(Role.SECRETARIAT, username="thuky")
    for _ in range(app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        sign_in_as(app, "thuky", "not-the-password")
    assert sign_in_as(app, "thuky", PASSWORD)[1].status_code == 429
    page = client.get(f"/admin/accounts/{user.id}").get_data(as_text=True)
    assert OFFICE in page
    assert client.post(f"/admin/accounts/{user.id}/unlock").status_code == 302
    session.expire_all()
    assert session.scalars(select(SignInThrottle).where(
        SignInThrottle.username == "thuky")).all() == []
    assert audit(session, "auth.sign_in_unlocked")[-1].actor_name == admin.username
    assert sign_in_as(app, "thuky", PASSWORD)[1].status_code == 302


# --- memberships and bodies ------------------------------------------------------------


def test_memberships_are_set_changed_and_removed(client, admin, make_user, make_body, session):
    user = make_user(username="phamvanan")
    btv, bch = make_body("btv", "Ban Thường vụ Tỉnh ủy"), make_body("bch", "Ban Chấp hành")
    answer = client.post(f"/admin/accounts/{user.id}/memberships", data={
        f"body-{btv.id}-member": "y", f"body-{btv.id}-position": "Phó Bí thư",
        f"body-{btv.id}-rank": "2",
        f"body-{bch.id}-member": "y", f"body-{bch.id}-position": "Ủy viên",
        f"body-{bch.id}-rank": "17"})
    assert answer.status_code == 302
    seats = {m.body.code: (m.position, m.rank) for m in fresh(session, user).memberships}
    assert seats == {"btv": ("Phó Bí thư", 2), "bch": ("Ủy viên", 17)}
    # Leaving the Standing Committee; a member without a position is refused.
    refused = client.post(f"/admin/accounts/{user.id}/memberships", data={
        f"body-{bch.id}-member": "y", f"body-{bch.id}-position": "", f"body-{bch.id}-rank": "17"})
    assert refused.status_code == 400
    assert "chức vụ" in refused.get_data(as_text=True)
    assert len(fresh(session, user).memberships) == 2
    client.post(f"/admin/accounts/{user.id}/memberships", data={
        f"body-{bch.id}-member": "y", f"body-{bch.id}-position": "Ủy viên",
        f"body-{bch.id}-rank": "17"})
    assert [m.body.code for m in fresh(session, user).memberships] == ["bch"]
    changes = audit(session, "account.memberships_changed")
    assert len(changes) == 2
    assert [seat["body"] for seat in details(changes[-1])["to"]] == ["bch"]


def test_bodies_are_created_and_renamed_with_a_unique_code(client, admin, make_body, session):
    make_body("btv", "Ban Thường vụ Tỉnh ủy")
    created = client.post("/admin/bodies/new", data={
        "code": "TT", "name_vi": "Thường trực Tỉnh ủy", "name_en": "Standing Board"})
    assert created.status_code == 302
    body = session.scalar(select(Body).where(Body.code == "tt"))
    assert body.name_vi == "Thường trực Tỉnh ủy"
    clash = client.post(f"/admin/bodies/{body.id}", data={
        "code": "btv", "name_vi": "Thường trực", "name_en": ""})
    assert clash.status_code == 400
    assert "btv" in clash.get_data(as_text=True) and 'value="Thường trực"' in clash.get_data(
        as_text=True)
    renamed = client.post(f"/admin/bodies/{body.id}", data={
        "code": "tt", "name_vi": "Thường trực Tỉnh ủy khóa XVI", "name_en": "Standing Board"})
    assert renamed.status_code == 302
    session.expire_all()
    assert session.get(Body, body.id).name_vi == "Thường trực Tỉnh ủy khóa XVI"
    assert len(audit(session, "body.created")) == 1
    assert details(audit(session, "body.updated")[-1])["changes"]["name_vi"]["to"] == (
        "Thường trực Tỉnh ủy khóa XVI")
    empty = client.post("/admin/bodies/new", data={"code": "", "name_vi": ""})
    assert empty.status_code == 400 and "Vui lòng điền mục này." in empty.get_data(as_text=True)


# --- who may see these pages ----------------------------------------------------------


def admin_urls(client):
    """Every /admin/ page the admin's pages link to, and every address their forms post to."""
    pages, posts, queue = set(), set(), ["/admin/accounts", "/admin/bodies"]
    while queue:
        url = queue.pop()
        if url in pages:
            continue
        pages.add(url)
        html = client.get(url).get_data(as_text=True)
        queue += re.findall(r'href="(/admin/[^"?#]*)"', html)
        posts.update(re.findall(r'action="(/admin/[^"?#]*)"', html))
        if 'method="post" novalidate' in html and "action=" not in html.split("<main")[1]:
            posts.add(url)
    return pages, posts


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR, Role.DELEGATE])
def test_every_admin_page_is_not_found_for_anyone_else(
        app, client, admin, make_user, make_body, session, role):
    other = make_user(Role.DELEGATE, username="phamvanan")
    body = make_body("btv", members=[other])
    pages, posts = admin_urls(client)
    assert {f"/admin/accounts/{other.id}", f"/admin/accounts/{other.id}/memberships",
            f"/admin/accounts/{other.id}/deactivate", f"/admin/bodies/{body.id}",
            "/admin/accounts/new", "/admin/bodies/new", "/admin/sign-in-blocks"} <= pages
    assert {f"/admin/accounts/{other.id}", f"/admin/accounts/{other.id}/password",
            f"/admin/accounts/{other.id}/unlock", f"/admin/accounts/{other.id}/deactivate",
            f"/admin/accounts/{other.id}/memberships", "/admin/accounts/new"} <= posts
    intruder = make_user(role)
    browser, _ = sign_in_as(app, intruder.username, PASSWORD)
    for url in sorted(pages):
        assert browser.get(url).status_code == 404, url
    for url in sorted(posts):
        assert browser.post(url, data={"role": "admin", "full_name": "x",
                                       "password": "mot-mat-khau-dai"}).status_code == 404, url
    session.expire_all()
    assert session.get(User, intruder.id).role == role.value
    assert session.get(User, other.id).active


def test_strangers_are_sent_to_sign_in(app):
    answer = app.test_client().get("/admin/accounts")
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


# --- landing after sign-in ------------------------------------------------------------


@pytest.mark.parametrize(("role", "landing"), [
    (Role.ADMIN, "/admin/accounts"), (Role.AUDITOR, "/audit/"),
    (Role.SECRETARIAT, "/meetings/"), (Role.DELEGATE, "/meetings/")])
def test_each_role_lands_on_its_own_work(app, make_user, role, landing):
    user = make_user(role)
    browser, answer = sign_in_as(app, user.username, PASSWORD)
    assert answer.headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == landing



def test_a_body_page_read_in_the_same_session_never_holds_a_removed_seat(
        client, admin, make_user, make_body, session):
    """The body's member list and the user's memberships are changed together: a body
    page shown after a member left lists the others, never a seat without a person."""
    stays, leaves = make_user(full_name="Lê Văn Ở Lại"), make_user(full_name="Trần Văn Đi")
    btv = make_body("btv", "Ban Thường vụ Tỉnh ủy", [stays, leaves])
    assert {m.user.full_name for m in btv.memberships} == {stays.full_name, leaves.full_name}
    assert client.get(f"/admin/bodies/{btv.id}").status_code == 200
    client.post(f"/admin/accounts/{leaves.id}/memberships", data={})
    page = client.post(f"/admin/bodies/{btv.id}", data={})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert stays.full_name in text and leaves.full_name not in text
