from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "kamdesk.activities"
    label = "activities"
    verbose_name = "Activities and tasks"
