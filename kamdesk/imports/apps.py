from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kamdesk.imports"
    label = "imports"
