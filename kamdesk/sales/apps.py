from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "kamdesk.sales"
    label = "sales"
