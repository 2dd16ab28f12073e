"""Forms of the accounts pages.

Forms only collect and check input. Every write goes through kamdesk.accounts.services; a service's
refusal (ServiceError.field_errors) is put back on the form under the field it names.
"""

from django import forms
from django.db.models import QuerySet

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.filters import AccountFilter
from kamdesk.accounts.models import Access, Account, AccountClosure, TeamRole, Tier, tier_label
from kamdesk.accounts.services import account_create, account_handover, account_update, membership_set
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.forms import active_users, add_service_errors
from kamdesk.users.models import Team, User

# --- helpers -----------------------------------------------------------------------------------------


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.name} ({obj.code})"


def parse_tags(text: str) -> list[str]:
    """'Retail, EU ,, retail' -> ['Retail', 'EU', 'retail']: trimmed, blanks dropped, order kept."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


# --- list filters ------------------------------------------------------------------------------------

ACTIVE_CHOICES = [("", "All"), ("true", "Active only"), ("false", "Inactive only")]
MULTI_CHOICE_FILTERS = ("tier", "stage", "kind", "channel")


def prepare_filter_form(account_filter: AccountFilter, user: User) -> forms.Form:
    """The FilterSet's form, adapted for people: checkbox lists, the tier labels of this installation, the
    parent by its ERP code (a link may still filter by the parent's id), and plain checkboxes for yes/no.

    Display only: the filtering itself has already been done by the FilterSet. A fresh form with the same
    data is built because a form caches its fields' labels once it has been validated.
    """
    form = type(account_filter.form)(account_filter.data, prefix=account_filter.form_prefix)
    fields = form.fields
    fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": "Name, legal name or code"})
    fields["owner"] = UserChoiceField(queryset=active_users(), required=False, label="Owner", empty_label="Any")
    fields["team"].empty_label = "Any"
    fields["tier"].choices = [(value, tier_label(value)) for value in Tier.values]
    for name in MULTI_CHOICE_FILTERS:
        fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
    fields["channel"].label = "Channel"
    fields["country"].widget.attrs.update({"maxlength": 2, "size": 2, "autocomplete": "off"})
    # A code box rather than a list of every parent: the list grows with the portfolio, the box does not.
    fields["parent_code"].widget = forms.TextInput(attrs={"placeholder": "ERP code", "autocomplete": "off"})
    fields["parent"].widget = forms.HiddenInput()
    fields["include_children"].label = "Include subsidiaries at every level"
    fields["top_level"].label = "Top-level accounts only"
    for name in ("include_children", "top_level"):
        fields[name].widget = forms.CheckboxInput(
            attrs={"value": "true"}, check_test=lambda value: str(value).lower() in {"true", "1"}
        )
    fields["active"] = forms.ChoiceField(choices=ACTIVE_CHOICES, required=False, label="Active")
    for name in ("owner", "team", "channel"):
        # Read once, in one query each: a template loop over the live choices would count the rows first.
        fields[name].option_list = [choice for choice in fields[name].choices]  # noqa: C416 (list() counts first)
    return form


# --- create / edit -----------------------------------------------------------------------------------

ACCOUNT_FIELDS = [
    "code",
    "name",
    "legal_name",
    "parent",
    "owner",
    "kind",
    "channel",
    "industry",
    "country",
    "region",
    "currency",
    "credit_limit",
    "payment_terms_days",
    "website",
    "tier",
    "stage",
    "is_active",
    "description",
]


class AccountForm(forms.ModelForm):
    """Create or edit an account. Parent choices are the accounts the user may see; owner choices the
    active users (the service decides whom this user may assign accounts to)."""

    parent = AccountChoiceField(queryset=Account.objects.none(), required=False, label="Parent account")
    owner = UserChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Owner (key account manager)",
        help_text="Leave empty to own the account yourself.",
    )
    # Longer than the stored codes on purpose: a full name gets a clear message instead of a length error.
    country = forms.CharField(required=False, max_length=60, label="Country", help_text="Two-letter ISO code, e.g. DE.")
    currency = forms.CharField(
        required=False, max_length=60, label="Currency", help_text="Three-letter ISO code, e.g. EUR."
    )
    website = forms.URLField(required=False, max_length=200, assume_scheme="https", label="Website")
    tags = forms.CharField(
        required=False,
        max_length=1000,
        label="Tags",
        help_text="Separate tags with commas, e.g. Retail, Priority.",
    )

    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"is_active": "Active", "payment_terms_days": "Payment terms (days)"}
        help_texts = {"code": "The customer number in the ERP; imports match accounts by it."}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["parent"].queryset = self._parent_choices()
        self.fields["owner"].queryset = self._owner_choices()
        self.fields["tier"].choices = [(value, tier_label(value)) for value in Tier.values]
        self.fields["parent"].empty_label = "None (top-level account)"
        self.fields["channel"].empty_label = "Not set"
        self.fields["owner"].empty_label = "Nobody" if self.instance.pk or user.is_admin else "Yourself"
        if self.instance.pk:
            self.fields["owner"].help_text = ""
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())
        elif not user.is_admin:
            self.initial.setdefault("owner", user.pk)

    def _parent_choices(self) -> QuerySet:
        choices = visible_accounts(self.user)
        account = self.instance
        if account.pk:
            # An account cannot move under itself or its own subsidiaries; its current parent stays
            # selectable even when the user's access starts below it.
            subtree = AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id")
            choices = (choices | Account.objects.filter(pk=account.parent_id)).exclude(pk__in=subtree)
        return choices.only("id", "name", "code").order_by("name", "code")

    def _owner_choices(self) -> QuerySet:
        owner_id = self.instance.owner_id if self.instance.pk else None
        users = User.objects.filter(is_active=True)
        if owner_id:
            users = users | User.objects.filter(pk=owner_id)
        return users.order_by("last_name", "first_name", "email")

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not (len(country) == 2 and country.isalpha()):
            raise forms.ValidationError("Enter a two-letter ISO country code, e.g. DE or FR.")
        return country

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if currency and not (len(currency) == 3 and currency.isalpha()):
            raise forms.ValidationError("Enter a three-letter ISO currency code, e.g. EUR or USD.")
        return currency

    def save(self, commit: bool = True) -> Account | None:
        """Create or update through the service; returns None (and fills the form's errors) when the
        service refuses."""
        values = {name: self.cleaned_data[name] for name in ACCOUNT_FIELDS}
        tags = parse_tags(self.cleaned_data.get("tags", ""))
        try:
            if self.instance.pk:
                return account_update(actor=self.user, account_id=self.instance.pk, tags=tags, **values)
            if values["owner"] is None:
                values.pop("owner")  # the service makes the creator the owner (admins: nobody)
            return account_create(actor=self.user, tags=tags, **values)
        except ServiceError as error:
            if not error.field_errors and _is_access_refusal(error):
                raise
            add_service_errors(self, error)
            return None


def _is_access_refusal(error: ServiceError) -> bool:
    """Read-only or hidden: the view answers 403/404 instead of showing a form error."""
    return isinstance(error, PermissionDenied | NotFound)


# --- handover ----------------------------------------------------------------------------------------


class HandoverForm(forms.Form):
    new_owner = UserChoiceField(
        queryset=User.objects.none(), required=False, label="New owner", empty_label="Choose a person"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.exclude(lead=None).select_related("lead"),
        required=False,
        label="…or a team",
        empty_label="No team",
        help_text="The team's lead becomes the owner.",
    )
    reason = forms.CharField(
        label="Reason",
        error_messages={"required": "Say why the account is handed over."},
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the account's history.",
    )
    include_subsidiaries = forms.BooleanField(
        required=False, label="Also hand over the subsidiaries owned by the current owner"
    )
    transfer_contacts = forms.BooleanField(
        required=False, initial=True, label="Transfer the current owner's stakeholder relationships"
    )
    keep_previous_owner = forms.BooleanField(
        required=False, label="Keep the current owner on the account team (read access)"
    )

    def __init__(self, *args, user: User, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.account = account
        self.fields["new_owner"].queryset = active_users().exclude(pk=account.owner_id)

    def save(self) -> list[Account] | None:
        try:
            return account_handover(actor=self.user, account_id=self.account.pk, **self.cleaned_data)
        except ServiceError as error:
            if not error.field_errors and _is_access_refusal(error):
                raise
            add_service_errors(self, error)
            return None


# --- account team ------------------------------------------------------------------------------------


class MembershipForm(forms.Form):
    user = UserChoiceField(queryset=User.objects.none(), label="Person", empty_label="Choose a person")
    role = forms.ChoiceField(choices=TeamRole.choices, label="Role on the account")
    access = forms.ChoiceField(choices=Access.choices, initial=Access.READ, label="Access")

    def __init__(self, *args, actor: User, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.account = account
        self.fields["user"].queryset = active_users()

    def save(self):
        try:
            return membership_set(actor=self.actor, account_id=self.account.pk, **self.cleaned_data)
        except ServiceError as error:
            if not error.field_errors and _is_access_refusal(error):
                raise
            add_service_errors(self, error)
            return None


class ChannelForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Used by imports and filters; cannot change later.")
    name = forms.CharField(max_length=80)
