"""Form helpers shared by every area."""

from django import forms
from django.db.models import QuerySet

from kamdesk.core.errors import ServiceError


def add_service_errors(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal on the form: each message under its field, the rest at the top."""
    placed = False
    for field, messages in error.field_errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def active_users() -> QuerySet:
    from kamdesk.users.models import User

    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "email")
