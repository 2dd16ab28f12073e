"""The relationship map in the REST API: the same nodes, positions and reporting lines as the page draws.

Changing who reports to whom is ``PATCH /contacts/{id}`` with ``reports_to_id`` (the contact services check
access and refuse loops). A hidden account answers 404.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_detail
from kamdesk.core.api import READ_ERRORS, ObjectId, current_user
from kamdesk.core.errors import NotFound
from kamdesk.people.models import BuyingRole
from kamdesk.people.relationship_map import relationship_map

router = Router(tags=["relationships"])


class MapNodeOut(Schema):
    id: int
    name: str
    title: str
    account_id: int | None = Field(description="Main account; null when that account is not yours.")
    account_name: str | None
    reports_to_id: int | None = Field(description="Manager on this map; null at the top, or when hidden or absent.")
    buying_role: BuyingRole | None
    influence: int | None
    attitude: int | None = Field(description="-2 (detractor) to +2 (advocate); null when unknown.")
    attitude_label: str
    attitude_colour: str = Field(description="The colour the chart draws the attitude in.")
    owner_id: int | None = Field(description="Our relationship owner.")
    owner_name: str | None
    last_contacted_at: datetime | None
    days_since_contact: int | None = Field(description="Null when never contacted.")
    has_left: bool
    editable: bool = Field(description="Whether you may change this person's reporting line.")
    x: int = Field(description="Left edge in the chart's SVG, in pixels.")
    y: int = Field(description="Top edge in the chart's SVG, in pixels.")


class MapEdgeOut(Schema):
    manager_id: int
    report_id: int


class RelationshipMapOut(Schema):
    account_id: int
    include_subsidiaries: bool
    include_left: bool
    width: int
    height: int
    nodes: list[MapNodeOut]
    edges: list[MapEdgeOut]


class MapQuery(Schema):
    include_subsidiaries: bool | None = Field(
        None, description="The subsidiaries' stakeholders too; by default on for an account with subsidiaries."
    )
    include_left: bool = Field(False, description="Also people who left the company.")


@router.get(
    "/accounts/{account_id}/relationship-map",
    response={200: RelationshipMapOut, **READ_ERRORS},
    summary="Get an account's relationship map",
)
def get_relationship_map(request: HttpRequest, account_id: ObjectId, options: Query[MapQuery]):
    """The stakeholders' org chart by reports-to, laid out as the page draws it."""
    user = current_user(request)
    try:
        account = account_detail(user, account_id)
    except Account.DoesNotExist:
        raise NotFound("Account not found.") from None
    include_subsidiaries = options.include_subsidiaries
    if include_subsidiaries is None:
        include_subsidiaries = account.subsidiary_count > 0
    rmap = relationship_map(user, account, include_subsidiaries=include_subsidiaries, include_left=options.include_left)
    return {
        "account_id": account.pk,
        "include_subsidiaries": include_subsidiaries,
        "include_left": options.include_left,
        "width": rmap.width,
        "height": rmap.height,
        "nodes": rmap.nodes,
        "edges": [{"manager_id": edge.manager.id, "report_id": edge.report.id} for edge in rmap.edges],
    }
