"""Signing in and out, passwords, personal API tokens, and the admin's user and team pages.

Sign-in, sign-out and password change are Django's own views (with django-axes watching failed logins);
everything that writes goes through kamdesk.users.services, which checks rights and records the audit.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kamdesk.audit.models import AuditEvent
from kamdesk.core import errors
from kamdesk.core.forms import add_service_errors
from kamdesk.users import services
from kamdesk.users.forms import (
    AuditedPasswordChangeForm,
    LoginForm,
    TeamForm,
    TokenCreateForm,
    UserFilterForm,
    UserForm,
)
from kamdesk.users.models import ApiToken, Team, User

HISTORY_ROWS = 50  # the latest changes to a user, shown on their edit page

# --- signing in and passwords ---------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = AuditedPasswordChangeForm
    success_message = "Your password has been changed."


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    pass


# --- API tokens ---------------------------------------------------------------------------------------


@never_cache  # the page that shows a new secret must not be kept by the browser or a proxy
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's own tokens; creating one shows its secret on this response only."""
    form = TokenCreateForm(request.POST or None)
    new_token, new_secret = None, None
    if request.method == "POST" and form.is_valid():
        try:
            new_token, new_secret = services.token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"]
            )
        except errors.ServiceError as exc:
            add_service_errors(form, exc)
        else:
            form = TokenCreateForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_token": new_token,
        "new_secret": new_secret,
    }
    return render(request, "users/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.token_revoke(actor=request.user, token_id=token_id)
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"The token “{token.name}” is revoked; scripts using it no longer get in.")
    return redirect("tokens")


# --- admin: users and teams ---------------------------------------------------------------------------


def admin_required(view):
    """Signed-in admins only; anyone else signed in gets 403 (these pages are no secret, just not theirs)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_admin:
            raise PermissionDenied("Only admins can manage users and teams.")
        return view(request, *args, **kwargs)

    return wrapper


def _filtered_users(form: UserFilterForm) -> QuerySet:
    users = User.objects.select_related("team", "manager")
    if not form.is_valid():
        return users
    data = form.cleaned_data
    if data["q"]:
        for word in data["q"].split():
            users = users.filter(
                Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
            )
    if data["role"]:
        users = users.filter(role=data["role"])
    if data["team"]:
        users = users.filter(team=data["team"])
    if data["active"]:
        users = users.filter(is_active=data["active"] == "yes")
    return users


@admin_required
def users(request: HttpRequest) -> HttpResponse:
    filters = UserFilterForm(request.GET or None)
    page = Paginator(_filtered_users(filters), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "users/user_list.html", context)


@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                actor=request.user, password=form.cleaned_data["password"] or None, **form.user_fields()
            )
        except errors.ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{user.email} was added.")
            return redirect("users")
    return _user_form_page(request, form, None)


@admin_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            _save_user(request.user, user, form)
        except errors.ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{user.email} was saved.")
            return redirect("users")
    return _user_form_page(request, form, user)


def _save_user(actor: User, user: User, form: UserForm) -> None:
    fields = form.user_fields()
    if user.pk == actor.pk:
        # An admin who demotes or deactivates themselves could leave nobody able to manage users.
        problems = {}
        if fields["role"] != actor.role:
            problems["role"] = ["You cannot change your own role; ask another admin."]
        if not fields["is_active"]:
            problems["is_active"] = ["You cannot deactivate yourself; ask another admin."]
        if problems:
            raise errors.ServiceError("You cannot remove your own admin rights.", problems)
    # Both writes or neither: a weak new password must not leave the other changes half-applied.
    with transaction.atomic():
        services.user_update(actor=actor, user_id=user.pk, **fields)
        if form.cleaned_data["password"]:
            services.user_set_password(actor=actor, user_id=user.pk, password=form.cleaned_data["password"])


def _user_form_page(request: HttpRequest, form: UserForm, user: User | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    history = (
        AuditEvent.objects.filter(object_type="user", object_id=user.pk).select_related("actor")[:HISTORY_ROWS]
        if user is not None
        else []
    )
    context = {"form": form, "edited": user, "history": history}
    return render(request, "users/user_form.html", context, status=status)


@admin_required
def teams(request: HttpRequest) -> HttpResponse:
    rows = Team.objects.select_related("lead").annotate(member_count=Count("members"))
    return render(request, "users/team_list.html", {"teams": rows})


@admin_required
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.cleaned_data)
        except errors.ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Team “{team.name}” was created.")
            return redirect("teams")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "users/team_form.html", {"form": form}, status=status)
