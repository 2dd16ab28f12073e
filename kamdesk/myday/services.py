"""Writes of the "My day" app: a user's digest preference (the quick actions on the page call the activities
services directly — one path for every write)."""

from django.db import transaction

from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied
from kamdesk.core.services import validate
from kamdesk.myday.models import DigestPreference
from kamdesk.users.models import User

PREFERENCE_FIELDS = ["enabled", "send_hour"]


def digest_preference_of(user: User) -> DigestPreference:
    """The stored preference, or the default one (off, 07:00) unsaved."""
    return DigestPreference.objects.filter(user=user).first() or DigestPreference(user=user)


def digest_preference_set(*, actor: User | None, user: User, enabled: bool, send_hour: int) -> DigestPreference:
    """Turn the daily digest on or off and choose its hour. People set their own; admins (and the system)
    anyone's."""
    if actor is not None and actor.pk != user.pk and not actor.is_admin:
        raise PermissionDenied("You can only change your own digest.")
    if not user.is_active:
        raise NotFound("User not found.")
    with transaction.atomic():
        preference = DigestPreference.objects.select_for_update().filter(user=user).first()
        if preference is None:
            preference = DigestPreference(user=user)
        before = snapshot(preference, PREFERENCE_FIELDS) if preference.pk else {}
        preference.enabled, preference.send_hour = enabled, send_hour
        validate(preference)
        preference.save()
        changes = diff(before, snapshot(preference, PREFERENCE_FIELDS))
        if changes:
            audit_record(actor=actor, action="update" if before else "create", obj=preference, changes=changes)
    return preference
