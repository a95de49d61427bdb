from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "soprovod.surveys"
