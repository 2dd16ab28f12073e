"""The "My day" page (the landing page), its quick actions and the digest preference.

Reads come from ``selectors.my_day`` (the user's own day, within their access); the quick actions call the
activities services — complete a task, log a done activity with one stakeholder — so they follow the same
rules (and audit) as everywhere else. A hidden record answers 404, a change the user may not make 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamdesk.activities import selectors as activity_selectors
from kamdesk.activities import services as activity_services
from kamdesk.activities.models import ActivityStatus, Task
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.forms import add_service_errors
from kamdesk.myday import services
from kamdesk.myday.forms import DigestPreferenceForm, LogContactForm
from kamdesk.myday.selectors import my_day
from kamdesk.people.services import visible_contacts
from kamdesk.users.zones import user_zone


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    day = my_day(request.user, timezone.now())
    preference = services.digest_preference_of(request.user)
    context = {"day": day, "zone": user_zone(request.user), "log_form": LogContactForm(), "digest": preference}
    return render(request, "myday/my_day.html", context)


def _run(service, **arguments):
    try:
        return service(**arguments)
    except PermissionDenied as exc:
        raise Forbidden(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the day's tasks done; htmx swaps its row for a short confirmation."""
    try:
        task = activity_selectors.task_detail(request.user, pk)
    except Task.DoesNotExist:
        raise Http404("Task not found.") from None
    try:
        _run(activity_services.task_complete, actor=request.user, task_id=task.pk)
    except ServiceError as exc:
        if request.htmx:
            return render(request, "myday/my_day.html#task_refused", {"task": task, "error": exc.message}, status=422)
        messages.error(request, exc.message)
        return redirect("home")
    if request.htmx:
        return render(request, "myday/my_day.html#task_done", {"task": task})
    messages.success(request, f"“{task.title}” is done.")
    return redirect("home")


@login_required
@require_POST
def contact_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a done touchpoint (call, e-mail, meeting, visit) with one stakeholder, now: their last contact
    moves to now and they leave the overdue list."""
    contact = visible_contacts(request.user).select_related("account").filter(pk=pk).first()
    if contact is None:
        raise Http404("Contact not found.")
    form = LogContactForm(request.POST)
    activity = None
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        subject = form.cleaned_data["subject"] or f"{dict(form.fields['kind'].choices)[kind]} with {contact.full_name}"
        try:
            activity = _run(
                activity_services.activity_create,
                actor=request.user,
                account=contact.account,
                kind=kind,
                status=ActivityStatus.DONE,
                starts_at=timezone.now(),
                subject=subject,
                our_participants=[request.user],
                their_participants=[contact],
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
    if activity is None:
        if request.htmx:
            return render(request, "myday/my_day.html#log_refused", {"contact": contact, "form": form}, status=422)
        reasons = " ".join(message for errors in form.errors.values() for message in errors)
        messages.error(request, reasons or "The contact could not be logged.")
        return redirect("home")
    if request.htmx:
        return render(request, "myday/my_day.html#contact_logged", {"contact": contact, "activity": activity})
    messages.success(request, f"Logged “{activity.subject}”.")
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def digest_settings(request: HttpRequest) -> HttpResponse:
    """The user's own daily digest: on or off, and at which hour of their day."""
    preference = services.digest_preference_of(request.user)
    initial = {"enabled": preference.enabled, "send_hour": preference.send_hour}
    form = DigestPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.digest_preference_set(actor=request.user, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            state = "on" if form.cleaned_data["enabled"] else "off"
            messages.success(request, f"Your daily digest is {state}.")
            return redirect("myday:digest")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "time_zone": request.user.time_zone}
    return render(request, "myday/digest_settings.html", context, status=status)
