from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "soprovod.team"
