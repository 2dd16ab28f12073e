from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("kamdesk.core.urls")),
    path("", include("kamdesk.users.urls")),
    path("accounts/", include("kamdesk.accounts.urls")),
    path("", include("kamdesk.people.urls")),
    path("", include("kamdesk.people.urls_vcard")),
    path("imports/", include("kamdesk.imports.urls")),
    path("", include("kamdesk.activities.urls")),
    path("", include("kamdesk.sales.urls")),
    path("", include("kamdesk.myday.urls")),
    path("api/v1/", api.urls),
]
