"""`soprovod verify` recomputes each client's latest stored score and compares."""

import datetime as dt

from soprovod.core.verify import run_checks
from soprovod.health import actions
from soprovod.health.models import HealthScore
from soprovod.health.tests.helpers import TODAY, ticket


def run(fix=False):
    found = []
    results = dict(run_checks(found.append, fix=fix, only={"health"}))
    return found, results["health"]


def test_stored_scores_agree_with_their_recomputation(story):
    actions.do_recompute(TODAY - dt.timedelta(days=1))
    actions.do_recompute()
    found, tally = run()
    assert found == []
    assert tally.checked == 2  # the latest row of A and B


def test_a_changed_input_or_a_tampered_score_is_reported_and_fixed(story):
    actions.do_recompute()
    HealthScore.objects.filter(client=story.a).update(score=99, band="green")
    ticket(story.b, 3, csat=5)  # B's inputs changed without a recomputation (a bulk load)
    found, tally = run()
    fields = sorted((d.subject.split(" health")[0], d.field) for d in found)
    a, b = f"client {story.a.pk}", f"client {story.b.pk}"
    assert fields == [(a, "band"), (a, "score"), (b, "band"), (b, "measures"), (b, "score")]
    assert tally.differences == 5
    found, tally = run(fix=True)
    assert tally.fixed == 2
    assert run()[0] == []
    assert HealthScore.objects.get(client=story.a).score == 26
