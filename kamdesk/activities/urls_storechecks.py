"""Store-check pages and photos (included by kamdesk/activities/urls.py, in the "activities" namespace)."""

from django.urls import path

from kamdesk.activities import views_storechecks as views

urlpatterns = [
    path("accounts/<int:pk>/store-checks/", views.store_checks, name="store_checks"),
    path("accounts/<int:pk>/store-checks/export.<str:fmt>", views.store_checks_export, name="store_checks_export"),
    path("accounts/<int:pk>/store-checks/new/", views.store_check_create, name="store_check_create"),
    path("activities/<int:pk>/store-check/", views.store_check_edit, name="store_check_edit"),
    path("activities/<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("activities/<int:pk>/photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("activities/<int:pk>/photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
]
