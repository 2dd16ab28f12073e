import pytest

from kamdesk.accounts.models import Channel
from kamdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_default_channels_exist():
    assert {"retail-chain", "pharmacy", "e-commerce", "diy", "wholesale", "hospital", "government", "oem"} <= set(
        Channel.objects.values_list("code", flat=True)
    )


def test_admin_adds_and_renames_a_channel_and_it_is_audited(world, login):
    client = login(world.admin)
    assert client.get("/accounts/channels/").status_code == 200
    response = client.post("/accounts/channels/", {"code": "vet", "name": "Veterinary practice"})
    assert response.status_code == 302
    channel = Channel.objects.get(code="vet")
    client.post("/accounts/channels/", {"channel_id": channel.pk, "code": "ignored", "name": "Vet clinics"})
    channel.refresh_from_db()
    assert (channel.code, channel.name) == ("vet", "Vet clinics")
    assert list(AuditEvent.objects.filter(object_type="channel").values_list("action", flat=True).order_by("id")) == [
        "create",
        "update",
    ]


def test_duplicate_or_malformed_channel_is_refused_with_a_message(world, login):
    client = login(world.admin)
    response = client.post("/accounts/channels/", {"code": "pharmacy", "name": "Pharmacy"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    response = client.post("/accounts/channels/", {"code": "not a slug!", "name": "x"})
    assert response.status_code == 400
    assert Channel.objects.count() == 8


def test_only_admins_change_channels(world, login):
    client = login(world.kam_a)
    assert client.get("/accounts/channels/").status_code == 403
    assert client.post("/accounts/channels/", {"code": "vet", "name": "Vet"}).status_code == 403
    assert not Channel.objects.filter(code="vet").exists()
