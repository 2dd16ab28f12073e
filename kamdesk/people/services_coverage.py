"""Changes to an account's communication plan: its contact cadence per stakeholder level.

Like every service: the acting user's access is checked here (a hidden account is NotFound, a read-only one
PermissionDenied), each change is audited on the account's history, and a refusal changes nothing.
"""

from django.db import transaction

from kamdesk.accounts.models import Account
from kamdesk.accounts.services import editable_account
from kamdesk.audit.services import audit_record
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.people.models import Cadence, CadenceRule, Level
from kamdesk.users.models import User


def _check_level(level: str) -> str:
    if level not in Level.values:
        raise ServiceError("Unknown level.", {"level": [f"Choose one of: {', '.join(Level.values)}."]})
    return level


def _check_cadence(days) -> int:
    if days not in Cadence.values:
        choices = ", ".join(str(value) for value in Cadence.values)
        raise ServiceError("Unknown cadence.", {"cadence_days": [f"Choose one of: {choices} (days)."]})
    return days


def _plan_account(actor: User | None, account_id: int) -> Account:
    if actor is not None and actor.is_read_only:
        raise PermissionDenied("Viewers cannot change the communication plan.")
    return editable_account(actor, account_id)


def _set(actor: User | None, account: Account, level: str, cadence_days: int) -> CadenceRule:
    rule = CadenceRule.objects.filter(account=account, level=level).first()
    before = rule.cadence_days if rule else None
    if rule is None:
        rule = CadenceRule.objects.create(account=account, level=level, cadence_days=cadence_days)
    elif rule.cadence_days != cadence_days:
        rule.cadence_days = cadence_days
        rule.save(update_fields=["cadence_days", "updated_at"])
    if before != cadence_days:
        audit_record(
            actor=actor,
            action="create" if before is None else "update",
            obj=rule,
            account_id=account.pk,
            changes={"level": [None, level], "cadence_days": [None, cadence_days]}
            if before is None
            else {"cadence_days": [before, cadence_days]},
        )
    return rule


def _delete(actor: User | None, account: Account, level: str) -> bool:
    rule = CadenceRule.objects.filter(account=account, level=level).first()
    if rule is None:
        return False
    audit_record(
        actor=actor,
        action="delete",
        obj=rule,
        account_id=account.pk,
        changes={"level": [level, None], "cadence_days": [rule.cadence_days, None]},
    )
    rule.delete()
    return True


def cadence_rule_set(*, actor: User | None, account_id: int, level: str, cadence_days: int) -> CadenceRule:
    """The account's cadence for one level (created or changed)."""
    _check_level(level)
    _check_cadence(cadence_days)
    with transaction.atomic():
        account = _plan_account(actor, account_id)
        return _set(actor, account, level, cadence_days)


def cadence_rule_delete(*, actor: User | None, account_id: int, level: str) -> None:
    """Back to the parent account's rule or the installation's default for that level."""
    _check_level(level)
    with transaction.atomic():
        account = _plan_account(actor, account_id)
        if not _delete(actor, account, level):
            raise NotFound("This account has no cadence rule for that level.")


def cadence_rules_replace(*, actor: User | None, account_id: int, cadences: dict[str, int | None]) -> None:
    """Set several levels at once (the plan's form); a level given as None loses its rule."""
    for level, days in cadences.items():
        _check_level(level)
        if days is not None:
            _check_cadence(days)
    with transaction.atomic():
        account = _plan_account(actor, account_id)
        for level, days in cadences.items():
            if days is None:
                _delete(actor, account, level)
            else:
                _set(actor, account, level, days)
