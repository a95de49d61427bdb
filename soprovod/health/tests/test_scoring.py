"""The score's arithmetic on hand-worked numbers (no database)."""

import pytest

from soprovod.health import scoring
from soprovod.health.scoring import combine, sub_score

DEFAULT_WEIGHTS = {m.key: m.weight for m in scoring.MEASURES}
DEFAULT_POINTS = {m.key: m.points for m in scoring.MEASURES}


def test_sub_score_interpolates_between_points_and_holds_beyond_them():
    sla = DEFAULT_POINTS["sla"]  # 0.70 → 0, 0.85 → 50, 0.95 → 75, 1.0 → 100
    assert sub_score(sla, 0.90) == pytest.approx(62.5)  # 50 + 25 × 0.05 / 0.10
    assert sub_score(sla, 0.85) == 50
    assert sub_score(sla, 0.50) == 0
    assert sub_score(sla, 1.0) == 100
    csat = DEFAULT_POINTS["csat"]  # 3.0 → 0, 4.0 → 50
    assert sub_score(csat, 3.8) == pytest.approx(40)  # 50 × 0.8
    # volume: fewer tickets than before is as good as the same number
    assert sub_score(DEFAULT_POINTS["volume_trend"], 0.4) == 100
    assert sub_score(DEFAULT_POINTS["volume_trend"], 1.75) == pytest.approx(37.5)


def test_categorical_measure_uses_its_table():
    points = DEFAULT_POINTS["implementation"]
    assert sub_score(points, "blocked", categorical=True) == 30
    assert sub_score(points, "on_track", categorical=True) == 100


def test_hand_worked_score_with_missing_measures_renormalised():
    """NPS, claims and implementation have no data: the other weights (20 + 15 + 15 + 10 +
    10 + 5 = 75) are renormalised.

        sla 0.90 → 62.5 × 20   = 1250
        2 emergency breaches → 35 × 15 = 525
        CSAT 3.8 → 40 × 15     = 600
        volume ×1.0 → 100 × 10 = 1000
        repeats 5 % → 75 × 10  = 750
        renewal 200 d → 100 × 5 = 500
                               = 4625 ÷ 75 = 61.67 → 62
    Contributions (sub − 100) × w ÷ 75: sla −10, emergencies −13, CSAT −12, repeats −3.33.
    """
    raw = {
        "sla": 0.90,
        "emergency_breaches": 2,
        "csat": 3.8,
        "nps": None,
        "volume_trend": 1.0,
        "repeat_rate": 0.05,
        "open_claims": None,
        "renewal": 200,
        "implementation": None,
    }
    result = combine(raw, DEFAULT_WEIGHTS, DEFAULT_POINTS)
    assert result.score == 62
    by_key = {m.key: m for m in result.measures}
    assert set(by_key) == {
        "sla",
        "emergency_breaches",
        "csat",
        "volume_trend",
        "repeat_rate",
        "renewal",
    }
    assert by_key["sla"].share == pytest.approx(20 / 75)
    assert by_key["sla"].contribution == pytest.approx(-10.0)
    assert by_key["emergency_breaches"].contribution == pytest.approx(-13.0)
    assert by_key["csat"].contribution == pytest.approx(-12.0)
    assert by_key["repeat_rate"].contribution == pytest.approx(-25 * 10 / 75)
    assert by_key["renewal"].contribution == 0
    # the score explains itself: 100 plus the contributions
    assert 100 + sum(m.contribution for m in result.measures) == pytest.approx(4625 / 75)


def test_every_measure_with_data():
    """All nine: weights add up to 100, so no renormalisation.
    sla 1.0 → 100×20; no emergency breach → 100×15; CSAT 4.5 → 75×15; NPS 6 → 40×10;
    volume ×2 → 25×10; repeats 10 % → 50×10; 1 open claim → 40×10; renewal 30 d → 40×5;
    implementation overdue → 0×5: (2000+1500+1125+400+250+500+400+200+0) ÷ 100 = 63.75 → 64."""
    raw = {
        "sla": 1.0,
        "emergency_breaches": 0,
        "csat": 4.5,
        "nps": 6,
        "volume_trend": 2.0,
        "repeat_rate": 0.10,
        "open_claims": 1,
        "renewal": 30,
        "implementation": "overdue",
    }
    assert combine(raw, DEFAULT_WEIGHTS, DEFAULT_POINTS).score == 64


def test_one_measure_alone_is_the_score_and_none_is_no_score():
    only_csat = {"csat": 5.0}
    assert combine(only_csat, DEFAULT_WEIGHTS, DEFAULT_POINTS).score == 100
    assert combine({"csat": 3.0}, DEFAULT_WEIGHTS, DEFAULT_POINTS).score == 0
    assert combine({}, DEFAULT_WEIGHTS, DEFAULT_POINTS).score is None
    assert combine({"csat": None}, DEFAULT_WEIGHTS, DEFAULT_POINTS).measures == ()


def test_a_measure_weighted_zero_is_left_out():
    weights = {**DEFAULT_WEIGHTS, "csat": 0}
    result = combine({"csat": 3.0, "sla": 1.0}, weights, DEFAULT_POINTS)
    assert result.score == 100
    assert [m.key for m in result.measures] == ["sla"]


def test_rounding_half_up():
    # CSAT 4.01 → 50.5 alone: rounds to 51, not to the even 50
    assert combine({"csat": 4.01}, DEFAULT_WEIGHTS, DEFAULT_POINTS).score == 51


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "red"),
        (49, "red"),
        (50, "yellow"),
        (74, "yellow"),
        (75, "green"),
        (100, "green"),
        (None, ""),
    ],
)
def test_band_edges(score, band):
    assert scoring.band_of(score, 50, 75) == band


def test_bands_are_read_as_people_write_them():
    assert scoring.parse_points("0,7 → 0; 0,85 -> 50; 1=100") == [(0.7, 0), (0.85, 50), (1.0, 100)]
    text = scoring.format_points(DEFAULT_POINTS["sla"])
    assert scoring.parse_points(text) == [(0.7, 0), (0.85, 50), (0.95, 75), (1.0, 100)]
    for wrong, reason in [
        ("0,7 0", "format"),
        ("1 → 150; 2 → 0", "range"),
        ("1 → 50", "too_few"),
        ("1 → 5; 1 → 6", "duplicate"),
    ]:
        with pytest.raises(scoring.BandsError, match=reason):
            scoring.parse_points(wrong)
    with pytest.raises(scoring.BandsError, match="categories"):
        scoring.parse_points("on_track → 100", categorical=True, categories=["on_track", "overdue"])
