"""Activity and task pages: the account's Activities tab, activity pages, the Tasks page and task pages.

Reads start from the selectors (the user's access scope); writes go through the services. A record the user
may not see answers 404, a change the user may not make answers 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamdesk.access.scope import can_edit_account, visible_accounts
from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.activities import selectors, services
from kamdesk.activities.filters import TASK_SCOPES
from kamdesk.activities.forms import (
    ActivityForm,
    CommentForm,
    NextStepsForm,
    ReassignForm,
    TaskForm,
    initial_from_activity,
    initial_from_task,
)
from kamdesk.activities.models import Activity, Task, TaskStatus
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.forms import add_service_errors
from kamdesk.users.models import User

TAB = "activities:account"
TASK_LIST_FILTERS = ["q", "scope", "owner", "status", "priority", "due", "account"]
# Up to this many visible accounts the task filter offers a select; beyond it, an account id field.
ACCOUNT_SELECT_LIMIT = 300


# --- helpers -----------------------------------------------------------------------------------------------


def _paginate(request: HttpRequest, items, param: str = "page"):
    return Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get(param))


def _run(service, **arguments):
    """Run a write; access problems become 403/404, other refusals are raised as they are."""
    try:
        return service(**arguments)
    except PermissionDenied as exc:
        raise Forbidden(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _call(form, service, **arguments):
    """Run a write; a refusal becomes form errors (None returned), access problems become 403/404."""
    try:
        return _run(service, **arguments)
    except ServiceError as exc:
        add_service_errors(form, exc)
        return None


def _act(request: HttpRequest, service, success: str, **arguments) -> bool:
    """A one-click write (cancel, complete, reopen): its refusal is shown as a message on the next page."""
    try:
        _run(service, **arguments)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _visible_activity(user: User, pk: int) -> Activity:
    try:
        return selectors.activity_detail(user, pk)
    except Activity.DoesNotExist:
        raise Http404("Activity not found.") from None


def _visible_task(user: User, pk: int) -> Task:
    try:
        return selectors.task_detail(user, pk)
    except Task.DoesNotExist:
        raise Http404("Task not found.") from None


def _require_edit(user: User, account_id: int) -> None:
    if not can_edit_account(user, account_id):
        raise Forbidden("You have read-only access to this account.")


def _next(request: HttpRequest, fallback: str) -> str:
    """Back to the page a form was sent from (only ever a page of this site)."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if target and allowed else fallback


# --- the account's Activities tab ----------------------------------------------------------------------------


@login_required
@require_GET
def account_activities(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    activities = _paginate(request, selectors.account_activities(request.user, account))
    tasks = _paginate(request, selectors.account_open_tasks(account), "tasks_page")
    context = _account_page(request, account, TAB, activities=activities, tasks=tasks)
    context["can_write"] = context["can_edit"] and not request.user.is_read_only
    return render(request, "activities/account_activities.html", context)


# --- activities ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    _require_edit(request.user, account.pk)
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user, account=account)
        if form.is_valid():
            activity = _call(
                form, services.activity_create, actor=request.user, account=account, **form.service_arguments()
            )
            if activity is not None:
                messages.success(request, f"“{activity.subject}” was logged.")
                return redirect("activities:detail", pk=activity.pk)
    else:
        form = ActivityForm(user=request.user, account=account, initial={"our_participants": [request.user]})
    return render(request, "activities/activity_form.html", {"form": form, "account": account, "activity": None})


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request.user, pk)
    can_edit = can_edit_account(request.user, activity.account_id)
    context = {
        "activity": activity,
        "can_edit": can_edit,
        "tasks": activity.tasks.select_related("owner").order_by("id"),
    }
    if can_edit:
        context["steps_form"] = NextStepsForm(initial={"steps": activity.next_steps, "owner": request.user})
    return render(request, "activities/activity_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request.user, pk)
    _require_edit(request.user, activity.account_id)
    account = activity.account
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user, account=account, activity=activity)
        if form.is_valid():
            updated = _call(
                form, services.activity_update, actor=request.user, activity_id=activity.pk, **form.service_arguments()
            )
            if updated is not None:
                messages.success(request, f"“{updated.subject}” was saved.")
                return redirect("activities:detail", pk=updated.pk)
    else:
        form = ActivityForm(
            user=request.user, account=account, activity=activity, initial=initial_from_activity(activity)
        )
    return render(request, "activities/activity_form.html", {"form": form, "account": account, "activity": activity})


@login_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request.user, pk)
    _act(request, services.activity_cancel, f"“{activity.subject}” was cancelled.", actor=request.user, activity_id=pk)
    return redirect("activities:detail", pk=activity.pk)


@login_required
@require_POST
def activity_next_steps(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn the next steps into tasks; on a refusal the activity page shows the form with its errors."""
    activity = _visible_activity(request.user, pk)
    _require_edit(request.user, activity.account_id)
    form = NextStepsForm(request.POST)
    if form.is_valid():
        tasks = _call(
            form,
            services.activity_next_steps_to_tasks,
            actor=request.user,
            activity_id=activity.pk,
            **form.service_arguments(),
        )
        if tasks is not None:
            messages.success(request, f"{len(tasks)} task{'s' if len(tasks) != 1 else ''} created.")
            return redirect("activities:detail", pk=activity.pk)
    context = {
        "activity": activity,
        "can_edit": True,
        "tasks": activity.tasks.select_related("owner").order_by("id"),
        "steps_form": form,
    }
    return render(request, "activities/activity_detail.html", context, status=422)


# --- tasks -----------------------------------------------------------------------------------------------------


def _dress_task_filters(form, user: User) -> None:
    """Friendlier controls for the list's filters; the FilterSet (shared with the API) stays as it is."""
    from django import forms

    accounts = list(visible_accounts(user).order_by("name").values_list("id", "name")[: ACCOUNT_SELECT_LIMIT + 1])
    if len(accounts) <= ACCOUNT_SELECT_LIMIT:
        form.fields["account"].label = "Account"
        form.fields["account"].widget = forms.Select(choices=[("", "Any account"), *accounts])
    form.fields["owner"].empty_label = "Anyone"


def _default_task_params(request: HttpRequest):
    """Without any filter the page shows the user's own open tasks."""
    params = request.GET.copy()
    if not any(name in params for name in TASK_LIST_FILTERS):
        params["scope"] = "mine"
        params["status"] = TaskStatus.OPEN
    return params


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    task_filter, tasks = selectors.task_list(request.user, _default_task_params(request))
    _dress_task_filters(task_filter.form, request.user)
    page = _paginate(request, tasks)
    form = task_filter.form
    htmx = getattr(request, "htmx", None)
    fragment = bool(htmx) and not htmx.history_restore_request and htmx.target == "task-results"
    context = {
        "filter": task_filter,
        "filter_fields": [form[name] for name in TASK_LIST_FILTERS],
        "page": page,
        "editable_ids": set(
            visible_accounts(request.user, "edit")
            .filter(id__in={task.account_id for task in page})
            .values_list("id", flat=True)
        )
        if page.object_list
        else set(),
        "scopes": TASK_SCOPES,
        "fragment": fragment,
    }
    template = "activities/task_list.html#results" if fragment else "activities/task_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    _require_edit(request.user, account.pk)
    activity = None
    activity_id = request.GET.get("activity") or request.POST.get("activity")
    if activity_id and str(activity_id).isdigit():
        activity = selectors.visible_activities(request.user).filter(pk=activity_id, account=account).first()
    if request.method == "POST":
        form = TaskForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            owner = data.pop("owner") or request.user
            task = _call(
                form,
                services.task_create,
                actor=request.user,
                account=account,
                owner=owner,
                activity=activity,
                **data,
            )
            if task is not None:
                messages.success(request, f"Task “{task.title}” was added.")
                return redirect("activities:task_detail", pk=task.pk)
    else:
        form = TaskForm()
    return render(request, "activities/task_form.html", {"form": form, "account": account, "activity": activity})


def _task_context(request: HttpRequest, task: Task, **forms) -> dict:
    user = request.user
    can_edit = can_edit_account(user, task.account_id)
    writer = not user.is_read_only
    return {
        "task": task,
        "can_edit": can_edit,
        "can_complete": writer and (can_edit or task.owner_id == user.pk),
        "can_comment": writer,
        "reassign_form": forms.get("reassign_form")
        or (ReassignForm(initial={"owner": task.owner}) if can_edit else None),
        "comment_form": forms.get("comment_form") or (CommentForm() if writer else None),
    }


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    return render(request, "activities/task_detail.html", _task_context(request, task))


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    _require_edit(request.user, task.account_id)
    if request.method == "POST":
        form = TaskForm(request.POST, with_owner=False)
        if form.is_valid():
            updated = _call(form, services.task_update, actor=request.user, task_id=task.pk, **form.cleaned_data)
            if updated is not None:
                messages.success(request, f"Task “{updated.title}” was saved.")
                return redirect("activities:task_detail", pk=task.pk)
    else:
        form = TaskForm(initial=initial_from_task(task), with_owner=False)
    return render(request, "activities/task_form.html", {"form": form, "account": task.account, "task": task})


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    _act(request, services.task_complete, f"“{task.title}” is done.", actor=request.user, task_id=task.pk)
    return redirect(_next(request, task_url(task)))


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    _act(request, services.task_reopen, f"“{task.title}” is open again.", actor=request.user, task_id=task.pk)
    return redirect(_next(request, task_url(task)))


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    _act(
        request,
        services.task_update,
        f"“{task.title}” was cancelled.",
        actor=request.user,
        task_id=task.pk,
        status=TaskStatus.CANCELLED,
    )
    return redirect(task_url(task))


@login_required
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    _require_edit(request.user, task.account_id)
    form = ReassignForm(request.POST)
    if form.is_valid():
        updated = _call(form, services.task_reassign, actor=request.user, task_id=task.pk, **form.cleaned_data)
        if updated is not None:
            messages.success(request, f"“{task.title}” now belongs to {updated.owner}.")
            return redirect(task_url(task))
    context = _task_context(request, task, reassign_form=form)
    return render(request, "activities/task_detail.html", context, status=422)


@login_required
@require_POST
def task_comment(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    if request.user.is_read_only:
        raise Forbidden("Your role (viewer) has read-only access.")
    form = CommentForm(request.POST)
    if form.is_valid():
        comment = _call(form, services.task_comment_add, actor=request.user, task_id=task.pk, **form.cleaned_data)
        if comment is not None:
            return redirect(task_url(task) + f"#comment-{comment.pk}")
    task = _visible_task(request.user, pk)
    return render(request, "activities/task_detail.html", _task_context(request, task, comment_form=form), status=422)


def task_url(task: Task) -> str:
    from django.urls import reverse

    return reverse("activities:task_detail", args=[task.pk])
