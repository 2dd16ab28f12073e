from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.selectors import account_list
from kamdesk.myday.views import page as myday_page
from kamdesk.people.selectors import contact_list

SEARCH_LIMIT = 20


@login_required
def home(request):
    """The landing page is the user's day (kamdesk.myday)."""
    return myday_page(request)


@login_required
@require_GET
def search(request):
    """One box for accounts and stakeholders, each limited to what the user may see."""
    query = request.GET.get("q", "").strip()[:100]
    context = {"query": query, "accounts": [], "contacts": []}
    if query:
        _, accounts = account_list(request.user, {"q": query})
        _, contacts = contact_list(request.user, {"q": query})
        context["accounts"] = accounts[: SEARCH_LIMIT + 1]
        context["contacts"] = list(contacts[: SEARCH_LIMIT + 1])
        context["limit"] = SEARCH_LIMIT
        # A stakeholder reached through a further account must not reveal their hidden main account.
        main_accounts = {c.account_id for c in context["contacts"]}
        context["visible_account_ids"] = set(
            visible_accounts(request.user).filter(id__in=main_accounts).values_list("id", flat=True)
        )
    return render(request, "core/search.html", context)


def healthz(request):
    """Liveness/readiness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
