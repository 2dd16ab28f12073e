"""Forms of the stakeholder pages. They collect and type the input; the services decide and write."""

from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator

from kamdesk.access.scope import EDIT, visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.people.models import ATTITUDE_LABELS, BuyingRole, Cadence, Contact, Level
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User

# A longer select is unusable; bigger customer groups are browsed on the list page instead.
REPORTS_TO_CHOICES_LIMIT = 500

INFLUENCE_CHOICES = [(1, "1 · Minimal"), (2, "2 · Low"), (3, "3 · Medium"), (4, "4 · High"), (5, "5 · Very high")]
ATTITUDE_CHOICES = [(value, f"{value:+d} · {label}".replace("+0", "0")) for value, label in ATTITUDE_LABELS.items()]

# Fields handed to the services exactly as cleaned.
PLAIN_FIELDS = [
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "mobile",
    "buying_role",
    "level",
    "influence",
    "attitude",
    "owner",
    "cadence_days",
    "has_left",
    "notes",
]


class BoundedChoiceIterator(ModelChoiceIterator):
    """Offers at most ``field.max_choices`` options; the field still accepts any row of its queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset[: self.field.max_choices]:
            yield self.choice(obj)

    def __len__(self):
        return min(self.queryset.count(), self.field.max_choices) + (self.field.empty_label is not None)


class ReportsToField(forms.ModelChoiceField):
    iterator = BoundedChoiceIterator
    max_choices = REPORTS_TO_CHOICES_LIMIT

    def label_from_instance(self, obj: Contact) -> str:
        label = " · ".join(part for part in (obj.full_name, obj.title, obj.account.name) if part)
        return f"{label} (left)" if obj.has_left else label


class AccountField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.name} ({obj.code})"


class AccountsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.name} ({obj.code})"


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


def reports_to_candidates(user: User, account_id: int | None, contact: Contact | None = None) -> QuerySet:
    """Whom a stakeholder may report to: the people of the same customer group the user can see, plus the
    current manager if visible (a reporting line may cross groups)."""
    in_group = Q(account_id__in=account_group_ids(account_id)) if account_id else Q(pk__in=[])
    if contact is not None and contact.reports_to_id:
        in_group |= Q(pk=contact.reports_to_id)
    candidates = (
        visible_contacts(user)
        .filter(in_group)
        .select_related("account")
        .only("id", "first_name", "last_name", "title", "has_left", "account__name")
        .order_by("has_left", "last_name", "first_name", "id")
    )
    return candidates.exclude(pk=contact.pk) if contact is not None else candidates


def editable_account_id(user: User, value) -> int | None:
    """``value`` as an account id, when it names an account the user may add stakeholders to."""
    try:
        account_id = int(value)
    except (TypeError, ValueError):
        return None
    return account_id if visible_accounts(user, EDIT).filter(pk=account_id).exists() else None


class ContactForm(forms.Form):
    """Create or edit a stakeholder. Every choice is limited to what ``user`` may see or change.

    Links the user cannot see (a manager or a further account outside their portfolio) are never offered,
    so they are kept as they are rather than silently dropped.
    """

    first_name = forms.CharField(max_length=80, required=False)
    last_name = forms.CharField(max_length=80)
    title = forms.CharField(max_length=120, required=False)
    department = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    mobile = forms.CharField(max_length=40, required=False)
    account = AccountField(
        queryset=Account.objects.none(),
        empty_label="Choose an account",
        help_text="The organisation the person works for.",
    )
    other_accounts = AccountsField(
        queryset=Account.objects.none(),
        required=False,
        label="Further accounts",
        help_text="Other accounts the person belongs to, e.g. the parent company as well as a subsidiary.",
    )
    reports_to = ReportsToField(
        queryset=Contact.objects.none(),
        required=False,
        label="Reports to",
        empty_label="Nobody (top of the chart)",
        help_text="Their manager at the customer, among the people of the same customer group.",
    )
    buying_role = forms.ChoiceField(choices=[("", "—"), *BuyingRole.choices], required=False)
    level = forms.ChoiceField(
        choices=[("", "—"), *Level.choices],
        required=False,
        help_text="Their level at the customer; the communication plan sets a contact cadence per level.",
    )
    influence = forms.TypedChoiceField(
        choices=[("", "—"), *INFLUENCE_CHOICES], coerce=int, empty_value=None, required=False
    )
    attitude = forms.TypedChoiceField(
        label="Attitude to us",
        choices=[("", "Unknown"), *ATTITUDE_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    owner = UserField(queryset=User.objects.none(), required=False, label="Relationship owner", empty_label="—")
    cadence_days = forms.TypedChoiceField(
        label="Contact cadence", choices=[("", "—"), *Cadence.choices], coerce=int, empty_value=None, required=False
    )
    has_left = forms.BooleanField(
        label="Left the company",
        required=False,
        help_text="The person and their history are kept; they just no longer count as an active contact.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, user: User, contact: Contact | None = None, **kwargs):
        if contact is not None:
            kwargs.setdefault("initial", initial_from_contact(contact))
        super().__init__(*args, **kwargs)
        self.user = user
        self.contact = contact
        self.other_accounts_changed = contact is None
        accounts = Account.objects.only("id", "name", "code").order_by("name")
        self.fields["account"].queryset = accounts.filter(id__in=visible_accounts(user, EDIT).values("id"))
        self.fields["other_accounts"].queryset = accounts.filter(id__in=visible_accounts(user).values("id"))
        current_owner = Q(pk=contact.owner_id) if contact is not None and contact.owner_id else Q(pk__in=[])
        self.fields["owner"].queryset = User.objects.filter(Q(is_active=True) | current_owner).only(
            "id", "first_name", "last_name", "email"
        )
        self.fields["reports_to"].queryset = reports_to_candidates(user, self.group_account_id(), contact)
        self.hidden_manager = self._has_hidden_manager()
        if self.hidden_manager:
            self.fields["reports_to"].empty_label = "Unchanged (someone outside your accounts)"

    def group_account_id(self) -> int | None:
        """The account whose customer group offers the reports-to choices: the account being submitted (so
        the choice is checked against the account that is saved), else the initial one."""
        raw = self.data.get(self.add_prefix("account")) if self.is_bound else None
        if raw in (None, ""):
            raw = self.initial.get("account")
        raw = raw.pk if isinstance(raw, Account) else raw
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def _has_hidden_manager(self) -> bool:
        boss_id = self.contact.reports_to_id if self.contact is not None else None
        return bool(boss_id) and not visible_contacts(self.user).filter(pk=boss_id).exists()

    def _hidden_other_account_ids(self) -> set[int]:
        if self.contact is None:
            return set()
        linked = self.contact.other_accounts.exclude(id__in=visible_accounts(self.user).values("id"))
        return set(linked.values_list("id", flat=True))

    def clean_email(self) -> str | None:
        # No address is stored as NULL: many people may have none, while an address is unique.
        return self.cleaned_data["email"].strip().lower() or None

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account")
        if account is not None and "other_accounts" in cleaned:
            cleaned["other_accounts"] = [a for a in cleaned["other_accounts"] if a.pk != account.pk]
        if self.contact is not None and "other_accounts" in cleaned:
            self._check_other_accounts_change(cleaned["other_accounts"])
        return cleaned

    def _check_other_accounts_change(self, chosen: list[Account]) -> None:
        hidden = self._hidden_other_account_ids()
        shown = set(self.initial.get("other_accounts", [])) - hidden
        self.other_accounts_changed = {a.pk for a in chosen} != shown
        if self.other_accounts_changed and hidden:
            self.add_error(
                "other_accounts",
                "This person also belongs to accounts you cannot see, so you cannot change the further accounts; "
                "ask an admin or the owner of those accounts.",
            )

    def service_arguments(self) -> dict:
        """The cleaned values as keyword arguments for contact_create / contact_update."""
        data = self.cleaned_data
        arguments = {name: data[name] for name in PLAIN_FIELDS}
        arguments["account"] = data["account"]
        if not (self.hidden_manager and data["reports_to"] is None):
            arguments["reports_to"] = data["reports_to"]
        if self.other_accounts_changed:
            arguments["other_accounts"] = data["other_accounts"]
        return arguments


def initial_from_contact(contact: Contact) -> dict:
    initial = {name: getattr(contact, name) for name in PLAIN_FIELDS if name != "owner"}
    initial.update(
        account=contact.account_id,
        owner=contact.owner_id,
        reports_to=contact.reports_to_id,
        other_accounts=[a.pk for a in contact.other_accounts.all()],
    )
    return initial
