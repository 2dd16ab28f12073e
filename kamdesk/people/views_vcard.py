"""vCard downloads: one stakeholder, or all stakeholders of an account. Hidden records answer 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from kamdesk.accounts.views import _visible_account
from kamdesk.people import selectors
from kamdesk.people.models import Contact
from kamdesk.people.vcard import CONTENT_TYPE, vcard_filename, vcards_bytes, with_organisations


def vcard_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def contact_vcard_file(user, contact_id: int) -> tuple[bytes, str]:
    """Contact.DoesNotExist when hidden or missing."""
    contact = selectors.contact_detail(user, contact_id)
    fallback = next((account.name for account in contact.other_accounts.all()), "")
    cards = with_organisations(user, [contact], fallback)
    return vcards_bytes(cards), vcard_filename(contact.full_name, f"contact-{contact.pk}")


def stakeholders_vcard_file(user, account) -> tuple[bytes, str]:
    contacts = list(selectors.account_stakeholders(account.pk).select_related("account"))
    body = vcards_bytes(with_organisations(user, contacts, account.name))
    return body, vcard_filename(f"{account.name} stakeholders", f"account-{account.pk}-stakeholders")


@login_required
@require_GET
def contact_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        body, filename = contact_vcard_file(request.user, pk)
    except Contact.DoesNotExist:
        raise Http404("Contact not found.") from None
    return vcard_response(body, filename)


@login_required
@require_GET
def account_stakeholders_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    return vcard_response(*stakeholders_vcard_file(request.user, account))
