"""Every change to stakeholders goes through these functions (access, validation, audit)."""

from django.db import connection, transaction
from django.db.models import Q

from kamdesk.access.scope import EDIT, actor_accounts, visible_accounts
from kamdesk.accounts.models import Account, AccountClosure
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
    "level",
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
    # The new boss's whole chain upwards, in one query; meeting the contact there would close a loop.
    if contact.pk and contact.pk in chain_above(boss.pk):
        raise ServiceError(
            "This would make a reporting loop.",
            {"reports_to": [f"{boss} already reports (indirectly) to {contact}."]},
        )


def chain_above(contact_id: int) -> set[int]:
    """Ids of ``contact_id`` and everyone above them on reports-to, to any depth, in one query.

    A recursive query walks the links in the database (SQLite and PostgreSQL). UNION, not UNION ALL, drops
    a row met twice, so a loop already in imported data ends the walk instead of running forever.
    """
    quote = connection.ops.quote_name
    table, boss = quote(Contact._meta.db_table), quote(Contact._meta.get_field("reports_to").column)
    # Only the model's own table and column names are formatted in; the id is a query parameter.
    sql = f"""
        WITH RECURSIVE chain(id, boss_id) AS (
            SELECT id, {boss} FROM {table} WHERE id = %s
            UNION
            SELECT c.id, c.{boss} FROM {table} c JOIN chain ON c.id = chain.boss_id
        )
        SELECT id FROM chain
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [contact_id])
        return {row[0] for row in cursor.fetchall()}


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


def _family_tops(contact_id: int):
    """Top accounts of every customer group the contact belongs to (main or further account), as a subquery."""
    further = Contact.other_accounts.through.objects.filter(contact_id=contact_id).values("account_id")
    accounts = Account.objects.filter(
        Q(id__in=Contact.objects.filter(pk=contact_id).values("account_id")) | Q(id__in=further)
    ).values("id")
    return AccountClosure.objects.filter(descendant_id__in=accounts, ancestor__parent__isnull=True).values(
        "ancestor_id"
    )


def _same_family(contact_id: int, boss_id: int) -> bool:
    further = Contact.other_accounts.through.objects.filter(contact_id=boss_id).values("account_id")
    boss_accounts = Account.objects.filter(
        Q(id__in=Contact.objects.filter(pk=boss_id).values("account_id")) | Q(id__in=further)
    ).values("id")
    return AccountClosure.objects.filter(
        descendant_id__in=boss_accounts, ancestor_id__in=_family_tops(contact_id)
    ).exists()


def _editable_manager(actor: User | None, boss_id: int) -> Contact:
    try:
        return editable_contact(actor, boss_id)
    except PermissionDenied:
        raise ServiceError(
            "You can only put people under a manager on an account you can edit.",
            {"reports_to": ["Read-only for you."]},
        ) from None
    except NotFound:
        raise ServiceError("The manager contact does not exist.", {"reports_to": ["Unknown contact."]}) from None


def contact_set_reports_to(*, actor: User | None, contact_id: int, reports_to_id: int | None) -> Contact:
    """Put a stakeholder under another manager on the customer's org chart (``None``: at the top).

    Both people must be on accounts the actor can edit, and of the same customer group: the org chart is
    drawn per group, so a line across groups would vanish from both charts. No loops, at any depth.
    """
    if actor is not None and actor.is_read_only:
        raise PermissionDenied("Viewers cannot change reporting lines.")
    with transaction.atomic():
        # Lock both rows in id order: two changes at once (A under B, B under A) cannot both pass the loop check.
        ids = sorted({contact_id, reports_to_id} - {None})
        list(Contact.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("id", flat=True))
        contact = editable_contact(actor, contact_id)
        boss = None
        if reports_to_id is not None:
            boss = _editable_manager(actor, reports_to_id)
            if boss.pk != contact.pk and not _same_family(contact.pk, boss.pk):
                raise ServiceError(
                    "The manager must work for the same customer group.",
                    {"reports_to": [f"{boss} is not in {contact}'s customer group."]},
                )
        _check_reports_to(actor, contact, boss)
        if contact.reports_to_id == (boss.pk if boss else None):
            return contact
        before = snapshot(contact, AUDITED_FIELDS)
        contact.reports_to = boss
        contact.save(update_fields=["reports_to", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            obj=contact,
            account_id=contact.account_id,
            changes=diff(before, snapshot(contact, AUDITED_FIELDS)),
        )
    return contact
