"""The relationship map's pages, under the account they belong to (included by kamdesk/people/urls.py)."""

from django.urls import path

from kamdesk.people import views_relationships as views

urlpatterns = [
    path("accounts/<int:pk>/relationships/", views.relationship_map_view, name="relationship_map"),
    path("accounts/<int:pk>/relationships.svg", views.relationship_map_svg, name="relationship_map_svg"),
    path("accounts/<int:pk>/relationships.png", views.relationship_map_png, name="relationship_map_png"),
    path(
        "accounts/<int:pk>/relationships/reports-to/",
        views.relationship_reports_to,
        name="relationship_reports_to",
    ),
]
