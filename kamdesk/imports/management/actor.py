"""The ``--as EMAIL`` option of the import and export commands."""

from django.core.management.base import CommandError

from kamdesk.users.models import User


def acting_user(email: str | None) -> User | None:
    """The active user named by ``--as``; None (the system, which may do everything) without it."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise CommandError(f"No active user has the e-mail address {email!r}.", returncode=2)
    return user
