"""Calendar routes, part of the "activities" namespace (kamdesk.activities.urls adds them)."""

from django.urls import path

from kamdesk.activities import views_calendar

urlpatterns = [
    path("activities/<int:pk>/calendar.ics", views_calendar.activity_ics, name="ics"),
    path("accounts/<int:pk>/activities/from-invitation/", views_calendar.log_from_invitation, name="from_invitation"),
    path("account/calendar/", views_calendar.feed_settings, name="feed_settings"),
    path("calendar/feed/<str:secret>.ics", views_calendar.feed, name="feed"),
]
