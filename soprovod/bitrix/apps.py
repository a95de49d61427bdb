from django.apps import AppConfig


class BitrixConfig(AppConfig):
    name = "soprovod.bitrix"
    verbose_name = "Bitrix24"
