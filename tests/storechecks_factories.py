"""Store checks and real pictures (drawn by Pillow) for the store-check tests."""

import io
import os

from PIL import Image

from kamdesk.accounts.models import Account
from kamdesk.activities.models import StoreCheck
from kamdesk.activities.services_storechecks import store_check_save
from tests.activities_factories import make_activity

# A minimal PDF: what a ".jpg" that is really a document looks like.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def picture(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), *, gps: bool = False, noise: bool = False) -> bytes:
    """A real picture in ``fmt``; with ``gps`` a JPEG carries an EXIF GPS position; ``noise`` makes it large
    (random pixels do not compress)."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (52.0, 31.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0)}  # GPSInfo
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def make_store_check(account: Account, *, actor=None, activity=None, **fields) -> StoreCheck:
    """A done store-check activity (or the given one) with its findings."""
    if activity is None:
        activity = make_activity(account, actor=actor, kind="store_check", subject=fields.pop("subject", "Store walk"))
    fields.setdefault("store_name", "Market Street")
    return store_check_save(actor=actor, activity_id=activity.pk, **fields)
