from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "soprovod.team"

    def ready(self) -> None:
        from soprovod.knowledge.hooks import register_read_listener
        from soprovod.problems.fixes import register_fix_target
        from soprovod.team.fixes import TRAINING
        from soprovod.team.knowledge import record_rule_read

        # A problem's fix may be a training (problems sits below team).
        register_fix_target(TRAINING)
        # «Read and understood» in the knowledge base completes the rule's training item.
        register_read_listener("team", record_rule_read)
