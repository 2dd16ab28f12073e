"""Forms of the activity and task pages. They collect and type the input; the services decide and write."""

from django import forms
from django.utils import timezone

from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus, Task, TaskPriority
from kamdesk.activities.services import ACTIVITY_FIELDS, next_step_lines
from kamdesk.core.forms import active_users
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User

# Longer selects are unusable; a customer group this big is better served by search (later).
CONTACT_CHOICES_LIMIT = 500
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class UsersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class ContactsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        label = " · ".join(part for part in (obj.full_name, obj.title, obj.account.name) if part)
        return f"{label} (left)" if obj.has_left else label


def participant_candidates(user: User, account: Account, activity: Activity | None = None):
    """The people of the account's customer group the user may see (plus those already taking part)."""
    from django.db.models import Q

    tree = account_group_ids(account.pk)
    in_group = Q(account_id__in=tree) | Q(
        id__in=Contact.other_accounts.through.objects.filter(account_id__in=tree).values("contact_id")
    )
    if activity is not None:
        in_group |= Q(id__in=activity.their_participants.values("id"))
    return (
        visible_contacts(user)
        .filter(in_group)
        .select_related("account")
        .order_by("has_left", "last_name", "first_name", "id")
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=ActivityKind.choices)
    status = forms.ChoiceField(choices=ActivityStatus.choices, initial=ActivityStatus.DONE)
    subject = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(label="Starts", widget=DateTimeInput())
    ends_at = forms.DateTimeField(label="Ends", required=False, widget=DateTimeInput())
    location = forms.CharField(max_length=200, required=False)
    our_participants = UsersChoice(queryset=User.objects.none(), required=False, label="Our participants")
    their_participants = ContactsChoice(
        queryset=Contact.objects.none(),
        required=False,
        label="Their participants",
        help_text="People of this customer group. Logging a done activity updates their last contact.",
    )
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Markdown.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text="Markdown.")
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Next steps",
        help_text="One step a line; the activity page turns them into tasks.",
    )

    def __init__(self, *args, user: User, account: Account, activity: Activity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["our_participants"].queryset = active_users()
        self.fields["their_participants"].queryset = participant_candidates(user, account, activity)
        self.fields["our_participants"].widget.attrs["size"] = 5
        self.fields["their_participants"].widget.attrs["size"] = 6

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in ACTIVITY_FIELDS},
            "our_participants": list(data["our_participants"]),
            "their_participants": list(data["their_participants"]),
        }


def initial_from_activity(activity: Activity) -> dict:
    initial = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
    for name in ("starts_at", "ends_at"):
        if initial[name] is not None:
            initial[name] = timezone.localtime(initial[name])
    initial["our_participants"] = list(activity.our_participants.all())
    initial["their_participants"] = list(getattr(activity, "visible_their_participants", []))
    return initial


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    owner = UserChoice(
        queryset=User.objects.none(), required=False, empty_label="Me", help_text="Someone who can see the account."
    )
    due_date = forms.DateField(label="Due", required=False, widget=DateInput())
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)

    def __init__(self, *args, with_owner: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_owner:
            self.fields["owner"].queryset = active_users().exclude(role="viewer")
        else:
            del self.fields["owner"]


def initial_from_task(task: Task) -> dict:
    return {name: getattr(task, name) for name in ("title", "description", "due_date", "priority")}


class NextStepsForm(forms.Form):
    steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Next steps to turn into tasks",
        help_text="One task per line.",
    )
    owner = UserChoice(queryset=User.objects.none(), empty_label=None, label="Owner of the tasks")
    due_date = forms.DateField(label="Due", required=False, widget=DateInput())
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users().exclude(role="viewer")

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "steps": next_step_lines(data["steps"]),
            "owner": data["owner"],
            "due_date": data["due_date"],
            "priority": data["priority"],
        }


class ReassignForm(forms.Form):
    owner = UserChoice(queryset=User.objects.none(), empty_label=None, label="New owner")
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users().exclude(role="viewer")


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment", max_length=10000)
