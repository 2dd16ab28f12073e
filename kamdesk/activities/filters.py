"""The FilterSets behind the activity and task lists: the same ones serve the pages and the API."""

from datetime import timedelta

import django_filters as filters
from django.db.models import Q
from django.utils import timezone

from kamdesk.access.scope import people_under
from kamdesk.accounts.models import AccountClosure
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus, Task, TaskPriority, TaskStatus
from kamdesk.users.models import User

TASK_SCOPES = [("mine", "My tasks"), ("team", "My team's tasks"), ("all", "All I can see")]
DUE_CHOICES = [("overdue", "Overdue"), ("today", "Due today"), ("week", "Due in the next 7 days"), ("none", "No date")]


def _subtree(account_id: int):
    return AccountClosure.objects.filter(ancestor_id=account_id).values("descendant_id")


class _AccountFilterMixin:
    def filter_account(self, queryset, name, value):
        if self.form.cleaned_data.get("include_subsidiaries"):
            return queryset.filter(account_id__in=_subtree(value))
        return queryset.filter(account_id=value)

    def noop(self, queryset, name, value):
        return queryset


class ActivityFilter(_AccountFilterMixin, filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search")
    account = filters.NumberFilter(method="filter_account", label="Account id")
    include_subsidiaries = filters.BooleanFilter(method="noop", label="Include subsidiaries (with account)")
    kind = filters.MultipleChoiceFilter(choices=ActivityKind.choices)
    status = filters.ChoiceFilter(choices=ActivityStatus.choices)
    participant = filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), field_name="our_participants", label="Our participant"
    )
    date_from = filters.DateFilter(field_name="starts_at", lookup_expr="date__gte", label="From")
    date_to = filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label="To")

    class Meta:
        model = Activity
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(subject__icontains=value) | Q(location__icontains=value))

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).distinct().order_by("-starts_at", "-id")


class TaskFilter(_AccountFilterMixin, filters.FilterSet):
    """``scope`` needs the signed-in user: pass ``user=`` when building the FilterSet."""

    q = filters.CharFilter(method="search", label="Search")
    scope = filters.ChoiceFilter(
        choices=TASK_SCOPES, method="filter_scope", empty_label="All I can see", label="Whose tasks"
    )
    owner = filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label="Owner")
    status = filters.ChoiceFilter(choices=TaskStatus.choices, empty_label="Any status", label="Status")
    priority = filters.ChoiceFilter(choices=TaskPriority.choices, empty_label="Any priority", label="Priority")
    due = filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", empty_label="Any due date", label="Due")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due on or before")
    account = filters.NumberFilter(method="filter_account", label="Account id")
    include_subsidiaries = filters.BooleanFilter(method="noop", label="Include subsidiaries (with account)")
    activity = filters.NumberFilter(field_name="activity_id", label="Activity id")

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset

    def filter_scope(self, queryset, name, value):
        if self.user is None or value == "all":
            return queryset
        if value == "mine":
            return queryset.filter(owner_id=self.user.pk)
        return queryset.filter(owner_id__in=people_under(self.user))

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(due_date__lt=today, status=TaskStatus.OPEN)
        if value == "today":
            return queryset.filter(due_date=today)
        if value == "week":
            return queryset.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7))
        return queryset.filter(due_date__isnull=True)
