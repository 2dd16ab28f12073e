from decimal import Decimal

import pytest

from kamdesk.accounts.models import Account, AccountClosure, AccountMembership
from kamdesk.accounts.services import (
    account_create,
    account_delete,
    account_handover,
    account_update,
    membership_remove,
    membership_set,
)
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from tests.factories import grant, make_account, make_contact, make_user

pytestmark = pytest.mark.django_db


def closure_of(account):
    return set(AccountClosure.objects.filter(descendant=account).values_list("ancestor__code", "depth"))


def test_create_links_every_ancestor_with_its_distance(world):
    grandchild = make_account(parent=world.subsidiary, code="G-001-DE-B")
    assert closure_of(grandchild) == {("G-001-DE-B", 0), ("G-001-DE", 1), ("G-001", 2)}
    assert grandchild.depth == 2


def test_moving_a_subtree_rewrites_closure_and_depth(world):
    grandchild = make_account(parent=world.subsidiary, code="G-001-DE-B")
    account_update(actor=None, account_id=world.subsidiary.pk, parent=world.account_b)
    grandchild.refresh_from_db()
    assert closure_of(grandchild) == {("G-001-DE-B", 0), ("G-001-DE", 1), ("B-001", 2)}
    assert grandchild.depth == 2
    account_update(actor=None, account_id=world.subsidiary.pk, parent=None)
    grandchild.refresh_from_db()
    assert closure_of(grandchild) == {("G-001-DE-B", 0), ("G-001-DE", 1)}
    assert grandchild.depth == 1
    assert Account.objects.get(pk=world.subsidiary.pk).depth == 0


def test_cycle_in_hierarchy_is_refused_and_nothing_changes(world):
    grandchild = make_account(parent=world.subsidiary, code="G-001-DE-B")
    before = set(AccountClosure.objects.values_list("ancestor_id", "descendant_id", "depth"))
    with pytest.raises(ServiceError) as exc:
        account_update(actor=None, account_id=world.global_account.pk, parent=grandchild)
    assert "parent" in exc.value.field_errors
    assert set(AccountClosure.objects.values_list("ancestor_id", "descendant_id", "depth")) == before
    assert Account.objects.get(pk=world.global_account.pk).parent_id is None


def test_update_records_old_and_new_values(world):
    account_update(
        actor=world.kam_a, account_id=world.global_account.pk, name="Globex Group", credit_limit=Decimal("5000")
    )
    event = AuditEvent.objects.filter(object_type="account", action="update").latest("id")
    assert event.actor == world.kam_a
    assert event.account_id == world.global_account.pk
    assert event.changes["name"] == ["Globex Holding", "Globex Group"]
    assert event.changes["credit_limit"] == [None, "5000"]


def test_update_without_change_writes_no_audit_event(world):
    count = AuditEvent.objects.count()
    account_update(actor=world.kam_a, account_id=world.global_account.pk, name="Globex Holding")
    assert AuditEvent.objects.count() == count


def test_invalid_values_name_the_field_and_store_nothing(world):
    with pytest.raises(ServiceError) as exc:
        account_update(actor=None, account_id=world.account_b.pk, tier="platinum", credit_limit=Decimal("-1"))
    assert {"tier", "credit_limit"} <= set(exc.value.field_errors)
    assert Account.objects.get(pk=world.account_b.pk).tier == "growth"


def test_duplicate_code_is_refused(world):
    with pytest.raises(ServiceError) as exc:
        account_create(actor=None, code="B-001", name="Copy")
    assert "code" in exc.value.field_errors


def test_unknown_fields_are_refused(world):
    with pytest.raises(ServiceError):
        account_update(actor=None, account_id=world.account_b.pk, depth=7)


def test_hidden_account_is_not_found_read_only_is_denied(world):
    with pytest.raises(NotFound):
        account_update(actor=world.kam_a, account_id=world.hidden.pk, name="x")
    grant(world.hidden, world.kam_a, access="read")
    with pytest.raises(PermissionDenied):
        account_update(actor=world.kam_a, account_id=world.hidden.pk, name="x")


def test_kam_cannot_attach_under_a_hidden_parent(world):
    with pytest.raises(ServiceError) as exc:
        account_create(actor=world.kam_a, code="N-1", name="New", parent=world.hidden)
    assert "parent" in exc.value.field_errors


def test_kam_cannot_give_accounts_to_others_team_lead_can(world):
    with pytest.raises(PermissionDenied):
        account_create(actor=world.kam_a, code="N-1", name="New", owner=world.kam_b)
    account = account_create(actor=world.lead, code="N-2", name="New", owner=world.kam_b)
    assert account.owner == world.kam_b


def test_viewer_cannot_create(world):
    with pytest.raises(PermissionDenied):
        account_create(actor=world.viewer, code="N-1", name="New")


def test_kam_creates_accounts_owned_by_themselves(world):
    account = account_create(actor=world.kam_b, code="N-3", name="New")
    assert account.owner == world.kam_b


def test_handover_moves_owner_subsidiaries_and_relationships_with_reason(world):
    contact = make_contact(world.subsidiary, owner=world.kam_a)
    moved = account_handover(
        actor=world.lead,
        account_id=world.global_account.pk,
        new_owner=world.kam_b,
        reason="Territory realignment",
        include_subsidiaries=True,
        keep_previous_owner=True,
    )
    assert {a.code for a in moved} == {"G-001", "G-001-DE"}
    assert set(Account.objects.filter(code__startswith="G-001").values_list("owner__email", flat=True)) == {
        "kam.b@example.com"
    }
    contact.refresh_from_db()
    assert contact.owner == world.kam_b
    assert AccountMembership.objects.filter(account=world.global_account, user=world.kam_a, access="read").exists()
    event = AuditEvent.objects.filter(action="handover", account_id=world.global_account.pk).get()
    assert event.note == "Territory realignment"
    assert event.changes["owner"] == [str(world.kam_a), str(world.kam_b)]


def test_handover_needs_a_reason_and_a_different_owner(world):
    with pytest.raises(ServiceError):
        account_handover(actor=world.lead, account_id=world.account_b.pk, new_owner=world.kam_a, reason=" ")
    with pytest.raises(ServiceError):
        account_handover(actor=world.lead, account_id=world.account_b.pk, new_owner=world.kam_b, reason="x")


def test_kam_cannot_hand_over_to_someone_outside_their_reach(world):
    with pytest.raises(PermissionDenied):
        account_handover(
            actor=world.kam_a, account_id=world.global_account.pk, new_owner=world.outsider, reason="leaving"
        )
    assert Account.objects.get(pk=world.global_account.pk).owner == world.kam_a


def test_membership_set_update_and_remove_are_audited(world):
    m = membership_set(
        actor=world.kam_a, account_id=world.global_account.pk, user=world.kam_b, role="sales", access="read"
    )
    membership_set(actor=world.kam_a, account_id=world.global_account.pk, user=world.kam_b, role="sales", access="edit")
    membership_remove(actor=world.kam_a, account_id=world.global_account.pk, membership_id=m.pk)
    actions = list(
        AuditEvent.objects.filter(object_type="accountmembership").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_membership_rejects_bad_role_and_inactive_user(world):
    with pytest.raises(ServiceError):
        membership_set(actor=None, account_id=world.account_b.pk, user=world.kam_a, role="boss", access="read")
    sleeper = make_user(is_active=False)
    with pytest.raises(ServiceError):
        membership_set(actor=None, account_id=world.account_b.pk, user=sleeper, role="sales", access="read")


def test_membership_on_forged_account_is_not_found(world):
    with pytest.raises(NotFound):
        membership_set(actor=world.kam_a, account_id=world.hidden.pk, user=world.kam_a, role="sales", access="edit")


def test_delete_only_by_admin_and_only_leaf_accounts_without_stakeholders(world):
    with pytest.raises(PermissionDenied):
        account_delete(actor=world.kam_b, account_id=world.account_b.pk)
    with pytest.raises(ServiceError):
        account_delete(actor=world.admin, account_id=world.global_account.pk)
    account_delete(actor=world.admin, account_id=world.account_b.pk)
    assert not Account.objects.filter(code="B-001").exists()
    assert AuditEvent.objects.filter(action="delete", object_type="account", object_repr="Brightmart").exists()


def test_audit_events_are_append_only(world):
    event = AuditEvent.objects.first()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_handover_to_a_team_gives_the_account_to_its_lead(world):
    moved = account_handover(actor=None, account_id=world.hidden.pk, team=world.team, reason="New territory")
    assert [a.owner for a in moved] == [world.lead]


def test_handover_needs_exactly_one_recipient_and_a_team_with_a_lead(world):
    from tests.factories import make_team

    with pytest.raises(ServiceError):
        account_handover(actor=None, account_id=world.hidden.pk, reason="x")
    with pytest.raises(ServiceError):
        account_handover(actor=None, account_id=world.hidden.pk, reason="x", team=world.team, new_owner=world.kam_a)
    with pytest.raises(ServiceError) as exc:
        account_handover(actor=None, account_id=world.hidden.pk, reason="x", team=make_team("Leaderless"))
    assert "team" in exc.value.field_errors
