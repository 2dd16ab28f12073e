"""Keeping an uploaded file between the preview and the confirmed import.

The file is stored under a random token; the session (kept on the server) holds the token, the stored
name and what the user chose, so a browser can only ever confirm its own upload — never name a path.
One pending upload per session; stale ones are removed on the next upload.

Storage: ``STORAGES["imports"]`` when configured (use shared storage such as S3 when several web nodes
serve kamdesk), else the directory ``IMPORT_STAGING_DIR`` (default var/imports) on this machine.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import HttpRequest
from django.utils import timezone

SESSION_KEY = "imports_pending"
KEEP_FOR = timedelta(hours=12)


def staging_storage() -> Storage:
    if "imports" in settings.STORAGES:
        return storages["imports"]
    location = settings.IMPORT_STAGING_DIR
    return FileSystemStorage(location=location, file_permissions_mode=0o600, directory_permissions_mode=0o700)


def stage(request: HttpRequest, *, data: bytes, kind: str, filename: str, account_code: str = "") -> str:
    """Store the upload for the confirmation step; returns its token."""
    discard(request)
    _remove_stale()
    token = secrets.token_urlsafe(24)
    name = staging_storage().save(f"{token}.upload", ContentFile(data))
    request.session[SESSION_KEY] = {
        "token": token,
        "name": name,
        "kind": kind,
        "filename": filename[:200],
        "account_code": account_code[:50],  # the account chosen for a vCard file's contacts
    }
    return token


def pending(request: HttpRequest, token: str) -> tuple[dict, bytes] | None:
    """The session's pending upload and its bytes, if ``token`` is its token and the file is still there."""
    entry = request.session.get(SESSION_KEY)
    if not entry or not token or not secrets.compare_digest(entry["token"], token):
        return None
    try:
        with staging_storage().open(entry["name"], "rb") as handle:
            return entry, handle.read()
    except OSError:
        return None


def discard(request: HttpRequest) -> None:
    entry = request.session.pop(SESSION_KEY, None)
    if entry:
        staging_storage().delete(entry["name"])


def _remove_stale() -> None:
    """Delete uploads older than KEEP_FOR (previews that were never confirmed)."""
    storage = staging_storage()
    cutoff = timezone.now() - KEEP_FOR
    try:
        _, names = storage.listdir("")
        for name in names:
            if name.endswith(".upload") and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
    except (OSError, NotImplementedError):
        return  # housekeeping only: a storage that cannot list is cleaned by its own lifecycle rules
