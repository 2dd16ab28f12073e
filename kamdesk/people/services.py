"""Every change to stakeholders goes through these functions (access, validation, audit)."""

from django.db import transaction

from kamdesk.access.scope import EDIT, actor_accounts, visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.services import apply_fields, validate
from kamdesk.people.models import Contact
from kamdesk.users.models import User

AUDITED_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "title",
    "department",
    "phone",
    "mobile",
    "account",
    "reports_to",
    "buying_role",
    "influence",
    "attitude",
    "owner",
    "cadence_days",
    "has_left",
    "notes",
]
EDITABLE_FIELDS = set(AUDITED_FIELDS) - {"account", "reports_to"}


def visible_contacts(user: User):
    """Contacts whose main account, or any further account, the user may see."""
    from django.db.models import Q

    accounts = visible_accounts(user).values("id")
    return Contact.objects.filter(
        Q(account_id__in=accounts)
        | Q(id__in=Contact.other_accounts.through.objects.filter(account_id__in=accounts).values("contact_id"))
    )


def editable_contact(actor: User | None, contact_id: int) -> Contact:
    contact = (
        Contact.objects.filter(pk=contact_id, account_id__in=actor_accounts(actor, EDIT).values("id"))
        .select_for_update()
        .first()
    )
    if contact is not None:
        return contact
    if actor is not None and visible_contacts(actor).filter(pk=contact_id).exists():
        raise PermissionDenied("You have read-only access to this contact's account.")
    raise NotFound("Contact not found.")


def _editable_account(actor: User | None, account: Account) -> Account:
    if not actor_accounts(actor, EDIT).filter(pk=account.pk).exists():
        raise ServiceError("Choose an account you can edit.", {"account": ["Unknown account or read-only."]})
    return account


def _check_reports_to(actor: User | None, contact: Contact, boss: Contact | None) -> None:
    if boss is None:
        return
    if actor is not None and not visible_contacts(actor).filter(pk=boss.pk).exists():
        raise ServiceError("The manager contact does not exist.", {"reports_to": ["Unknown contact."]})
    if contact.pk and boss.pk == contact.pk:
        raise ServiceError("A person cannot report to themselves.", {"reports_to": ["Cannot be the same person."]})
    # Walk up from the new boss; meeting the contact means the change would close a loop.
    seen, current = set(), boss
    while current is not None and current.pk not in seen:
        if contact.pk and current.pk == contact.pk:
            raise ServiceError(
                "This would make a reporting loop.",
                {"reports_to": [f"{boss} already reports (indirectly) to {contact}."]},
            )
        seen.add(current.pk)
        current = Contact.objects.filter(pk=current.reports_to_id).only("id", "reports_to_id").first()


def contact_create(
    *,
    actor: User | None,
    account: Account,
    reports_to: Contact | None = None,
    other_accounts: list[Account] | None = None,
    **fields,
) -> Contact:
    if actor is not None and actor.is_read_only:
        raise PermissionDenied("Viewers cannot add stakeholders.")
    _editable_account(actor, account)
    contact = Contact(account=account)
    apply_fields(contact, fields, EDITABLE_FIELDS)
    if contact.email:
        contact.email = contact.email.strip().lower()
    _check_reports_to(actor, contact, reports_to)
    contact.reports_to = reports_to
    validate(contact)
    with transaction.atomic():
        contact.save()
        if other_accounts:
            contact.other_accounts.set(_visible_others(actor, other_accounts))
        audit_record(
            actor=actor,
            action="create",
            obj=contact,
            account_id=account.pk,
            changes=diff({}, snapshot(contact, AUDITED_FIELDS)),
        )
    return contact


def _visible_others(actor: User | None, accounts: list[Account]) -> list[Account]:
    ids = {a.pk for a in accounts}
    visible = set(actor_accounts(actor).filter(pk__in=ids).values_list("id", flat=True))
    if ids - visible:
        raise ServiceError("Unknown account.", {"other_accounts": ["One or more accounts do not exist."]})
    return list(accounts)


_UNSET = object()


def contact_update(
    *,
    actor: User | None,
    contact_id: int,
    account: Account | None = None,
    reports_to=_UNSET,
    other_accounts: list[Account] | None = None,
    **fields,
) -> Contact:
    with transaction.atomic():
        contact = editable_contact(actor, contact_id)
        before = snapshot(contact, AUDITED_FIELDS)
        if account is not None and account.pk != contact.account_id:
            contact.account = _editable_account(actor, account)
        if reports_to is not _UNSET:
            _check_reports_to(actor, contact, reports_to)
            contact.reports_to = reports_to
        apply_fields(contact, fields, EDITABLE_FIELDS)
        if contact.email:
            contact.email = contact.email.strip().lower()
        validate(contact)
        contact.save()
        if other_accounts is not None:
            # The actor chooses among the accounts they see; links to accounts beyond their access stay.
            beyond_reach = contact.other_accounts.exclude(id__in=actor_accounts(actor).values("id"))
            contact.other_accounts.set([*_visible_others(actor, other_accounts), *beyond_reach])
        changes = diff(before, snapshot(contact, AUDITED_FIELDS))
        if changes:
            audit_record(actor=actor, action="update", obj=contact, account_id=contact.account_id, changes=changes)
    return contact


def contact_delete(*, actor: User | None, contact_id: int) -> None:
    """Contacts who leave are flagged (has_left), not deleted; deleting is for records made by mistake."""
    with transaction.atomic():
        contact = editable_contact(actor, contact_id)
        audit_record(
            actor=actor,
            action="delete",
            obj=contact,
            account_id=contact.account_id,
            changes=diff(snapshot(contact, AUDITED_FIELDS), {}),
        )
        Contact.objects.filter(reports_to=contact).update(reports_to=contact.reports_to)
        contact.delete()
