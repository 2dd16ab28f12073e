"""Every change to accounts, their hierarchy and their teams goes through these functions.

Each takes the acting user, checks access, validates, writes in one transaction and records the audit
event. Views, the API, the CLI and imports all call them.
"""

from django.db import transaction
from django.db.models import F

from kamdesk.access.scope import EDIT, actor_accounts, people_under
from kamdesk.accounts.models import Access, Account, AccountClosure, AccountMembership, Channel, Tag
from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.services import apply_fields, validate
from kamdesk.users.models import Role, Team, User

AUDITED_FIELDS = [
    "code",
    "name",
    "legal_name",
    "parent",
    "kind",
    "channel",
    "industry",
    "country",
    "region",
    "currency",
    "credit_limit",
    "payment_terms_days",
    "website",
    "description",
    "owner",
    "tier",
    "stage",
    "is_active",
]
EDITABLE_FIELDS = set(AUDITED_FIELDS) - {"parent", "owner"}


def _is_admin(actor: User | None) -> bool:
    return actor is None or actor.is_admin


def editable_account(actor: User | None, account_id: int) -> Account:
    """The account, if the actor may change it; NotFound if hidden, PermissionDenied if read-only."""
    try:
        return actor_accounts(actor, EDIT).select_for_update().get(pk=account_id)
    except Account.DoesNotExist:
        if actor_accounts(actor).filter(pk=account_id).exists():
            raise PermissionDenied("You have read-only access to this account.") from None
        raise NotFound("Account not found.") from None


def _check_owner(actor: User | None, owner: User | None) -> None:
    if owner is not None and not owner.is_active:
        raise ServiceError("The owner must be an active user.", {"owner": ["This user is inactive."]})
    if owner is None or _is_admin(actor):
        return
    allowed = people_under(actor) if actor.role == Role.TEAM_LEAD else {actor.pk}
    if owner.pk not in allowed:
        raise PermissionDenied(
            "You can only assign accounts to yourself or the people you lead.",
            {"owner": ["You cannot assign accounts to this user."]},
        )


def _check_parent(actor: User | None, parent: Account | None) -> None:
    if parent is not None and not actor_accounts(actor).filter(pk=parent.pk).exists():
        raise ServiceError("The parent account does not exist.", {"parent": ["Unknown parent account."]})


def _set_tags(account: Account, tags: list[str] | None) -> None:
    if tags is None:
        return
    names = sorted({t.strip()[:60] for t in tags if t and t.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    account.tags.set(Tag.objects.filter(name__in=names))


def account_create(*, actor: User | None, tags: list[str] | None = None, **fields) -> Account:
    if actor is not None and actor.is_read_only:
        raise PermissionDenied("Viewers cannot create accounts.")
    parent = fields.get("parent")
    owner = fields.setdefault("owner", None if _is_admin(actor) else actor)
    _check_parent(actor, parent)
    _check_owner(actor, owner)
    account = Account()
    apply_fields(account, fields, EDITABLE_FIELDS | {"parent", "owner"})
    account.depth = parent.depth + 1 if parent else 0
    validate(account)
    with transaction.atomic():
        account.save()
        _link_into_hierarchy(account, parent)
        _set_tags(account, tags)
        audit_record(
            actor=actor,
            action="create",
            obj=account,
            account_id=account.pk,
            changes=diff({}, snapshot(account, [*AUDITED_FIELDS, "tags"])),
        )
    return account


def account_update(*, actor: User | None, account_id: int, tags: list[str] | None = None, **fields) -> Account:
    with transaction.atomic():
        account = editable_account(actor, account_id)
        before = snapshot(account, [*AUDITED_FIELDS, "tags"])
        new_parent = fields.pop("parent", account.parent)
        new_owner = fields.pop("owner", account.owner)
        apply_fields(account, fields, EDITABLE_FIELDS)
        if new_owner != account.owner:
            _check_owner(actor, new_owner)
            account.owner = new_owner
        validate(account)
        account.save()
        if new_parent != account.parent:
            _move(actor, account, new_parent)
        _set_tags(account, tags)
        changes = diff(before, snapshot(account, [*AUDITED_FIELDS, "tags"]))
        if changes:
            audit_record(actor=actor, action="update", obj=account, account_id=account.pk, changes=changes)
    return account


def account_delete(*, actor: User | None, account_id: int) -> None:
    """Only admins delete, and only accounts with no children and no stakeholders: anything else is
    deactivated instead so that its history stays."""
    if not _is_admin(actor):
        raise PermissionDenied("Only admins can delete accounts; deactivate it instead.")
    with transaction.atomic():
        account = editable_account(actor, account_id)
        if account.children.exists() or account.contacts.exists():
            raise ServiceError("This account has subsidiaries or stakeholders; deactivate it instead.")
        audit_record(
            actor=actor,
            action="delete",
            obj=account,
            account_id=account.pk,
            changes=diff(snapshot(account, AUDITED_FIELDS), {}),
        )
        account.delete()


# --- hierarchy --------------------------------------------------------------------------------------


def _link_into_hierarchy(account: Account, parent: Account | None) -> None:
    links = [AccountClosure(ancestor=account, descendant=account, depth=0)]
    if parent is not None:
        links += [
            AccountClosure(ancestor_id=a, descendant=account, depth=d + 1)
            for a, d in AccountClosure.objects.filter(descendant=parent).values_list("ancestor_id", "depth")
        ]
    AccountClosure.objects.bulk_create(links)


def _move(actor: User | None, account: Account, new_parent: Account | None) -> None:
    """Re-hang ``account`` and its whole subtree under ``new_parent``."""
    subtree = AccountClosure.objects.filter(ancestor=account)
    if new_parent is not None:
        _check_parent(actor, new_parent)
        if subtree.filter(descendant=new_parent).exists():
            raise ServiceError(
                "An account cannot sit under itself or one of its own subsidiaries.",
                {"parent": [f"{new_parent} is {account} or one of its subsidiaries."]},
            )
    subtree_ids = list(subtree.values_list("descendant_id", flat=True))
    AccountClosure.objects.filter(descendant_id__in=subtree_ids).exclude(ancestor_id__in=subtree_ids).delete()
    inner = list(subtree.values_list("descendant_id", "depth"))
    outer = (
        list(AccountClosure.objects.filter(descendant=new_parent).values_list("ancestor_id", "depth"))
        if new_parent is not None
        else []
    )
    AccountClosure.objects.bulk_create(
        [AccountClosure(ancestor_id=a, descendant_id=d, depth=da + dd + 1) for a, da in outer for d, dd in inner]
    )
    shift = (new_parent.depth + 1 if new_parent else 0) - account.depth
    Account.objects.filter(id__in=subtree_ids).update(depth=F("depth") + shift)
    account.parent = new_parent
    account.depth += shift
    account.save(update_fields=["parent", "depth", "updated_at"])


# --- handover ----------------------------------------------------------------------------------------


def account_handover(
    *,
    actor: User | None,
    account_id: int,
    reason: str,
    new_owner: User | None = None,
    team: Team | None = None,
    include_subsidiaries: bool = False,
    transfer_contacts: bool = True,
    keep_previous_owner: bool = False,
) -> list[Account]:
    """Give an account (optionally its subsidiaries owned by the same person, and that person's stakeholder
    relationships there) to a new owner — a person, or a team, whose lead takes it — in one step. The reason
    is kept in the history."""
    from kamdesk.people.models import Contact  # people depends on accounts, not the other way round

    if not reason.strip():
        raise ServiceError("Say why the account is handed over.", {"reason": ["A reason is required."]})
    new_owner = _handover_recipient(new_owner, team)
    with transaction.atomic():
        account = editable_account(actor, account_id)
        previous = account.owner
        if previous == new_owner:
            raise ServiceError("The new owner already owns this account.", {"new_owner": ["Same as today."]})
        _check_owner(actor, new_owner)
        moved = [account]
        if include_subsidiaries:
            moved += list(
                actor_accounts(actor, EDIT)
                .filter(ancestor_links__ancestor=account, ancestor_links__depth__gt=0, owner=previous)
                .select_for_update()
            )
        for item in moved:
            item.owner = new_owner
            item.save(update_fields=["owner", "updated_at"])
            AccountMembership.objects.filter(account=item, user=new_owner).delete()
            if keep_previous_owner and previous is not None:
                AccountMembership.objects.update_or_create(
                    account=item, user=previous, defaults={"role": "kam", "access": Access.READ}
                )
            if transfer_contacts and previous is not None:
                Contact.objects.filter(account=item, owner=previous).update(owner=new_owner)
            audit_record(
                actor=actor,
                action="handover",
                obj=item,
                account_id=item.pk,
                changes={"owner": [str(previous) if previous else None, str(new_owner)]},
                note=reason.strip(),
            )
    return moved


def _handover_recipient(new_owner: User | None, team: Team | None) -> User:
    if (new_owner is None) == (team is None):
        raise ServiceError(
            "Hand the account over to one person or to one team.",
            {"new_owner": ["Choose a new owner or a team, not both."]},
        )
    if new_owner is not None:
        return new_owner
    if team.lead is None or not team.lead.is_active:
        raise ServiceError(
            f"Team {team} has no active lead to take the account.", {"team": ["This team has no active lead."]}
        )
    return team.lead


# --- account team ------------------------------------------------------------------------------------


def membership_set(*, actor: User | None, account_id: int, user: User, role: str, access: str) -> AccountMembership:
    with transaction.atomic():
        account = editable_account(actor, account_id)
        if not user.is_active:
            raise ServiceError("Only active users can join an account team.", {"user": ["Inactive user."]})
        existing = AccountMembership.objects.filter(account=account, user=user).first()
        before = snapshot(existing, ["role", "access"]) if existing else {}
        membership = existing or AccountMembership(account=account, user=user)
        membership.role, membership.access = role, access
        validate(membership, exclude=["account", "user"])
        membership.save()
        changes = diff(before, snapshot(membership, ["role", "access"]))
        if changes:
            changes["user"] = [None, str(user)] if not existing else [str(user), str(user)]
            audit_record(
                actor=actor,
                action="update" if existing else "create",
                obj=membership,
                account_id=account.pk,
                changes=changes,
            )
    return membership


def membership_remove(*, actor: User | None, account_id: int, membership_id: int) -> None:
    with transaction.atomic():
        account = editable_account(actor, account_id)
        membership = AccountMembership.objects.filter(account=account, pk=membership_id).first()
        if membership is None:
            raise NotFound("Team member not found.")
        audit_record(
            actor=actor,
            action="delete",
            obj=membership,
            account_id=account.pk,
            changes={"user": [str(membership.user), None], "role": [membership.role, None]},
        )
        membership.delete()


# --- channels (an editable list, kept by admins) -------------------------------------------------


def channel_save(*, actor: User | None, code: str, name: str, channel_id: int | None = None) -> Channel:
    """Add a channel, or rename one (its code stays: imports and filters refer to it)."""
    if not _is_admin(actor):
        raise PermissionDenied("Only admins can change the list of channels.")
    with transaction.atomic():
        channel = Channel.objects.select_for_update().filter(pk=channel_id).first() if channel_id else Channel()
        if channel is None:
            raise NotFound("Channel not found.")
        before = snapshot(channel, ["code", "name"]) if channel.pk else {}
        if not channel.pk:
            channel.code = code.strip().lower()
        channel.name = name.strip()
        validate(channel)
        channel.save()
        changes = diff(before, snapshot(channel, ["code", "name"]))
        if changes:
            audit_record(actor=actor, action="update" if before else "create", obj=channel, changes=changes)
    return channel
