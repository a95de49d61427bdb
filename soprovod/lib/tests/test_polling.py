from soprovod.lib.polling import poll_until


def test_returns_what_the_condition_gave_once_it_is_true():
    answers = iter([None, 0, "", "ready"])
    assert poll_until(lambda: next(answers), seconds=5, every=0) == "ready"


def test_gives_none_when_the_time_is_up():
    calls = []
    assert poll_until(lambda: calls.append(1), seconds=0, every=0) is None
    assert calls  # asked at least once, even with no time at all
