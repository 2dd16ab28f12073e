"""Writing audit events. Called by services inside their transaction, never by views or signals."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import models

from kamdesk.audit.models import AuditEvent


def _plain(value):
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    """The current values of ``fields``; foreign keys as their display text."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = ", ".join(sorted(str(o) for o in getattr(instance, name).all())) if instance.pk else ""
        elif field.is_relation:
            values[name] = _plain(getattr(instance, name))
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    account_id: int | None = None,
    changes: dict | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj)[:250],
        account_id=account_id,
        changes=changes or {},
        note=note,
    )
