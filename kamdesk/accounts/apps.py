from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kamdesk.accounts"
    label = "accounts"
