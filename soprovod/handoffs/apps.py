from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    name = "soprovod.handoffs"
