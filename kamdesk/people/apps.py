from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "kamdesk.people"
    label = "people"
