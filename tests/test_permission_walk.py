"""Walk every URL pattern — pages and API routes — as a user who must not see a particular account, its
stakeholders or its team, and check that no route reads or changes them.

New routes are covered automatically: a route with an object id in its path gets the hidden object's id;
a route without one must not show the hidden records' names in what it returns.
"""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kamdesk.accounts.models import Account, AccountMembership
from kamdesk.activities.models import Activity, StoreCheck, StoreCheckPhoto, Task, TaskComment
from kamdesk.activities.services import task_comment_add
from kamdesk.activities.services_storechecks import photo_add
from kamdesk.audit.models import AuditEvent
from kamdesk.people.models import Contact, PlannedTouchpoint
from kamdesk.people.touchpoints import touchpoint_create
from kamdesk.users.services import token_create
from tests.activities_factories import make_activity, make_task
from tests.factories import grant, make_contact, make_user
from tests.storechecks_factories import make_store_check, picture

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("static/", "media/")
PUBLIC_NAMES = {"login", "logout", "healthz", "password_reset"}  # pages that show nobody's records


def walk(patterns=None, prefix=""):
    """(route, name) for every concrete URL pattern, with include() prefixes joined."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


PARAM = re.compile(r"(?<!\?P)<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
# A regex route's named group with fixed alternatives, e.g. export\.(?P<fmt>csv|xlsx)
CHOICE_GROUP = re.compile(r"\(\?P<\w+>([\w|]+)\)")


def expand(route: str) -> list[str]:
    """Concrete paths of a route without object ids: one per alternative of a regex choice group."""
    match = CHOICE_GROUP.search(route)
    if match is None:
        return ["/" + route.replace("^", "").replace("$", "").replace("\\", "")]
    return [p for alt in match[1].split("|") for p in expand(route[: match.start()] + alt + route[match.end() :])]


def concrete_path(route: str, ids: dict[str, int]) -> str:
    """Fill each path parameter with the id of the hidden object it most likely names."""

    def fill(match):
        name = match["name"]
        if name == "secret":  # the calendar feed takes a secret, not an id: a bogus one must answer 404
            return "kdcal_not-a-real-secret"
        if name in ("membership_id",):
            return str(ids["membership"])
        if name in ("contact_id",):
            return str(ids["contact"])
        if name in ("token_id",):
            return str(ids["token"])
        if name in ("user_id",):
            return str(ids["user"])
        if name in ("touchpoint_id",):
            return str(ids["touchpoint"])
        if name in ("activity_id",):
            return str(ids["activity"])
        if name in ("photo_id",):
            return str(ids["photo"])
        if name in ("task_id",):
            return str(ids["task"])
        if name in ("pk", "id", "account_id"):
            if route.startswith("activities/"):
                return str(ids["activity"])
            if route.startswith("tasks/"):
                return str(ids["task"])
            if "contact" in route:
                return str(ids["contact"])
            if "token" in route:
                return str(ids["token"])
            if "user" in route and "account" not in route:
                return str(ids["user"])
            if "team" in route and "account" not in route:
                return str(ids["team"])
            return str(ids["account"])
        return "1"

    path = PARAM.sub(fill, route.lstrip("^").rstrip("$"))
    return "/" + path.replace("\\", "")


@pytest.fixture
def hidden(world):
    contact = make_contact(world.hidden, first_name="Zelda", last_name="Secretworth", email="zelda@hidden.example")
    membership = grant(world.hidden, world.kam_b, access="edit")
    _token, _secret = token_create(actor=None, user=world.outsider, name="outsider script")
    # Colleagues are visible to every user; a deactivated one only to admins.
    former = make_user(email="former@example.com", is_active=False)
    activity = make_activity(world.hidden, subject="Secret summit", their_participants=[contact], kind="store_check")
    store_check = make_store_check(world.hidden, activity=activity, store_name="Secret store")
    photo = photo_add(actor=None, activity_id=store_check.pk, upload=picture())
    task = make_task(world.hidden, world.outsider, title="Secret errand", activity=activity)
    task_comment_add(actor=None, task_id=task.pk, text="Secret remark")
    return {
        "account": world.hidden.pk,
        "contact": contact.pk,
        "membership": membership.pk,
        "token": _token.pk,
        "user": former.pk,
        "team": world.team.pk,
        "activity": activity.pk,
        "task": task.pk,
        "photo": photo.pk,
        "touchpoint": touchpoint_create(
            actor=None, account=world.hidden, title="Secret summit plan", planned_on=date(2026, 3, 1)
        ).pk,
    }


def state():
    """What must not change: the hidden account, its stakeholder, its team, its activities and tasks and the
    audit trail."""
    return (
        list(Activity.objects.filter(account__code="X-001").values()),
        list(Task.objects.filter(account__code="X-001").values()),
        list(StoreCheck.objects.filter(activity__account__code="X-001").values()),
        list(StoreCheckPhoto.objects.filter(store_check__activity__account__code="X-001").values()),
        list(PlannedTouchpoint.objects.filter(account__code="X-001").values()),
        TaskComment.objects.count(),
        list(Account.objects.filter(code="X-001").values()),
        list(Contact.objects.filter(email="zelda@hidden.example").values()),
        list(AccountMembership.objects.filter(account__code="X-001").values()),
        AuditEvent.objects.count(),
    )


HIDDEN_MARKERS = (
    "Hidden Industries",
    "Secretworth",
    "zelda@hidden.example",
    "X-001",
    "former@example.com",
    "Secret summit",
    "Secret errand",
    "Secret remark",
    "Secret store",
)


def response_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # an XLSX workbook: read its cells
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return body.decode(errors="replace")


def shows_hidden(response) -> bool:
    text = response_text(response)
    return any(marker in text for marker in HIDDEN_MARKERS)


def routes_with_params():
    return [(r, n) for r, n in walk() if PARAM.search(r) and not r.startswith(SKIP_PREFIXES)]


def routes_without_params():
    return [(r, n) for r, n in walk() if not PARAM.search(r) and not r.startswith(SKIP_PREFIXES)]


def test_the_walk_finds_pages_and_api_routes():
    routes = [r for r, _ in walk()]
    assert any(r.startswith("accounts/") for r in routes)
    assert any(r.startswith("api/v1/") for r in routes)
    assert len(routes_with_params()) >= 5


@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_no_route_reads_or_changes_a_hidden_object(world, hidden, client, method):
    client.force_login(world.kam_a)
    before = state()
    failures = []
    for route, name in routes_with_params():
        path = concrete_path(route, hidden)
        if method == "get":
            response = client.get(path)
        else:
            response = getattr(client, method)(path, content_type="application/json", data="{}")
        leaked = shows_hidden(response)
        # 422: the request body was refused before anything was looked up (nothing read, nothing changed).
        allowed = (401, 403, 404, 405) if method == "get" else (401, 403, 404, 405, 422)
        if response.status_code not in allowed or leaked:
            failures.append(f"{method.upper()} {path} ({name}) -> {response.status_code}{' LEAK' if leaked else ''}")
    assert not failures, "\n".join(failures)
    assert state() == before


def test_no_list_page_or_export_shows_hidden_records(world, hidden, client):
    client.force_login(world.kam_a)
    leaks = []
    for route, name in routes_without_params():
        for path in expand(route):
            response = client.get(path)
            if response.status_code < 400 and shows_hidden(response):
                leaks.append(f"GET {path} ({name})")
    assert not leaks, "\n".join(leaks)


def test_same_routes_do_answer_for_the_owner(world, hidden, client):
    """The walk above is meaningful: the owner reaches the hidden account's own pages."""
    client.force_login(world.outsider)
    ok = 0
    for route, _name in routes_with_params():
        if route.startswith("accounts/") or route.startswith("api/v1/accounts"):
            path = concrete_path(route, hidden)
            if client.get(path).status_code == 200:
                ok += 1
    assert ok >= 2


def test_every_route_but_login_and_health_needs_a_signed_in_user(world, hidden, client):
    open_routes = []
    for route, name in walk():
        if name in PUBLIC_NAMES or route.startswith(SKIP_PREFIXES) or name in {"openapi-json", "openapi-view"}:
            continue
        paths = [concrete_path(route, hidden)] if PARAM.search(route) else expand(route)
        for path in paths:
            response = client.get(path)
            status = response.status_code
            redirected_to_login = status == 302 and response["Location"].startswith("/login/")
            if not (redirected_to_login or status in (401, 403, 404, 405)):
                open_routes.append(f"GET {path} ({name}) -> {status}")
    assert not open_routes, "\n".join(open_routes)
