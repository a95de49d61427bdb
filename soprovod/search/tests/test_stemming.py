"""The Snowball stems the SQLite index stores: Russian word forms meet at one stem."""

from soprovod.lib import stemming


def test_russian_word_forms_share_a_stem():
    assert stemming.stem("шлагбаума") == stemming.stem("шлагбаум") == stemming.stem("Шлагбаумы")
    assert stemming.stem("открывается") == stemming.stem("открываются")
    assert stemming.stem("пропусков") == stemming.stem("пропуск")
    assert stemming.stem("считывателя") == stemming.stem("считыватель")
    assert stemming.stem("ёлка") == stemming.stem("елка")


def test_stop_words_are_dropped_and_numbers_kept():
    assert stemming.query_stems("не открывается шлагбаум") == ["открыва", "шлагбаум"]
    assert stemming.query_stems("и в на") == []
    assert stemming.stems("Договор 7701234567") == "договор 7701234567"
    assert stemming.stem("readers") == "reader"


def test_an_fts5_expression_quotes_every_stem():
    assert stemming.fts5_match('шлагбаума" NEAR *') == '"шлагбаум" AND "near"'
    assert stemming.fts5_match("...") == ""


def test_highlight_marks_every_form_and_escapes_the_text():
    text = "Утром <b>шлагбаум</b> не открылся, шлагбаума нет в списке"
    fragment = stemming.highlight(text, "шлагбаумы")
    assert fragment.count(stemming.START) == 2
    html = stemming.marked_html(fragment)
    assert "&lt;b&gt;<mark>шлагбаум</mark>&lt;/b&gt;" in html
    assert "<mark>шлагбаума</mark>" in html


def test_a_long_text_is_cut_around_the_first_match():
    text = " ".join(["слово"] * 100 + ["шлагбаум"] + ["слово"] * 100)
    fragment = stemming.highlight(text, "шлагбаума", words=20)
    assert fragment.startswith("… ") and fragment.endswith(" …")
    assert f"{stemming.START}шлагбаум{stemming.STOP}" in fragment
    assert len(fragment.split()) <= 22
