"""An activity as an iCalendar file in the REST API (GET /api/v1/activities/{id}/ics)."""

from django.http import HttpRequest, HttpResponse
from ninja import Router

from kamdesk.activities import calendar
from kamdesk.activities.api import _activity
from kamdesk.activities.views_calendar import ics_filename
from kamdesk.core.api import READ_ERRORS, ObjectId, current_user

router = Router(tags=["activities"])

ICS_RESPONSE = {
    "responses": {
        200: {
            "description": "The activity as an iCalendar (RFC 5545) file, in your time zone.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


@router.get("/{activity_id}/ics", response=READ_ERRORS, summary="Activity as .ics", openapi_extra=ICS_RESPONSE)
def get_activity_ics(request: HttpRequest, activity_id: ObjectId):
    """One VEVENT with a stable UID, so importing it again updates the event instead of copying it."""
    user = current_user(request)
    activity = _activity(user, activity_id)
    response = HttpResponse(calendar.calendar_bytes([activity], user=user), content_type=calendar.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(activity)}"'
    return response
