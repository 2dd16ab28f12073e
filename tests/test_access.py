import pytest

from kamdesk.access.scope import EDIT, people_under, visible_accounts
from tests.factories import grant, make_account, make_user


def codes(user, action="view"):
    return set(visible_accounts(user, action).values_list("code", flat=True))


@pytest.mark.django_db
def test_owner_sees_own_accounts_and_their_subsidiaries(world):
    assert codes(world.kam_a) == {"G-001", "G-001-DE"}
    assert codes(world.outsider) == {"X-001"}


@pytest.mark.django_db
def test_team_lead_sees_accounts_of_everyone_below_through_team_and_manager_chain(world):
    assert codes(world.lead) == {"G-001", "G-001-DE", "B-001"}
    assert world.outsider.pk not in people_under(world.lead)


@pytest.mark.django_db
def test_manager_chain_reaches_every_level(world):
    director = make_user("team_lead")
    world.lead.manager = director
    world.lead.save()
    assert codes(director) >= {"G-001", "G-001-DE", "B-001"}


@pytest.mark.django_db
def test_admin_sees_everything_viewer_nothing_by_default(world):
    assert codes(world.admin) == {"G-001", "G-001-DE", "B-001", "X-001"}
    assert codes(world.viewer) == set()


@pytest.mark.django_db
def test_membership_grants_view_and_edit_by_access_level(world):
    grant(world.hidden, world.kam_b, access="read")
    assert "X-001" in codes(world.kam_b)
    assert "X-001" not in codes(world.kam_b, EDIT)
    grant(world.hidden, world.kam_b, access="edit")
    assert "X-001" in codes(world.kam_b, EDIT)


@pytest.mark.django_db
def test_global_account_team_sees_subsidiaries_added_later(world):
    grant(world.global_account, world.outsider, access="read")
    late = make_account(owner=world.kam_b, parent=world.subsidiary, code="G-001-DE-1")
    assert {"G-001", "G-001-DE", late.code} <= codes(world.outsider)


@pytest.mark.django_db
def test_viewer_member_can_read_but_never_edit(world):
    grant(world.account_b, world.viewer, access="edit")
    assert codes(world.viewer) == {"B-001"}
    assert codes(world.viewer, EDIT) == set()


@pytest.mark.django_db
def test_inactive_user_sees_nothing(world):
    world.kam_a.is_active = False
    world.kam_a.save()
    assert codes(world.kam_a) == set()


@pytest.mark.django_db
def test_edit_scope_of_lead_and_kam(world):
    assert codes(world.lead, EDIT) == {"G-001", "G-001-DE", "B-001"}
    assert codes(world.kam_a, EDIT) == {"G-001", "G-001-DE"}
