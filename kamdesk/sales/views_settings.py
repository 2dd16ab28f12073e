"""The admin's commercial settings page: cost to serve per channel and the target metrics."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kamdesk.accounts.models import Channel
from kamdesk.core import errors
from kamdesk.core.forms import add_service_errors
from kamdesk.sales.models import ChannelCostToServe, Metric
from kamdesk.sales.services import channel_cost_to_serve_set, metric_create


class CostToServeForm(forms.Form):
    channel_id = forms.IntegerField(widget=forms.HiddenInput)
    percent = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Cost to serve, %"
    )


class MetricForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Used by imports and the API; cannot change later.")
    name = forms.CharField(max_length=80)
    unit = forms.CharField(max_length=20, required=False, help_text="Empty for money in the reporting currency.")


@login_required
@require_http_methods(["GET", "POST"])
def commercial_settings(request: HttpRequest) -> HttpResponse:
    if not request.user.is_admin:
        raise PermissionDenied("Only admins can change the commercial settings.")
    cost_form, metric_form = CostToServeForm(), MetricForm()
    if request.method == "POST":
        handled = _save_cost_to_serve(request) if "channel_id" in request.POST else _save_metric(request)
        if handled is True:
            return redirect("sales:settings")
        cost_form, metric_form = handled if isinstance(handled, tuple) else (cost_form, metric_form)
    percents = dict(ChannelCostToServe.objects.values_list("channel_id", "percent"))
    context = {
        "channels": [(channel, percents.get(channel.pk)) for channel in Channel.objects.order_by("name")],
        "metrics": Metric.objects.order_by("name"),
        "cost_form": cost_form,
        "metric_form": metric_form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "sales/settings.html", context, status=status)


def _save_cost_to_serve(request: HttpRequest):
    form = CostToServeForm(request.POST)
    if form.is_valid():
        try:
            channel_cost_to_serve_set(
                actor=request.user, channel_id=form.cleaned_data["channel_id"], percent=form.cleaned_data["percent"]
            )
        except errors.NotFound as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Cost to serve saved.")
            return True
    return form, MetricForm()


def _save_metric(request: HttpRequest):
    form = MetricForm(request.POST)
    if form.is_valid():
        try:
            metric = metric_create(actor=request.user, **form.cleaned_data)
        except errors.ServiceError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Metric “{metric.name}” added.")
            return True
    return CostToServeForm(), form
