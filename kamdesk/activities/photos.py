"""Store-check photos: checking an upload by its content, re-encoding it, and keeping it out of public reach.

What a browser declares (file name, content type) is never trusted: Pillow opens the bytes and only JPEG,
PNG and WebP pass. The picture's size is read from its header before any pixel is decoded, so a small file
that would unpack into a huge bitmap (a decompression bomb) is refused cheaply. Accepted photos are
re-encoded, which drops EXIF data such as the GPS position and anything hidden after the image data.

Storage: ``STORAGES["store_check_photos"]`` when configured (shared storage such as S3 when several web
nodes serve kamdesk), else the directory ``STORE_CHECK_PHOTO_DIR`` (default var/photos). Files get random
names and are only served by a view that checks access first.
"""

import contextlib
import io
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from PIL import Image, ImageOps, UnidentifiedImageError

from kamdesk.activities.models import PhotoType
from kamdesk.core.errors import ServiceError

# Pillow format name -> (content type, file extension).
FORMATS = {
    "JPEG": (PhotoType.JPEG, "jpg"),
    "PNG": (PhotoType.PNG, "png"),
    "WEBP": (PhotoType.WEBP, "webp"),
}
EXTENSIONS = dict(FORMATS.values())
FIELD = "file"
JPEG_QUALITY = 88
WEBP_QUALITY = 85


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(message: str) -> ServiceError:
    return ServiceError(message, {FIELD: [message]})


def max_bytes_label() -> str:
    return f"{settings.STORE_CHECK_PHOTO_MAX_BYTES / (1024 * 1024):.0f} MB"


def check_size(size: int) -> None:
    """Refuse an upload by its size alone, before reading it."""
    if size <= 0:
        raise _refuse("The file is empty; choose a photo.")
    if size > settings.STORE_CHECK_PHOTO_MAX_BYTES:
        raise _refuse(f"The photo is too large ({size / (1024 * 1024):.1f} MB); at most {max_bytes_label()}.")


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; here every oversized picture is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError):
        raise _refuse("This file is not a JPEG, PNG or WebP picture (its content was checked, not its name).") from None
    width, height = image.size
    if width * height > settings.STORE_CHECK_PHOTO_MAX_PIXELS:
        raise _refuse(
            f"The picture is {width} × {height} pixels; at most {settings.STORE_CHECK_PHOTO_MAX_PIXELS:,} pixels "
            "are accepted. Resize it and upload it again."
        )
    return image


def _reencode(image: Image.Image, fmt: str) -> bytes:
    """The picture decoded and written again in its own format, upright and without metadata."""
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data gave before it is dropped
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


def check_photo(data: bytes) -> CheckedPhoto:
    """The upload as a clean picture, or a ServiceError saying what is wrong with it."""
    check_size(len(data))
    image = _open(data)
    # Phones often write JPEGs with a second, embedded picture (Pillow calls them MPO): kept as a plain JPEG.
    fmt = "JPEG" if image.format == "MPO" else image.format
    if fmt not in FORMATS:
        image.close()
        raise _refuse("This file is not a JPEG, PNG or WebP picture (its content was checked, not its name).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()  # decode every pixel: a truncated or corrupt file fails here
            content = _reencode(image, fmt)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse("The picture is damaged or incomplete; take or export it again.") from None
    finally:
        image.close()
    content_type, extension = FORMATS[fmt]
    width, height = _dimensions(content)
    return CheckedPhoto(content, content_type, extension, width, height)


def _dimensions(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size


# --- storage --------------------------------------------------------------------------------------------------


def photo_storage() -> Storage:
    if "store_check_photos" in settings.STORAGES:
        return storages["store_check_photos"]
    return FileSystemStorage(
        location=settings.STORE_CHECK_PHOTO_DIR,
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


def store(photo: CheckedPhoto) -> str:
    """Save the picture under a random, unguessable name; returns the name in the storage."""
    name = f"store-checks/{secrets.token_urlsafe(24)}.{photo.extension}"
    return photo_storage().save(name, ContentFile(photo.content))


def remove(name: str) -> None:
    """Delete a stored picture; a file already gone is fine."""
    with contextlib.suppress(FileNotFoundError):
        photo_storage().delete(name)


def open_photo(name: str):
    return photo_storage().open(name, "rb")
