from django.conf import settings
from django.urls import reverse


def kamdesk(request):
    """Navigation and installation-wide values every page needs."""
    context = {"reporting_currency": settings.REPORTING_CURRENCY}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    nav = [
        ("Dashboard", "sales:dashboard"),
        ("Contacts", "people:list"),
        ("Coverage", "people:coverage_overview"),
        ("Tasks", "activities:tasks"),
        ("Products", "sales:product_list"),
    ]
    if not user.is_read_only:
        nav += [("Import", "imports:upload"), ("Sales imports", "sales:imports")]
    menu = [("Change password", "password_change"), ("API tokens", "tokens"), ("Daily digest", "myday:digest")]
    menu.append(("Calendar feed", "activities:feed_settings"))
    if user.is_admin:
        menu += [
            ("Users", "users"),
            ("Teams", "teams"),
            ("Channels", "accounts:channels"),
            ("Commercial settings", "sales:settings"),
        ]
    context["nav_items"] = [{"label": label, "url": reverse(name)} for label, name in nav]
    context["user_menu"] = [{"label": label, "url": reverse(name)} for label, name in menu]
    return context
