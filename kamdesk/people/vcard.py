"""Stakeholders as vCards (version 3.0: the version every address book reads).

A card holds what an address book needs and nothing internal: name (FN, N), organisation (ORG: the account
and department), TITLE, the e-mail address (EMAIL) and the work and mobile numbers (TEL). Notes, buying role,
influence, attitude and our relationship owner stay in kamdesk.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

import vobject
from django.conf import settings
from django.utils.text import slugify

from kamdesk.people.models import Contact

CONTENT_TYPE = "text/vcard; charset=utf-8"


def _clean(text: str) -> str:
    # A line break inside a value would need escaping some readers get wrong; a space reads the same.
    return " ".join((text or "").split())


def contact_card(contact: Contact, *, organisation: str) -> vobject.base.Component:
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("n").value = vobject.vcard.Name(family=_clean(contact.last_name), given=_clean(contact.first_name))
    card.add("fn").value = _clean(contact.full_name) or _clean(contact.email or "") or "Unnamed contact"
    org = [_clean(organisation)] + ([_clean(contact.department)] if contact.department else [])
    if org[0]:
        card.add("org").value = org
    if contact.title:
        card.add("title").value = _clean(contact.title)
    if contact.email:
        email = card.add("email")
        email.value = contact.email
        email.type_paramlist = ["INTERNET", "WORK"]
    for number, kinds in ((contact.phone, ["WORK", "VOICE"]), (contact.mobile, ["CELL", "VOICE"])):
        if number:
            tel = card.add("tel")
            tel.value = _clean(number)
            tel.type_paramlist = kinds
    host = urlsplit(settings.SITE_URL).hostname or "kamdesk"
    card.add("uid").value = f"contact-{contact.pk}@{host}"
    card.add("rev").value = contact.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return card


def vcards_bytes(contacts: Iterable[tuple[Contact, str]]) -> bytes:
    """The cards of (contact, organisation) pairs, one after the other, as UTF-8 with CRLF line ends."""
    return "".join(contact_card(contact, organisation=org).serialize() for contact, org in contacts).encode()


def vcard_filename(name: str, fallback: str) -> str:
    """ASCII letters, digits and hyphens only: safe in a header and on every file system."""
    return f"{slugify(name)[:80] or fallback}.vcf"


def with_organisations(user, contacts: list[Contact], fallback: str = "") -> list[tuple[Contact, str]]:
    """Each contact (``account`` selected) with the organisation for its card: its account's name when the
    user may see that account, else ``fallback`` — a hidden account's name never leaves in a card."""
    from kamdesk.access.scope import visible_accounts

    ids = {contact.account_id for contact in contacts}
    visible = set(visible_accounts(user).filter(pk__in=ids).values_list("id", flat=True)) if ids else set()
    return [(c, c.account.name if c.account_id in visible else fallback) for c in contacts]
