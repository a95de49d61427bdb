# Two partial covering indexes for the KPI engine's per-ticket clock lookups, found by
# bench/kpi.py (2,000,000 tickets, 5,800,000 clocks; the KPI document of one month went from
# 1079 ms to 606 ms, 3.1x -> 1.4x the plain scan of all tickets, measured back to back):
#
# - sla_clock_kpi_unsettled: the breached or still running clocks, per ticket. Every SLA
#   outcome (engine.sla_outcome_annotations: the document, breakdowns, trends, drill-downs)
#   asks, for each ticket of the period, whether it has a breached or a running clock.
#   Almost every clock is stopped and met, so the answer now comes from a 9 MB index
#   without visiting the table.
# - sla_clock_kpi_minutes: the stopped first-response and resolution clocks' minutes, per
#   ticket (engine.stopped_clocks, breakdowns._clock_minutes). Without it PostgreSQL joined
#   the month's tickets to a scan of every clock ever recorded (1.4-1.8 s, and growing with
#   the history); with it, it probes the index once per ticket of the period (0.35 s).
#

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_sla_clock_ticket_running_due")]

    operations = [
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                fields=["ticket"],
                include=["status", "due_at", "paused_since", "stopped_at"],
                condition=models.Q(status="breached") | models.Q(stopped_at__isnull=True),
                name="sla_clock_kpi_unsettled",
            ),
        ),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                fields=["ticket", "metric"],
                # id too: the KPI times count clocks by primary key.
                include=["elapsed_seconds", "id"],
                condition=models.Q(
                    stopped_at__isnull=False,
                    metric__in=["first_response", "resolution"],
                ),
                name="sla_clock_kpi_minutes",
            ),
        ),
    ]
