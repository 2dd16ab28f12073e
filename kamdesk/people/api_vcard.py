"""Stakeholders as vCards in the REST API: one contact, or all stakeholders of an account."""

from django.http import HttpRequest
from ninja import Router

from kamdesk.access.scope import visible_accounts
from kamdesk.core.api import READ_ERRORS, ObjectId, current_user
from kamdesk.core.errors import NotFound
from kamdesk.people.models import Contact
from kamdesk.people.views_vcard import contact_vcard_file, stakeholders_vcard_file, vcard_response

router = Router(tags=["contacts"])


def _vcard_doc(description: str) -> dict:
    return {"responses": {200: {"description": description, "content": {"text/vcard": {"schema": {"type": "string"}}}}}}


@router.get(
    "/contacts/{contact_id}/vcard",
    response=READ_ERRORS,
    summary="Contact as vCard",
    openapi_extra=_vcard_doc("The contact as a vCard 3.0 file."),
)
def get_contact_vcard(request: HttpRequest, contact_id: ObjectId):
    try:
        body, filename = contact_vcard_file(current_user(request), contact_id)
    except Contact.DoesNotExist:
        raise NotFound("Contact not found.") from None
    return vcard_response(body, filename)


@router.get(
    "/accounts/{account_id}/stakeholders.vcf",
    response=READ_ERRORS,
    summary="Account stakeholders as vCards",
    openapi_extra=_vcard_doc("Every stakeholder of the account, as vCard 3.0 cards in one file."),
)
def get_account_stakeholders_vcard(request: HttpRequest, account_id: ObjectId):
    user = current_user(request)
    account = visible_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    return vcard_response(*stakeholders_vcard_file(user, account))
