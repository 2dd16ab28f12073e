"""Commercial settings kept by admins: cost to serve per channel and the list of target metrics."""

from decimal import Decimal

from django.db import transaction

from kamdesk.accounts.models import Channel
from kamdesk.audit.services import audit_record
from kamdesk.core.errors import NotFound, PermissionDenied
from kamdesk.core.services import validate
from kamdesk.sales.models import ChannelCostToServe, Metric
from kamdesk.users.models import User


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only admins can change the commercial settings.")


def channel_cost_to_serve_set(*, actor: User | None, channel_id: int, percent: Decimal | None) -> None:
    """Set (or, with None, clear) the cost to serve of a channel as a % of net sales."""
    _require_admin(actor)
    if percent is not None:
        percent = Decimal(percent).quantize(Decimal("0.01"))
    with transaction.atomic():
        channel = Channel.objects.filter(pk=channel_id).first()
        if channel is None:
            raise NotFound("Channel not found.")
        current = ChannelCostToServe.objects.filter(channel=channel).first()
        old = current.percent if current else None
        if percent is None:
            if current is not None:
                current.delete()
        else:
            setting = current or ChannelCostToServe(channel=channel)
            setting.percent = percent
            validate(setting)
            setting.save()
        if old != percent:
            audit_record(
                actor=actor,
                action="update",
                obj=channel,
                changes={"cost_to_serve_percent": [_text(old), _text(percent)]},
            )


def metric_create(*, actor: User | None, code: str, name: str, unit: str = "") -> Metric:
    _require_admin(actor)
    metric = Metric(code=code.strip().lower(), name=name.strip(), unit=unit.strip())
    validate(metric)
    with transaction.atomic():
        metric.save()
        audit_record(actor=actor, action="create", obj=metric, changes={"name": [None, metric.name]})
    return metric


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
