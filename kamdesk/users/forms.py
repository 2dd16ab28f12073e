"""Forms for signing in, passwords, API tokens and the admin's user and team pages.

The forms only collect and check input; every write goes through kamdesk.users.services, whose
ServiceError field messages are put back on the form with ``kamdesk.core.forms.add_service_errors``.
"""

from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from kamdesk.core.forms import active_users
from kamdesk.users.models import Role, Team, User
from kamdesk.users.services import user_set_password

TIME_ZONE_CHOICES = [(name, name) for name in sorted(available_timezones())]


class UserChoiceField(forms.ModelChoiceField):
    """Names can repeat; the e-mail address tells people apart."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


def axes_username(request, credentials: dict | None = None) -> str:
    """The login name as lockout counts it: e-mail addresses are case-insensitive, so "Ann@x" and
    "ann@x" must share one failure counter."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower()


class PlainLabels:
    """Labels without Django's trailing colon, as in the rest of the interface."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(PlainLabels, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The e-mail address or the password is wrong (the password is case-sensitive).",
    }
    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class AuditedPasswordChangeForm(PlainLabels, PasswordChangeForm):
    """Django's password change form, saved through the users service so the change is audited."""

    def save(self, commit: bool = True) -> User:
        user_set_password(actor=self.user, user_id=self.user.pk, password=self.cleaned_data["new_password1"])
        # The service saved a fresh copy; keep the session's user in step so it stays signed in.
        self.user.refresh_from_db(fields=["password"])
        return self.user


class TokenCreateForm(PlainLabels, forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What the token is for, e.g. “ERP nightly sync”.",
    )


class UserFilterForm(PlainLabels, forms.Form):
    q = forms.CharField(
        label="Search", required=False, widget=forms.SearchInput(attrs={"placeholder": "Name or e-mail"})
    )
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *Role.choices])
    team = forms.ModelChoiceField(label="Team", required=False, queryset=Team.objects.all(), empty_label="Any team")
    active = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), ("yes", "Active"), ("no", "Inactive")]
    )


class UserForm(PlainLabels, forms.Form):
    """Create or edit a user. ``instance`` (on edit) keeps a user from being their own manager."""

    email = forms.EmailField(label="E-mail", max_length=254)
    first_name = forms.CharField(label="First name", max_length=80, required=False)
    last_name = forms.CharField(label="Last name", max_length=80, required=False)
    title = forms.CharField(label="Job title", max_length=120, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.KAM)
    team = forms.ModelChoiceField(label="Team", required=False, queryset=Team.objects.all(), empty_label="No team")
    manager = UserChoiceField(label="Manager", required=False, queryset=User.objects.none(), empty_label="None")
    time_zone = forms.ChoiceField(label="Time zone", choices=TIME_ZONE_CHOICES, initial="UTC")
    is_active = forms.BooleanField(label="Active (may sign in)", required=False, initial=True)
    password = forms.CharField(
        label="Initial password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Optional. Without one the user cannot sign in until a password is set.",
    )

    def __init__(self, *args, instance: User | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", user_initial(instance))
        super().__init__(*args, **kwargs)
        managers = active_users()
        if instance is not None:
            managers = managers.exclude(pk=instance.pk)
            self.fields["password"].label = "New password"
            self.fields["password"].help_text = "Optional. Leave empty to keep the current password."
        self.fields["manager"].queryset = managers

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if password:
            # Check against the submitted names and e-mail, which the similarity validator compares with.
            probe = User(
                email=self.data.get("email", ""),
                first_name=self.data.get("first_name", ""),
                last_name=self.data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return password

    def user_fields(self) -> dict:
        """The cleaned values the users service takes, without the password."""
        return {name: value for name, value in self.cleaned_data.items() if name != "password"}


def user_initial(user: User) -> dict:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "title": user.title,
        "role": user.role,
        "team": user.team_id,
        "manager": user.manager_id,
        "time_zone": user.time_zone,
        "is_active": user.is_active,
    }


class TeamForm(PlainLabels, forms.Form):
    name = forms.CharField(label="Team name", max_length=120)
    lead = UserChoiceField(label="Team lead", required=False, queryset=User.objects.none(), empty_label="None")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = active_users()
