from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kamdesk.audit"
    label = "audit"
