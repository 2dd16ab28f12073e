"""'My day' (also the landing page, "home" in kamdesk.core.urls), its quick actions and the digest setting.
The quick actions sit under /tasks/ and /contacts/, beside the records they change."""

from django.urls import path

from kamdesk.myday import views

app_name = "myday"
urlpatterns = [
    path("my-day/", views.page, name="page"),
    path("my-day/digest/", views.digest_settings, name="digest"),
    path("tasks/<int:pk>/done-today/", views.task_done, name="task_done"),
    path("contacts/<int:pk>/log-contact/", views.contact_log, name="contact_log"),
]
