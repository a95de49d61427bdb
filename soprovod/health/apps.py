from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthAppConfig(AppConfig):
    name = "soprovod.health"
    label = "health"
    verbose_name = _("Client health")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from soprovod.clients.models import Client, MrrChange
        from soprovod.core.panels import register_panel
        from soprovod.core.verify import register_check
        from soprovod.health import panels, signals, timeline
        from soprovod.health.verify import check_latest_scores
        from soprovod.projects.models import Blocker, Project, ProjectStage, ProjectTask
        from soprovod.sla.signals import clocks_written
        from soprovod.success.models import Claim
        from soprovod.success.timeline import register_source
        from soprovod.surveys.models import SurveyResponse
        from soprovod.tickets.models import Escalation, Ticket

        # Inputs of the score (issue 11: recomputed «when an input changes»).
        uid = "health."
        post_save.connect(signals.ticket_saved, sender=Ticket, dispatch_uid=uid + "ticket")
        post_save.connect(
            signals.escalation_saved, sender=Escalation, dispatch_uid=uid + "escalation"
        )
        for model in (SurveyResponse, MrrChange, Project, Claim):
            post_save.connect(
                signals.client_row_saved, sender=model, dispatch_uid=uid + model.__name__
            )
        for model in (ProjectTask, ProjectStage, Blocker):
            post_save.connect(
                signals.project_part_saved, sender=model, dispatch_uid=uid + model.__name__
            )
        post_save.connect(signals.client_saved, sender=Client, dispatch_uid=uid + "client")
        clocks_written.connect(signals.clocks_written, dispatch_uid=uid + "clocks_written")
        # The client 360 (success) shows the score in its header and the drops into red on
        # its timeline.
        register_panel("client_header", "health", panels.client_panel)
        register_source(timeline.SOURCE)
        register_check("health", check_latest_scores)
