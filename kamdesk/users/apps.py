from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "kamdesk.users"
    label = "users"
