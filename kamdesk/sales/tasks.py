"""Background jobs of the commercial area: a sales or cost import uploaded on the web.

The page stores the upload, records a queued ``SalesImport`` and calls ``start_sales_import``; the job
``run_sales_import(import_id)`` reads the stored file, imports it as the user who uploaded it (with their
access, re-checked when the job runs) and writes its progress into the import's summary, which the page
polls. Without a task backend configured, Django's task framework runs the job at once, in the request.
"""

from django_tasks import task

from kamdesk.imports.staging import staging_storage
from kamdesk.sales.import_liveness import this_process
from kamdesk.sales.models import SalesImport
from kamdesk.sales.sales_import import import_file

PROGRESS = "progress"
STORED_FILE = "stored_file"
PARTIAL = "partial"


def start_sales_import(sales_import: SalesImport) -> None:
    """Queue the job of a recorded import (it must already be saved with its stored file)."""
    sales_import_job.enqueue(sales_import.pk)


@task()
def sales_import_job(import_id: int) -> dict:
    return run_sales_import(import_id)


def run_sales_import(import_id: int) -> dict:
    """Run a queued import; returns its summary. A job that finds its import already started does nothing,
    so a job delivered twice imports once."""
    claimed = SalesImport.objects.filter(pk=import_id, status=SalesImport.Status.QUEUED).update(
        status=SalesImport.Status.RUNNING, worker=this_process()
    )
    if not claimed:
        return {}
    record = SalesImport.objects.select_related("user").get(pk=import_id)
    options = dict(record.summary)
    user = record.user
    if user is None or not user.is_active or user.is_read_only:
        return _refuse(record, "The user who uploaded this file may no longer import data.")
    storage = staging_storage()
    try:
        handle = storage.open(options[STORED_FILE], "rb")
    except (KeyError, OSError):
        return _refuse(record, "The uploaded file is no longer there; upload it again.")
    try:
        with handle:
            report = import_file(
                record.kind,
                handle,
                record.file_name,
                actor=user,
                partial=bool(options.get(PARTIAL)),
                record=record,
                progress=lambda progress: _store_progress(import_id, options, progress),
            )
    finally:
        storage.delete(options[STORED_FILE])
    return report.as_dict()


def _store_progress(import_id: int, options: dict, progress: dict) -> None:
    """Kept in the summary until the import finishes (the page polls it)."""
    SalesImport.objects.filter(pk=import_id).update(summary=options | {PROGRESS: progress})


def _refuse(record: SalesImport, message: str) -> dict:
    from django.utils import timezone

    record.status = SalesImport.Status.FAILED
    record.finished_at = timezone.now()
    record.summary = {"errors": [{"line": None, "column": None, "message": message}], "outcome": message}
    record.save()
    return record.summary
