from django.apps import AppConfig


class MyDayConfig(AppConfig):
    name = "kamdesk.myday"
    label = "myday"
    verbose_name = "My day, digests and scheduled jobs"
