from decimal import Decimal

import pytest

from kamdesk.accounts.models import Channel
from kamdesk.audit.models import AuditEvent
from kamdesk.sales.models import ChannelCostToServe, Metric

pytestmark = pytest.mark.django_db


def test_default_metrics_exist():
    assert {"revenue", "volume", "gross_margin"} <= set(Metric.objects.values_list("code", flat=True))


def test_admin_sets_and_clears_cost_to_serve_per_channel_audited(world, login):
    client = login(world.admin)
    pharmacy = Channel.objects.get(code="pharmacy")
    assert client.post("/sales/settings/", {"channel_id": pharmacy.pk, "percent": "4.5"}).status_code == 302
    assert ChannelCostToServe.objects.get(channel=pharmacy).percent == Decimal("4.50")
    assert client.post("/sales/settings/", {"channel_id": pharmacy.pk, "percent": ""}).status_code == 302
    assert not ChannelCostToServe.objects.filter(channel=pharmacy).exists()
    changes = [e.changes["cost_to_serve_percent"] for e in AuditEvent.objects.filter(object_type="channel")]
    assert changes == [["4.50", None], [None, "4.50"]]  # newest first


def test_out_of_range_percent_and_duplicate_metric_are_refused(world, login):
    client = login(world.admin)
    pharmacy = Channel.objects.get(code="pharmacy")
    response = client.post("/sales/settings/", {"channel_id": pharmacy.pk, "percent": "140"})
    assert response.status_code == 400 and not ChannelCostToServe.objects.exists()
    response = client.post("/sales/settings/", {"code": "revenue", "name": "Again"})
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert client.post("/sales/settings/", {"code": "share", "name": "Share of wallet", "unit": "%"}).status_code == 302
    assert Metric.objects.filter(code="share").exists()


def test_only_admins_see_the_settings(world, login):
    assert login(world.lead).get("/sales/settings/").status_code == 403
