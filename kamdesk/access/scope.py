"""The one place that decides which accounts — and so which of everything hanging off them — a user may
see or change.

A user sees an account when they, or someone who reports to them (directly, up the manager chain, or as a
member of a team they lead), own it or sit on its account team — or when they have that access to one of
its ancestors: a global account's team sees its subsidiaries. Admins see everything.

Change ("edit") needs: ownership, an account-team membership with edit access, or being the team lead /
manager (role team lead) of the owner or of such a member. Viewers never change anything.

A record a user may not see must answer exactly like a missing one (404).
"""

from django.db.models import Q, QuerySet

from kamdesk.accounts.models import Access, Account, AccountClosure
from kamdesk.users.models import Role, Team, User

VIEW = "view"
EDIT = "edit"


def people_under(user: User) -> set[int]:
    """Ids of the user and everyone below them: the manager chain and the teams they lead.

    Cached on the user object, so a request computes it once. Users are few (thousands at most), so one
    query for the whole (id, manager, team) graph beats a recursive query per level.
    """
    cached = getattr(user, "_kamdesk_people_under", None)
    if cached is not None:
        return cached
    rows = list(User.objects.values_list("id", "manager_id", "team_id"))
    teams_led_by: dict[int, set[int]] = {}
    for team_id, lead_id in Team.objects.exclude(lead=None).values_list("id", "lead_id"):
        teams_led_by.setdefault(lead_id, set()).add(team_id)
    below: dict[int, list[int]] = {}
    for uid, manager_id, _team in rows:
        if manager_id:
            below.setdefault(manager_id, []).append(uid)
    team_members: dict[int, list[int]] = {}
    for uid, _manager, team_id in rows:
        if team_id:
            team_members.setdefault(team_id, []).append(uid)

    seen: set[int] = set()
    frontier = [user.pk]
    while frontier:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        frontier.extend(below.get(current, ()))
        for team_id in teams_led_by.get(current, ()):
            frontier.extend(team_members.get(team_id, ()))
    user._kamdesk_people_under = seen
    return seen


def _granted(user: User, action: str) -> QuerySet:
    """Accounts granted to the user directly (not yet extended down the hierarchy)."""
    people = people_under(user)
    if action == VIEW:
        condition = Q(owner_id__in=people) | Q(memberships__user_id__in=people)
    elif user.role == Role.TEAM_LEAD:
        condition = Q(owner_id__in=people) | Q(memberships__user_id__in=people, memberships__access=Access.EDIT)
    else:
        condition = Q(owner_id=user.pk) | Q(memberships__user_id=user.pk, memberships__access=Access.EDIT)
    return Account.objects.filter(condition).values("id")


def visible_accounts(user: User, action: str = VIEW) -> QuerySet:
    """Accounts ``user`` may see (``action="view"``) or change (``action="edit"``)."""
    if action not in (VIEW, EDIT):
        raise ValueError(f"unknown action {action!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Account.objects.none()
    if action == EDIT and user.is_read_only:
        return Account.objects.none()
    if user.is_admin:
        return Account.objects.all()
    subtree = AccountClosure.objects.filter(ancestor_id__in=_granted(user, action)).values("descendant_id")
    return Account.objects.filter(id__in=subtree)


def actor_accounts(actor: User | None, action: str = VIEW) -> QuerySet:
    """Accounts a service may act on for ``actor``; ``None`` is the system itself (the operator's CLI,
    the demo generator), which may act on everything. Views and the API always pass a real user."""
    return Account.objects.all() if actor is None else visible_accounts(actor, action)


def can_see_account(user: User, account_id: int) -> bool:
    return visible_accounts(user).filter(pk=account_id).exists()


def can_edit_account(user: User, account_id: int) -> bool:
    return visible_accounts(user, EDIT).filter(pk=account_id).exists()


def can_see_costs(user: User) -> bool:
    """Margins, costs and pricing terms are shown only to the roles in settings.COST_VISIBLE_ROLES."""
    from django.conf import settings

    return (
        bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in settings.COST_VISIBLE_ROLES
    )


def can_manage_users(user: User) -> bool:
    return bool(getattr(user, "is_admin", False))


def visible_users(user: User) -> QuerySet:
    """Users a signed-in user may look up: colleagues are visible to every active user (to pick owners and
    team members); inactive users only to admins."""
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    qs = User.objects.select_related("team", "manager")
    return qs if user.is_admin else qs.filter(is_active=True)
