"""Calendar pages: an activity as an .ics download, the private calendar feed and its settings page, and
logging planned activities from an invitation (.ics) on the account's Activities tab.

The feed is the one page without a session: calendar clients cannot sign in, so the secret in its URL is
the credential. An unknown, revoked or deactivated user's secret answers a plain 404, like any missing page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from kamdesk.accounts.views import _visible_account
from kamdesk.activities import calendar
from kamdesk.activities.calendar_import import MAX_BYTES, invitation_summary, log_invitation
from kamdesk.activities.models import Activity
from kamdesk.activities.views import _require_edit, _run, _visible_activity
from kamdesk.core.errors import ServiceError
from kamdesk.core.forms import add_service_errors
from kamdesk.users import services as user_services
from kamdesk.users.models import CalendarFeedToken

FEED_MAX_AGE = 300  # seconds a client may reuse the feed before asking again


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ics_filename(activity: Activity) -> str:
    """ASCII letters, digits and hyphens only: safe in a header and on every file system."""
    return f"{slugify(activity.subject)[:60] or 'activity'}-{activity.pk}.ics"


@login_required
@require_GET
def activity_ics(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request.user, pk)
    body = calendar.calendar_bytes([activity], user=request.user)
    return _calendar_response(body, ics_filename(activity))


# --- the private feed -------------------------------------------------------------------------------------


@require_safe  # calendar clients may ask with HEAD first
def feed(request: HttpRequest, secret: str) -> HttpResponse:
    user = user_services.calendar_feed_user(secret)
    if user is None:
        raise Http404("No such calendar.")
    body = calendar.calendar_bytes(calendar.feed_activities(user), user=user, name="kamdesk")
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="kamdesk.ics"'
    # Personal data: browsers and clients may keep it, shared caches and proxies may not.
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def feed_url(request: HttpRequest, secret: str) -> str:
    return request.build_absolute_uri(reverse("activities:feed", args=[secret]))


@never_cache  # the response that shows a new secret must not be kept by the browser or a proxy
@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    """Create (or replace) and revoke the signed-in user's feed; the full URL is shown only when made."""
    context = {}
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if user_services.calendar_feed_revoke(actor=request.user, user=request.user):
                messages.success(request, "Your calendar feed is revoked; subscribed calendars no longer update.")
            return redirect("activities:feed_settings")
        _token, secret = user_services.calendar_feed_create(actor=request.user, user=request.user)
        url = feed_url(request, secret)
        context |= {"new_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
    context["tokens"] = CalendarFeedToken.objects.filter(user=request.user)[:20]
    context["live"] = next((token for token in context["tokens"] if token.is_active), None)
    return render(request, "activities/calendar_feed.html", context)


# --- logging from an invitation ---------------------------------------------------------------------------


class InvitationForm(forms.Form):
    file = forms.FileField(
        label="Invitation (.ics)",
        help_text="A calendar file saved from an e-mail invitation or a calendar program; at most 1 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB; a calendar invitation is much smaller.")
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def log_from_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    _require_edit(request.user, account.pk)
    form = InvitationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            result = _run(log_invitation, actor=request.user, account=account, data=data)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            report = messages.success if result.activities else messages.info
            report(request, invitation_summary(result))
            if result.left_out:
                messages.warning(
                    request,
                    "Left out (not a colleague, nor a contact of this customer you can see): "
                    + ", ".join(result.left_out),
                )
            for warning in result.warnings:
                messages.warning(request, warning)
            if len(result.activities) == 1:
                return redirect("activities:detail", pk=result.activities[0].pk)
            return redirect("activities:account", pk=account.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "activities/invitation_form.html", {"form": form, "account": account}, status=status)
