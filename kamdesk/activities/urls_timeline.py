"""The account's Timeline tab (included by kamdesk/activities/urls.py, in the ``activities`` namespace)."""

from django.urls import path

from kamdesk.activities import views_timeline

urlpatterns = [
    path("accounts/<int:pk>/timeline/", views_timeline.account_timeline_view, name="timeline"),
]
