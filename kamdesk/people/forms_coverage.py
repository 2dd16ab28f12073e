"""Forms of the communication plan (the Coverage tab). They collect and type the input; the services decide."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.activities.models import Activity, ActivityStatus
from kamdesk.people.coverage import default_cadence_days, load_cadence_rules
from kamdesk.people.models import Cadence, Contact, Level, PlannedTouchpoint, TouchpointKind, TouchpointStatus
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User

# The activities offered to hold a touchpoint: the customer group's latest done ones.
HELD_ACTIVITY_CHOICES = 100
CADENCE_LABELS = dict(Cadence.choices)


def _cadence_label(days: int | None) -> str:
    return CADENCE_LABELS.get(days, f"every {days} days") if days else "no cadence"


class CadenceRulesForm(forms.Form):
    """One select per level: a cadence sets the account's rule, the empty choice falls back to the parent
    account's rule or the installation's default (named in the empty choice)."""

    def __init__(self, *args, account: Account, rules: dict[str, int], **kwargs):
        kwargs.setdefault("initial", rules)
        super().__init__(*args, **kwargs)
        inherited = load_cadence_rules([account.parent_id]) if account.parent_id else {}
        for level, label in Level.choices:
            fallback = inherited.get((account.parent_id, level)) or default_cadence_days(level)
            source = "parent account" if (account.parent_id, level) in inherited else "default"
            self.fields[level] = forms.TypedChoiceField(
                label=label,
                choices=[("", f"As {source}: {_cadence_label(fallback)}"), *Cadence.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )

    def cadences(self) -> dict[str, int | None]:
        return {level: self.cleaned_data.get(level) for level in Level.values}


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return getattr(obj, "full_name", "") or str(obj)


class TouchpointForm(forms.Form):
    kind = forms.ChoiceField(choices=TouchpointKind.choices)
    title = forms.CharField(max_length=200)
    planned_on = forms.DateField(label="Planned date", widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(
        choices=[(TouchpointStatus.PLANNED, "Planned"), (TouchpointStatus.MISSED, "Missed")],
        initial=TouchpointStatus.PLANNED,
        help_text="Mark it held or cancel it from the plan's list.",
    )
    our_people = PeopleField(queryset=User.objects.none(), required=False, label="Our people")
    their_people = PeopleField(
        queryset=Contact.objects.none(), required=False, label="Their people", help_text="Of this customer group."
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user: User, account: Account, touchpoint: PlannedTouchpoint | None = None, **kwargs):
        if touchpoint is not None:
            kwargs.setdefault("initial", initial_from_touchpoint(touchpoint))
        super().__init__(*args, **kwargs)
        current = Q(pk__in=[u.pk for u in touchpoint.our_people.all()]) if touchpoint else Q(pk__in=[])
        self.fields["our_people"].queryset = (
            User.objects.filter(Q(is_active=True) | current).only("id", "first_name", "last_name", "email")
        ).order_by("last_name", "first_name")
        tree = account_group_ids(account.pk)
        self.fields["their_people"].queryset = (
            visible_contacts(user)
            .filter(Q(account_id__in=tree) | Q(other_accounts__in=tree), has_left=False)
            .distinct()
            .only("id", "first_name", "last_name")
            .order_by("last_name", "first_name")
        )
        if touchpoint is not None and touchpoint.status not in (TouchpointStatus.PLANNED, TouchpointStatus.MISSED):
            del self.fields["status"]

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


def initial_from_touchpoint(touchpoint: PlannedTouchpoint) -> dict:
    return {
        "kind": touchpoint.kind,
        "title": touchpoint.title,
        "planned_on": touchpoint.planned_on,
        "status": touchpoint.status,
        "our_people": [u.pk for u in touchpoint.our_people.all()],
        "their_people": [c.pk for c in touchpoint.their_people.all()],
        "notes": touchpoint.notes,
    }


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Activity) -> str:
        return f"{timezone.localdate(obj.starts_at):%Y-%m-%d} · {obj.get_kind_display()} · {obj.subject}"


class TouchpointHeldForm(forms.Form):
    activity = ActivityChoiceField(
        queryset=Activity.objects.none(),
        required=False,
        empty_label="No logged activity (e.g. a newsletter)",
        label="Held in the activity",
    )
    held_on = forms.DateField(
        label="Held on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: the activity's day, or today.",
    )

    def __init__(self, *args, user: User, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        ids = (
            Activity.objects.filter(
                account_id__in=account_group_ids(account.pk),
                status=ActivityStatus.DONE,
            )
            .filter(account_id__in=visible_accounts(user).values("id"))
            .order_by("-starts_at", "-id")
            .values("id")[:HELD_ACTIVITY_CHOICES]
        )
        self.fields["activity"].queryset = Activity.objects.filter(id__in=ids).order_by("-starts_at", "-id")

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on is not None and held_on > timezone.localdate():
            raise forms.ValidationError("A touchpoint cannot be held in the future.")
        return held_on
