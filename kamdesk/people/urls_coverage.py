"""The communication plan's pages: the account's Coverage tab and its touchpoints under /accounts/<pk>/coverage/,
and the portfolio overview at /coverage/ (included by kamdesk/people/urls.py)."""

from django.urls import path

from kamdesk.people import views_coverage as views

urlpatterns = [
    path("accounts/<int:pk>/coverage/", views.coverage_page, name="coverage"),
    path("accounts/<int:pk>/coverage/touchpoints/new/", views.touchpoint_create, name="touchpoint_create"),
    path(
        "accounts/<int:pk>/coverage/touchpoints/<int:touchpoint_id>/edit/",
        views.touchpoint_edit,
        name="touchpoint_edit",
    ),
    path(
        "accounts/<int:pk>/coverage/touchpoints/<int:touchpoint_id>/held/",
        views.touchpoint_held,
        name="touchpoint_held",
    ),
    path(
        "accounts/<int:pk>/coverage/touchpoints/<int:touchpoint_id>/cancel/",
        views.touchpoint_cancel,
        name="touchpoint_cancel",
    ),
    path("coverage/", views.coverage_overview, name="coverage_overview"),
]
