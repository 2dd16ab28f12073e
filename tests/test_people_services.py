import pytest

from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.people.models import Contact
from kamdesk.people.selectors import contact_detail, contact_list
from kamdesk.people.services import contact_create, contact_delete, contact_update, visible_contacts
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


def events_of(contact, action):
    return AuditEvent.objects.filter(object_type="contact", object_id=contact.pk, action=action)


def test_create_is_audited_with_new_values(world):
    contact = contact_create(
        actor=world.kam_a,
        account=world.global_account,
        first_name="Anna",
        last_name="Berg",
        email="Anna.Berg@Globex.example",
        influence=4,
        attitude=1,
    )
    event = events_of(contact, "create").get()
    assert event.actor == world.kam_a
    assert event.account_id == world.global_account.pk
    assert event.changes["last_name"] == [None, "Berg"]
    assert event.changes["account"] == [None, "Globex Holding"]
    assert event.changes["influence"] == [None, 4]
    assert contact.email == "anna.berg@globex.example"


def test_update_records_old_and_new_values(world):
    contact = make_contact(world.global_account, last_name="Berg", title="Buyer")
    contact_update(actor=world.kam_a, contact_id=contact.pk, title="Head of Buying", has_left=True)
    event = events_of(contact, "update").get()
    assert event.actor == world.kam_a
    assert event.changes == {"title": ["Buyer", "Head of Buying"], "has_left": [False, True]}


def test_update_without_change_writes_no_event(world):
    contact = make_contact(world.global_account, title="Buyer")
    contact_update(actor=world.kam_a, contact_id=contact.pk, title="Buyer")
    assert not events_of(contact, "update").exists()


def test_reporting_loop_is_refused_and_nothing_changes(world):
    a = make_contact(world.global_account, last_name="Alpha")
    b = make_contact(world.global_account, last_name="Bravo", reports_to=a)
    c = make_contact(world.global_account, last_name="Charlie", reports_to=b)
    with pytest.raises(ServiceError) as exc:
        contact_update(actor=world.kam_a, contact_id=a.pk, reports_to=c)
    assert "reports_to" in exc.value.field_errors
    assert Contact.objects.get(pk=a.pk).reports_to_id is None
    assert not events_of(a, "update").exists()


def test_reporting_to_oneself_is_refused(world):
    a = make_contact(world.global_account)
    with pytest.raises(ServiceError) as exc:
        contact_update(actor=world.kam_a, contact_id=a.pk, reports_to=a)
    assert "reports_to" in exc.value.field_errors
    assert Contact.objects.get(pk=a.pk).reports_to_id is None


def test_manager_in_a_hidden_account_is_refused(world):
    stranger = make_contact(world.hidden)
    with pytest.raises(ServiceError) as exc:
        contact_create(actor=world.kam_a, account=world.global_account, last_name="New", reports_to=stranger)
    assert exc.value.field_errors["reports_to"] == ["Unknown contact."]
    assert not Contact.objects.filter(last_name="New").exists()


def test_duplicate_email_is_refused_whatever_its_case(world):
    make_contact(world.global_account, email="anna@globex.example")
    with pytest.raises(ServiceError) as exc:
        contact_create(actor=world.kam_a, account=world.subsidiary, last_name="Copy", email="ANNA@globex.example")
    assert "email" in exc.value.field_errors
    assert not Contact.objects.filter(last_name="Copy").exists()


def test_account_the_actor_cannot_edit_is_refused(world):
    with pytest.raises(ServiceError) as exc:
        contact_create(actor=world.kam_a, account=world.hidden, last_name="Sneaky")
    assert "account" in exc.value.field_errors
    assert not Contact.objects.filter(last_name="Sneaky").exists()


def test_viewer_cannot_create(world):
    grant(world.account_b, world.viewer, access="edit")
    with pytest.raises(PermissionDenied):
        contact_create(actor=world.viewer, account=world.account_b, last_name="Nope")
    assert not Contact.objects.filter(last_name="Nope").exists()


def test_read_only_member_cannot_update(world):
    contact = make_contact(world.account_b, title="Buyer")
    grant(world.account_b, world.outsider, access="read")
    with pytest.raises(PermissionDenied):
        contact_update(actor=world.outsider, contact_id=contact.pk, title="Changed")
    assert Contact.objects.get(pk=contact.pk).title == "Buyer"


def test_hidden_contact_is_not_found_for_update_and_delete(world):
    contact = make_contact(world.hidden)
    with pytest.raises(NotFound):
        contact_update(actor=world.kam_a, contact_id=contact.pk, title="Changed")
    with pytest.raises(NotFound):
        contact_delete(actor=world.kam_a, contact_id=contact.pk)
    with pytest.raises(Contact.DoesNotExist):
        contact_detail(world.kam_a, contact.pk)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_in_parent_and_subsidiary_is_visible_to_who_sees_only_the_subsidiary(world):
    # kam_b sits on the subsidiary's team only; the global account above it stays hidden to them.
    grant(world.subsidiary, world.kam_b, access="read")
    both = make_contact(world.global_account, last_name="Both", other_accounts=[world.subsidiary])
    parent_only = make_contact(world.global_account, last_name="ParentOnly")
    visible = set(visible_contacts(world.kam_b).values_list("last_name", flat=True))
    assert "Both" in visible
    assert "ParentOnly" not in visible
    assert contact_detail(world.kam_b, both.pk) == both
    _filter, listed = contact_list(world.kam_b, {"account": str(world.subsidiary.pk)})
    assert list(listed) == [both]
    with pytest.raises(Contact.DoesNotExist):
        contact_detail(world.kam_b, parent_only.pk)


def test_further_accounts_must_be_visible(world):
    with pytest.raises(ServiceError) as exc:
        contact_create(actor=world.kam_a, account=world.global_account, last_name="Wide", other_accounts=[world.hidden])
    assert "other_accounts" in exc.value.field_errors
    assert not Contact.objects.filter(last_name="Wide").exists()


def test_delete_relinks_direct_reports_to_the_deleted_persons_manager(world):
    boss = make_contact(world.global_account, last_name="Boss")
    middle = make_contact(world.global_account, last_name="Middle", reports_to=boss)
    reports = [make_contact(world.subsidiary, last_name=f"Report{i}", reports_to=middle) for i in range(3)]
    contact_delete(actor=world.kam_a, contact_id=middle.pk)
    assert not Contact.objects.filter(pk=middle.pk).exists()
    assert set(Contact.objects.filter(pk__in=[r.pk for r in reports]).values_list("reports_to_id", flat=True)) == {
        boss.pk
    }
    event = AuditEvent.objects.get(object_type="contact", object_id=middle.pk, action="delete")
    assert event.actor == world.kam_a
    assert event.changes["last_name"] == ["Middle", None]


def test_update_keeps_further_accounts_beyond_the_editors_reach(world):
    contact = make_contact(world.global_account, other_accounts=[world.hidden, world.subsidiary])
    contact_update(actor=world.kam_a, contact_id=contact.pk, other_accounts=[])
    assert set(contact.other_accounts.values_list("code", flat=True)) == {"X-001"}
