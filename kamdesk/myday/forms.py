"""Forms of "My day": the digest preference and the quick "log a contact"."""

from django import forms

from kamdesk.activities.models import ActivityKind
from kamdesk.users.forms import PlainLabels

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
# What a quick log can be: a touchpoint with one stakeholder, just now.
LOG_KINDS = [
    (kind.value, kind.label)
    for kind in (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.VISIT)
]


class DigestPreferenceForm(PlainLabels, forms.Form):
    enabled = forms.BooleanField(
        label="E-mail me my day every morning",
        required=False,
        help_text="Overdue and due tasks, today's and tomorrow's meetings, stakeholders overdue for contact and "
        "alerts. Nothing is sent on a day with nothing to act on.",
    )
    send_hour = forms.TypedChoiceField(
        label="Send at", choices=HOURS, coerce=int, initial=7, help_text="In your time zone."
    )


class LogContactForm(PlainLabels, forms.Form):
    kind = forms.ChoiceField(label="How", choices=LOG_KINDS, initial=ActivityKind.CALL)
    subject = forms.CharField(
        label="What about", max_length=200, required=False, help_text="Optional; e.g. “Price list follow-up”."
    )
