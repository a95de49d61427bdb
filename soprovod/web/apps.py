from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web shell: home page, navigation, demo orchestration and the commands that span
    apps. It sits on top of every other app and nothing imports it."""

    name = "soprovod.web"

    def ready(self) -> None:
        from soprovod.web import home_blocks  # noqa: F401 - registers the home page's blocks
