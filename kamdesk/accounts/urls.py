from django.urls import path, re_path

from kamdesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list_view, name="list"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.account_export_view, name="export"),
    path("export/", views.account_export_view, name="export"),
    path("new/", views.account_create_view, name="create"),
    path("channels/", views.channel_list_view, name="channels"),
    path("<int:pk>/", views.account_detail_view, name="detail"),
    path("<int:pk>/edit/", views.account_edit_view, name="edit"),
    path("<int:pk>/handover/", views.account_handover_view, name="handover"),
    path("<int:pk>/stakeholders/", views.account_stakeholders_view, name="stakeholders"),
    path("<int:pk>/team/", views.account_team_view, name="team"),
    path("<int:pk>/team/<int:membership_id>/remove/", views.membership_remove_view, name="team_remove"),
    path("<int:pk>/history/", views.account_history_view, name="history"),
]
