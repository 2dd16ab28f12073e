"""THE time zone a user's dates and times are read and shown in."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from kamdesk.users.models import User


def user_zone(user: User | None) -> ZoneInfo:
    """The user's time zone; without a user (the system), or with an unknown name typed into the database by
    hand, the installation's (``TIME_ZONE``), else UTC — so a page, a file or an e-mail is always made."""
    for name in (getattr(user, "time_zone", None), settings.TIME_ZONE):
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")
