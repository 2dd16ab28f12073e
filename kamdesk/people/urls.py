from django.urls import include, path

from kamdesk.people import urls_coverage, urls_relationships, views

app_name = "people"
# The contact pages sit under /contacts/; the account tabs this app adds sit under /accounts/<pk>/.
contact_patterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("export/", views.contact_export, name="export"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
]

urlpatterns = [
    path("contacts/", include(contact_patterns)),
    *urls_relationships.urlpatterns,
    *urls_coverage.urlpatterns,
]
