from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kamdesk.core"
    label = "core"
