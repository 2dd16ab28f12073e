from django.urls import path

from kamdesk.activities import urls_calendar, urls_storechecks, urls_timeline, views

app_name = "activities"
urlpatterns = [
    path("accounts/<int:pk>/activities/", views.account_activities, name="account"),
    path("accounts/<int:pk>/activities/new/", views.activity_create, name="create"),
    path("accounts/<int:pk>/tasks/new/", views.task_create, name="task_create"),
    path("activities/<int:pk>/", views.activity_detail, name="detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="edit"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("activities/<int:pk>/next-steps/", views.activity_next_steps, name="next_steps"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("tasks/<int:pk>/comments/", views.task_comment, name="task_comment"),
]
urlpatterns += urls_calendar.urlpatterns
urlpatterns += urls_storechecks.urlpatterns
urlpatterns += urls_timeline.urlpatterns
