"""Signing in and out, lockout, password change, API tokens and the admin's user and team pages."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from kamdesk.audit.models import AuditEvent
from kamdesk.users.models import ApiToken, Role, Team, User
from kamdesk.users.services import token_authenticate, token_create
from tests.factories import PASSWORD, make_team, make_user

NEW_PASSWORD = "a-much-longer-passphrase-2024"


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def log_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


# --- login, lockout, logout ------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_a_plain_form_that_works_without_javascript(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<form method="post"' in html
    assert 'name="username"' in html and 'type="email"' in html
    assert ">E-mail</label>" in html
    assert 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<button type="submit">Log in</button>' in html


@pytest.mark.django_db
def test_login_with_email_in_any_case_signs_in_and_redirects_home(client):
    user = make_user(email="ann@example.com")
    response = log_in(client, "Ann@Example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_login_follows_next_within_the_site_only(client):
    make_user(email="ann@example.com")
    response = client.post(
        reverse("login"), {"username": "ann@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"), {"username": "ann@example.com", "password": PASSWORD, "next": reverse("tokens")}
    )
    assert response["Location"] == reverse("tokens")


@pytest.mark.django_db
def test_wrong_password_shows_a_message_and_does_not_sign_in(client):
    make_user(email="ann@example.com")
    response = log_in(client, "ann@example.com", "wrong-password")
    assert response.status_code == 200
    assert "The e-mail address or the password is wrong" in response.content.decode()
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_inactive_user_cannot_sign_in(client):
    make_user(email="gone@example.com", is_active=False)
    log_in(client, "gone@example.com", PASSWORD)
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(client):
    make_user(email="ann@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "ann@example.com", "wrong-password").status_code == 200
    # The fifth failure already answers with the lockout page...
    assert log_in(client, "ann@example.com", "wrong-password").status_code == 429
    # ...and from then on even the right password is refused.
    response = log_in(client, "ann@example.com", PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Login locked" in html
    assert "Try again in 15 minutes" in html
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_lockout_counts_the_email_case_insensitively(client):
    make_user(email="ann@example.com")
    for variant in ["ann@example.com", "ANN@example.com", "Ann@Example.com", "aNN@example.com", "ann@EXAMPLE.com"]:
        log_in(client, variant, "wrong-password")
    assert log_in(client, "ann@example.com", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().username == "ann@example.com"


@pytest.mark.django_db
def test_lockout_of_one_login_leaves_other_users_alone(client):
    make_user(email="ann@example.com")
    make_user(email="bob@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "ann@example.com", "wrong-password")
    assert log_in(client, "bob@example.com", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_failure_count(client):
    make_user(email="ann@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "ann@example.com", "wrong-password")
    assert log_in(client, "ann@example.com", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    log_in(client, "ann@example.com", "wrong-password")
    assert log_in(client, "ann@example.com", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_logout_needs_post(login):
    client = login(make_user())
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in_user_id(client) is not None
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_logout_without_csrf_token_is_refused():
    from django.test import Client

    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("logout")).status_code == 403
    assert signed_in_user_id(client) == str(user.pk)


# --- password change -------------------------------------------------------------------------------


def change_password(client, old, new, repeat=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": repeat or new},
    )


@pytest.mark.django_db
def test_password_change_page_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_password_change_keeps_the_user_signed_in_and_is_audited(login):
    user = make_user()
    client = login(user)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    done = client.get(reverse("password_change_done"))
    assert done.status_code == 200
    assert "Your password has been changed." in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_change", object_id=user.pk, actor=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "repeat", "message"),
    [
        ("not-my-password", NEW_PASSWORD, None, "Your old password was entered incorrectly"),
        (PASSWORD, "short", None, "This password is too short"),
        (PASSWORD, "1234567890123", None, "This password is entirely numeric"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn"),
    ],
)
def test_password_change_refuses_bad_input_with_a_message(login, old, new, repeat, message):
    user = make_user()
    client = login(user)
    response = change_password(client, old, new, repeat)
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- API tokens ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tokens_page_needs_login(client):
    assert client.get(reverse("tokens")).status_code == 302


@pytest.mark.django_db
def test_new_token_secret_is_shown_once_and_authenticates(login):
    user = make_user()
    client = login(user)
    response = client.post(reverse("tokens"), {"name": "ERP sync"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    secret = response.context["new_secret"]
    assert secret in response.content.decode()
    assert token.hint == secret[:8]
    assert token_authenticate(secret) == user

    again = client.get(reverse("tokens")).content.decode()
    assert secret not in again
    assert "ERP sync" in again and f"{token.hint}…" in again
    assert secret not in str(ApiToken.objects.values_list())  # only a digest is stored


@pytest.mark.django_db
def test_token_list_shows_last_use_and_only_the_users_own_tokens(login):
    user, other = make_user(), make_user()
    _token, secret = token_create(actor=user, user=user, name="Mine")
    token_create(actor=other, user=other, name="Someone else's")
    token_authenticate(secret)
    html = login(user).get(reverse("tokens")).content.decode()
    assert "Mine" in html
    assert "Someone else" not in html
    assert "never" not in html  # the one token has been used


@pytest.mark.django_db
def test_token_needs_a_name(login):
    user = make_user()
    response = login(user).post(reverse("tokens"), {"name": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_revoking_a_token_stops_it_at_once(login):
    user = make_user()
    token, secret = token_create(actor=user, user=user, name="Old script")
    client = login(user)
    assert client.get(reverse("token_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(secret) is None
    assert "Revoked" in response.content.decode()
    assert AuditEvent.objects.filter(action="token_revoke", object_id=user.pk).exists()


@pytest.mark.django_db
def test_someone_elses_token_cannot_be_revoked(login):
    owner, intruder = make_user(), make_user()
    token, secret = token_create(actor=owner, user=owner, name="Owner's")
    response = login(intruder).post(reverse("token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert token_authenticate(secret) == owner


# --- admin pages -----------------------------------------------------------------------------------

ADMIN_PAGES = ["users", "user_create", "user_edit", "teams", "team_create"]


def admin_page_url(name, world):
    return reverse(name, args=[world.kam_a.pk]) if name == "user_edit" else reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("who", ["lead", "kam_a", "viewer"])
def test_admin_pages_answer_403_to_non_admins(world, login, name, who):
    client = login(getattr(world, who))
    url = admin_page_url(name, world)
    assert client.get(url).status_code == 403
    assert client.post(url, {"email": "x@example.com", "role": "admin", "name": "X"}).status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()
    assert not Team.objects.filter(name="X").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_login(world, client, name):
    response = client.get(admin_page_url(name, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_open_for_admins(world, login, name):
    assert login(world.admin).get(admin_page_url(name, world)).status_code == 200


@pytest.mark.django_db
def test_user_list_shows_team_role_manager_and_status(world, login):
    html = login(world.admin).get(reverse("users")).content.decode()
    assert "kam.a@example.com" in html
    assert "North" in html
    assert str(world.lead) in html
    assert "Key account manager" in html


@pytest.mark.django_db
def test_user_list_search_and_filters(world, login):
    client = login(world.admin)
    page = client.get(reverse("users"), {"q": "kam.a"}).context["page"]
    assert [u.email for u in page] == ["kam.a@example.com"]
    page = client.get(reverse("users"), {"role": "viewer"}).context["page"]
    assert [u.email for u in page] == ["viewer@example.com"]
    page = client.get(reverse("users"), {"team": world.team.pk}).context["page"]
    assert {u.email for u in page} == {"lead@example.com", "kam.a@example.com", "kam.b@example.com"}
    world.kam_b.is_active = False
    world.kam_b.save()
    page = client.get(reverse("users"), {"active": "no"}).context["page"]
    assert [u.email for u in page] == ["kam.b@example.com"]


def user_form_data(**overrides):
    data = {
        "email": "new.kam@example.com",
        "first_name": "Nia",
        "last_name": "Novak",
        "title": "Key Account Manager DACH",
        "role": Role.KAM,
        "team": "",
        "manager": "",
        "time_zone": "Europe/Berlin",
        "is_active": "on",
        "password": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_admin_creates_a_user_through_the_service_with_audit(world, login):
    client = login(world.admin)
    response = client.post(
        reverse("user_create"),
        user_form_data(team=world.team.pk, manager=world.lead.pk, password=NEW_PASSWORD),
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.kam@example.com")
    assert (user.team, user.manager, user.time_zone, user.role) == (world.team, world.lead, "Europe/Berlin", "kam")
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="create", object_type="user", object_id=user.pk)
    assert event.actor == world.admin
    assert event.changes["role"] == [None, "kam"]


@pytest.mark.django_db
def test_user_created_without_password_cannot_sign_in_yet(world, login, client):
    login(world.admin).post(reverse("user_create"), user_form_data())
    user = User.objects.get(email="new.kam@example.com")
    assert not user.has_usable_password()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "KAM.A@example.com"}, "email", "User with this Email already exists."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"role": "emperor"}, "role", "Select a valid choice."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"password": "password123"}, "password", "This password is too common."),
        ({"password": "nia.novak.example"}, "password", "The password is too similar"),
    ],
)
def test_user_create_shows_validation_errors_and_stores_nothing(world, login, overrides, field, message):
    before = User.objects.count()
    response = login(world.admin).post(reverse("user_create"), user_form_data(**overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message.split("’")[0] in response.content.decode().replace("&#x27;", "'")
    assert User.objects.count() == before


@pytest.mark.django_db
def test_manager_choices_offer_active_users_only(world, login):
    world.kam_b.is_active = False
    world.kam_b.save()
    form = login(world.admin).get(reverse("user_create")).context["form"]
    managers = set(form.fields["manager"].queryset)
    assert world.lead in managers and world.kam_b not in managers


@pytest.mark.django_db
def test_admin_edits_a_user_and_the_change_is_audited(world, login):
    client = login(world.admin)
    other_team = make_team("South")
    response = client.post(
        reverse("user_edit", args=[world.kam_b.pk]),
        user_form_data(
            email="kam.b@example.com", role=Role.TEAM_LEAD, team=other_team.pk, manager=world.lead.pk, is_active=""
        ),
    )
    assert response.status_code == 302
    world.kam_b.refresh_from_db()
    assert (world.kam_b.role, world.kam_b.team, world.kam_b.is_active) == ("team_lead", other_team, False)
    event = AuditEvent.objects.get(action="update", object_type="user", object_id=world.kam_b.pk)
    assert event.changes["team"] == ["North", "South"]
    assert event.changes["is_active"] == [True, False]


@pytest.mark.django_db
def test_edit_form_starts_with_the_current_values(world, login):
    form = login(world.admin).get(reverse("user_edit", args=[world.kam_a.pk])).context["form"]
    assert form.initial["email"] == "kam.a@example.com"
    assert form.initial["manager"] == world.lead.pk
    assert world.kam_a not in form.fields["manager"].queryset


@pytest.mark.django_db
def test_edit_refuses_a_reporting_loop(world, login):
    response = login(world.admin).post(
        reverse("user_edit", args=[world.lead.pk]),
        user_form_data(email="lead@example.com", role=Role.TEAM_LEAD, manager=world.kam_a.pk),
    )
    assert response.status_code == 400
    assert "Creates a loop." in response.content.decode()
    world.lead.refresh_from_db()
    assert world.lead.manager is None


@pytest.mark.django_db
def test_edit_with_a_weak_new_password_changes_nothing(world, login):
    response = login(world.admin).post(
        reverse("user_edit", args=[world.kam_a.pk]),
        user_form_data(email="kam.a@example.com", title="Changed", password="123"),
    )
    assert response.status_code == 400
    world.kam_a.refresh_from_db()
    assert world.kam_a.title == ""
    assert world.kam_a.check_password(PASSWORD)


@pytest.mark.django_db
def test_edit_sets_a_new_password(world, login):
    login(world.admin).post(
        reverse("user_edit", args=[world.kam_a.pk]),
        user_form_data(email="kam.a@example.com", role=Role.KAM, password=NEW_PASSWORD),
    )
    world.kam_a.refresh_from_db()
    assert world.kam_a.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_admin_cannot_demote_or_deactivate_themselves(world, login):
    client = login(world.admin)
    url = reverse("user_edit", args=[world.admin.pk])
    response = client.post(url, user_form_data(email="admin@example.com", role=Role.KAM))
    assert response.status_code == 400
    assert "You cannot change your own role" in response.content.decode()
    response = client.post(url, user_form_data(email="admin@example.com", role=Role.ADMIN, is_active=""))
    assert "You cannot deactivate yourself" in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.is_admin


@pytest.mark.django_db
def test_editing_a_missing_user_is_404(world, login):
    assert login(world.admin).get(reverse("user_edit", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_team_list_and_create(world, login):
    client = login(world.admin)
    html = client.get(reverse("teams")).content.decode()
    assert "North" in html and str(world.lead) in html
    response = client.post(reverse("team_create"), {"name": "  Key Accounts South ", "lead": world.lead.pk})
    assert response.status_code == 302
    team = Team.objects.get(name="Key Accounts South")
    assert team.lead == world.lead
    assert AuditEvent.objects.filter(action="create", object_type="team", object_id=team.pk).exists()


@pytest.mark.django_db
def test_team_names_are_unique(world, login):
    response = login(world.admin).post(reverse("team_create"), {"name": "North"})
    assert response.status_code == 400
    assert "Team with this Name already exists." in response.content.decode()
    assert Team.objects.filter(name="North").count() == 1


def test_user_edit_page_shows_the_users_history(world, login):
    client = login(world.admin)
    response = client.post(
        reverse("user_edit", args=[world.kam_b.pk]),
        {
            "email": world.kam_b.email,
            "first_name": world.kam_b.first_name,
            "last_name": "Renamed",
            "role": "team_lead",
            "time_zone": "UTC",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = client.get(reverse("user_edit", args=[world.kam_b.pk])).content.decode()
    assert "History" in html and "team_lead" in html and "Renamed" in html
