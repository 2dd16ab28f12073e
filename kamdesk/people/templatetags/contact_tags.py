"""How long ago we last spoke to a stakeholder, for pages: ``{% load contact_tags %}{{ contact|last_contact }}``."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def last_contact(value: datetime | None) -> str:
    """'never', 'today', 'yesterday', '12 days ago' — counted in calendar days of the site's time zone; a
    planned contact logged ahead of time reads 'today' rather than a negative number."""
    if value is None:
        return "never"
    days = (timezone.localdate() - timezone.localtime(value).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
