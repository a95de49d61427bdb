from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "soprovod.team"

    def ready(self) -> None:
        from soprovod.problems.fixes import register_fix_target
        from soprovod.team.fixes import TRAINING

        # A problem's fix may be a training (problems sits below team).
        register_fix_target(TRAINING)
