"""Store-check photos are checked by their content, re-encoded without metadata and stored under random names;
a refused upload stores nothing."""

import io

import pytest
from PIL import Image

from kamdesk.activities import photos
from kamdesk.activities.models import StoreCheckPhoto
from kamdesk.activities.services_storechecks import photo_add, photo_remove
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from tests.storechecks_factories import PDF_BYTES, make_store_check, picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.STORE_CHECK_PHOTO_DIR = tmp_path / "photos"
    return settings.STORE_CHECK_PHOTO_DIR


def stored_files(directory) -> list:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


@pytest.fixture
def check(world):
    return make_store_check(world.subsidiary, actor=world.kam_a)


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_real_pictures_are_accepted(world, check, photo_dir, fmt, content_type):
    photo = photo_add(actor=world.kam_a, activity_id=check.pk, upload=picture(fmt, (80, 60)), caption=" Shelf ")
    assert (photo.content_type, photo.width, photo.height, photo.caption) == (content_type, 80, 60, "Shelf")
    files = stored_files(photo_dir)
    assert len(files) == 1 and photo.size == files[0].stat().st_size
    with Image.open(files[0]) as stored:
        assert stored.format == fmt
    # The name is random, never the uploader's.
    assert photo.file.startswith("store-checks/") and len(photo.file.rsplit("/", 1)[1]) > 30
    assert AuditEvent.objects.filter(object_type="storecheckphoto", action="create").count() == 1


def test_the_stored_copy_has_no_exif_or_gps(world, check, photo_dir):
    upload = picture("JPEG", gps=True)
    with Image.open(io.BytesIO(upload)) as original:
        assert original.getexif().get(0x8825)  # the upload does carry a position
    photo_add(actor=world.kam_a, activity_id=check.pk, upload=upload)
    with Image.open(stored_files(photo_dir)[0]) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info


@pytest.mark.parametrize(
    "content",
    [PDF_BYTES, b"just some text, named holiday.jpg", b"GIF89a" + b"\x00" * 40, b"\xff\xd8\xff\xe0" + b"\x00" * 50],
    ids=["pdf", "text", "gif-header", "broken-jpeg"],
)
def test_files_that_are_not_jpeg_png_or_webp_are_refused(world, check, photo_dir, content):
    with pytest.raises(ServiceError) as refused:
        photo_add(actor=world.kam_a, activity_id=check.pk, upload=content)
    assert "file" in refused.value.field_errors
    assert not stored_files(photo_dir) and not StoreCheckPhoto.objects.exists()


def test_a_gif_is_refused_even_though_pillow_reads_it(world, check, photo_dir):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ServiceError, match="not a JPEG, PNG or WebP"):
        photo_add(actor=world.kam_a, activity_id=check.pk, upload=out.getvalue())
    assert not stored_files(photo_dir)


def test_a_truncated_picture_is_refused(world, check, photo_dir):
    data = picture("PNG", (300, 300))
    with pytest.raises(ServiceError):
        photo_add(actor=world.kam_a, activity_id=check.pk, upload=data[: len(data) // 2])
    assert not stored_files(photo_dir) and not StoreCheckPhoto.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_read(world, check, photo_dir, settings):
    settings.STORE_CHECK_PHOTO_MAX_BYTES = 1000
    big = picture("PNG", (200, 200), noise=True)
    assert len(big) > 1000

    class Upload(io.BytesIO):
        size = len(big)

        def read(self, *args):  # the declared size alone must be enough to refuse
            raise AssertionError("an oversized upload must not be read")

    with pytest.raises(ServiceError, match="too large"):
        photo_add(actor=world.kam_a, activity_id=check.pk, upload=Upload(big))
    with pytest.raises(ServiceError, match="too large"):
        photo_add(actor=world.kam_a, activity_id=check.pk, upload=big)
    assert not stored_files(photo_dir) and not StoreCheckPhoto.objects.exists()


def test_decompression_bombs_are_refused_by_their_dimensions(world, check, photo_dir, settings):
    settings.STORE_CHECK_PHOTO_MAX_PIXELS = 100 * 100
    bomb = picture("PNG", (2000, 2000))  # a few kB of one colour that would unpack to millions of pixels
    assert len(bomb) < 50_000
    with pytest.raises(ServiceError, match="pixels"):
        photo_add(actor=world.kam_a, activity_id=check.pk, upload=bomb)
    assert not stored_files(photo_dir) and not StoreCheckPhoto.objects.exists()


def test_a_huge_declared_size_never_reaches_the_decoder():
    # A PNG header claiming 100,000 x 100,000 pixels: refused from the header, before decoding.
    header = picture("PNG", (1, 1))
    ihdr = header.index(b"IHDR")
    bomb = header[: ihdr + 4] + (100_000).to_bytes(4, "big") * 2 + header[ihdr + 12 :]
    with pytest.raises(ServiceError) as refused:
        photos.check_photo(bomb)
    assert "file" in refused.value.field_errors


def test_viewers_and_outsiders_cannot_add_or_remove_photos(world, check, photo_dir):
    with pytest.raises(PermissionDenied):
        photo_add(actor=world.viewer, activity_id=check.pk, upload=picture())
    with pytest.raises(NotFound):
        photo_add(actor=world.outsider, activity_id=check.pk, upload=picture())
    photo = photo_add(actor=world.kam_a, activity_id=check.pk, upload=picture())
    with pytest.raises(NotFound):
        photo_remove(actor=world.outsider, activity_id=check.pk, photo_id=photo.pk)
    with pytest.raises(PermissionDenied):
        photo_remove(actor=world.viewer, activity_id=check.pk, photo_id=photo.pk)
    assert len(stored_files(photo_dir)) == 1


def test_removing_a_photo_deletes_its_file_once_committed(world, check, photo_dir, django_capture_on_commit_callbacks):
    photo = photo_add(actor=world.kam_a, activity_id=check.pk, upload=picture())
    with django_capture_on_commit_callbacks(execute=True):
        photo_remove(actor=world.kam_a, activity_id=check.pk, photo_id=photo.pk)
    assert not StoreCheckPhoto.objects.exists() and not stored_files(photo_dir)
    assert AuditEvent.objects.filter(object_type="storecheckphoto", action="delete").count() == 1


def test_photos_need_the_store_check_details_first(world):
    from tests.activities_factories import make_activity

    activity = make_activity(world.subsidiary, kind="store_check")
    with pytest.raises(ServiceError, match="Record the store first"):
        photo_add(actor=world.kam_a, activity_id=activity.pk, upload=picture())


def test_the_declared_name_does_not_decide_the_type(world, check, photo_dir):
    photo = photo_add(actor=world.kam_a, activity_id=check.pk, upload=picture("PNG"))  # e.g. sent as "shelf.jpg"
    assert photo.content_type == "image/png" and photo.file.endswith(".png")


def test_a_phone_jpeg_with_an_embedded_picture_is_kept_as_a_plain_jpeg(world, check, photo_dir):
    out = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (20, 15), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(out.getvalue())) as opened:
        assert opened.format == "MPO"
    photo = photo_add(actor=world.kam_a, activity_id=check.pk, upload=out.getvalue())
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 40, 30)
    with Image.open(stored_files(photo_dir)[0]) as stored:
        assert stored.format == "JPEG"
