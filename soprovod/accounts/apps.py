from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soprovod.accounts"
