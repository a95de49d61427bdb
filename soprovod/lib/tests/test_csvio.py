from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soprovod.lib.csvio import (
    CsvFileError,
    CsvIssue,
    FieldError,
    RowErrors,
    decode_bytes,
    detect_delimiter,
    parse_choice,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_intervals,
    read_table,
)
from soprovod.lib.inn import validate_inn

MOSCOW = ZoneInfo("Europe/Moscow")
CLIENT_COLUMNS = ["external_id", "name", "inn", "mrr_rub"]
TICKET_TYPES = {
    "emergency": "emergency",
    "standard": "standard",
    "consultation": "consultation",
    "экстренное": "emergency",
    "стандартное": "standard",
    "консультация": "consultation",
}


def read_clients(data, **kwargs):
    return read_table(data, required=CLIENT_COLUMNS, optional=["segment"], **kwargs)


def refusal(data, **kwargs) -> CsvFileError:
    with pytest.raises(CsvFileError) as caught:
        read_clients(data, **kwargs)
    return caught.value


# --- encodings and delimiters ----------------------------------------------------------------


def test_windows_1251_with_semicolons():
    text = 'external_id;name;inn;mrr_rub\nc-1;ООО "Ромашка";7707083893;1 234,50\n'
    table = read_clients(text.encode("cp1251"))
    assert table.delimiter == ";"
    assert table.rows == [
        (
            2,
            {
                "external_id": "c-1",
                "name": 'ООО "Ромашка"',
                "inn": "7707083893",
                "mrr_rub": "1 234,50",
                "segment": "",
            },
        )
    ]


def test_utf8_with_bom_and_commas():
    text = "external_id,name,inn,mrr_rub\nc-1,АО Лютик,7736207543,1000\n"
    table = read_clients(text.encode("utf-8-sig"))
    assert table.delimiter == ","
    assert table.columns == ("external_id", "name", "inn", "mrr_rub")
    assert table.rows[0][1]["external_id"] == "c-1"
    assert table.rows[0][1]["name"] == "АО Лютик"


def test_utf8_without_bom():
    text = "external_id;name;inn;mrr_rub\nc-1;ИП Иванов;500100732259;500\n"
    table = read_clients(text.encode("utf-8"))
    assert table.rows[0][1]["name"] == "ИП Иванов"


def test_text_with_a_bom_is_read_like_bytes():
    table = read_clients("\ufeffexternal_id,name,inn,mrr_rub\nc-1,A,7707083893,1\n")
    assert table.columns[0] == "external_id"


def test_decode_bytes_prefers_utf8_and_drops_the_bom():
    assert decode_bytes("\ufeffимя".encode()) == "имя"
    assert decode_bytes("имя".encode("cp1251")) == "имя"


def test_a_file_that_is_neither_utf8_nor_windows_1251_is_refused():
    # 0x98 is not a character in Windows-1251, and a lone continuation byte in UTF-8.
    error = refusal(b"external_id,name,inn,mrr_rub\n\x98,x,1,1\n", filename="clients.csv")
    assert str(error) == "clients.csv: the file is neither UTF-8 nor Windows-1251 text"


def test_an_excel_workbook_is_refused_with_a_hint():
    error = refusal(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", filename="clients.xlsx")
    assert "not CSV text" in str(error)
    assert "Excel" in str(error)


def test_utf16_is_refused_with_a_hint():
    error = refusal("external_id,name\n".encode("utf-16"))
    assert "UTF-16" in str(error)


def test_the_header_decides_the_delimiter_even_with_decimal_commas_in_the_data():
    text = "external_id;name;inn;mrr_rub\nc-1;A, B and C;7707083893;1,5\n"
    assert detect_delimiter(text) == ";"
    assert read_clients(text).rows[0][1]["mrr_rub"] == "1,5"


def test_a_single_column_file_is_read():
    table = read_table("date\n2026-01-01\n2026-01-02\n", required=["date"])
    assert [row["date"] for _, row in table.rows] == ["2026-01-01", "2026-01-02"]


def test_a_header_with_both_delimiters_is_left_to_the_sniffer():
    assert detect_delimiter('"a,b";c;d\n"1,2";3;4\n"5,6";7;8\n') == ";"


# --- the header ------------------------------------------------------------------------------


def test_header_names_are_stripped_and_lower_cased():
    table = read_clients(" External_ID ;NAME; Inn;Mrr_Rub\nc-1;A;7707083893;1\n")
    assert table.columns == ("external_id", "name", "inn", "mrr_rub")
    assert table.rows[0][1]["external_id"] == "c-1"


def test_unknown_columns_are_named():
    error = refusal("external_id,name,inn,mrr_rub,colour,size\n", filename="clients.csv")
    assert error.issues == [
        CsvIssue(
            1,
            None,
            "unknown columns: colour, size (allowed: external_id, name, inn, mrr_rub, segment)",
        )
    ]
    assert str(error).startswith("clients.csv: header: unknown columns: colour, size")


def test_missing_required_columns_are_named():
    error = refusal("external_id,name,segment\n")
    assert [str(issue) for issue in error.issues] == [
        "header: missing required columns: inn, mrr_rub"
    ]


def test_a_missing_optional_column_is_fine_and_reads_as_empty():
    table = read_clients("external_id,name,inn,mrr_rub\nc-1,A,7707083893,1\n")
    assert "segment" not in table.columns
    assert table.rows[0][1]["segment"] == ""


def test_duplicate_columns_are_named():
    error = refusal("external_id,name,inn,mrr_rub,Name\n")
    assert [str(issue) for issue in error.issues] == ["header: duplicate columns: name"]


def test_a_column_without_a_name_is_refused():
    error = refusal("external_id,name,,inn,mrr_rub\n")
    assert [str(issue) for issue in error.issues] == ["header: column 3 has no name"]


def test_every_header_problem_is_reported_at_once():
    error = refusal("external_id,name,name,colour\n", filename="clients.csv")
    assert error.report().splitlines() == [
        "clients.csv: header: duplicate columns: name",
        "clients.csv: header: unknown columns: colour "
        "(allowed: external_id, name, inn, mrr_rub, segment)",
        "clients.csv: header: missing required columns: inn, mrr_rub",
    ]
    assert str(error) == ("clients.csv: 3 errors; first: header: duplicate columns: name")


@pytest.mark.parametrize("data", [b"", "", "\ufeff", b"\xef\xbb\xbf", "  \r\n\n"])
def test_an_empty_file_is_refused(data):
    error = refusal(data, filename="clients.csv")
    assert str(error) == "clients.csv: the file is empty; it must start with a header row"


def test_a_file_starting_with_an_empty_line_is_refused():
    error = refusal("\nexternal_id,name,inn,mrr_rub\n")
    assert str(error) == "header: the first line is empty; it must be the header row"


def test_a_header_without_rows_gives_no_rows():
    assert read_clients("external_id,name,inn,mrr_rub\r\n").rows == []


# --- rows ------------------------------------------------------------------------------------


def test_quoted_values_may_contain_delimiters_quotes_and_line_breaks():
    text = (
        "external_id;name;inn;mrr_rub\n"
        'c-1;"ООО ""Ромашка""; филиал, Москва";7707083893;1\n'
        'c-2;"two\nlines";7736207543;2\n'
    )
    table = read_clients(text)
    assert table.rows[0][1]["name"] == 'ООО "Ромашка"; филиал, Москва'
    assert table.rows[1][1]["name"] == "two\nlines"


def test_quoted_values_after_a_space_are_unquoted():
    table = read_clients('external_id, name, inn, mrr_rub\nc-1, "A, B", 7707083893, 1\n')
    assert table.rows[0][1]["name"] == "A, B"


def test_values_are_stripped():
    table = read_clients("external_id,name,inn,mrr_rub\n  c-1 ,\u00a0A\u00a0,7707083893,\t1\n")
    assert table.rows[0][1] == {
        "external_id": "c-1",
        "name": "A",
        "inn": "7707083893",
        "mrr_rub": "1",
        "segment": "",
    }


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    text = (
        "external_id,name,inn,mrr_rub\r\n"  # row 1
        "c-1,A,7707083893,1\r\n"  # row 2
        "\r\n"  # row 3, blank: skipped
        'c-2,"B\r\nstill B",7736207543,2\r\n'  # row 4, one row over two lines
        ",,,\r\n"  # row 5, all empty: skipped
        "c-3,C,500100732259,3\r\n"  # row 6
    )
    assert [number for number, _ in read_clients(text).rows] == [2, 4, 6]


def test_a_row_with_too_many_or_too_few_values_is_refused():
    text = (
        "external_id,name,inn,mrr_rub\n"
        "c-1,A,7707083893,1,extra\n"
        "c-2,B,7736207543\n"
        "c-3,C,500100732259,3,,\n"  # empty extra values, as spreadsheets write: fine
    )
    error = refusal(text, filename="clients.csv")
    assert error.report().splitlines() == [
        "clients.csv: row 2: 5 values, but the header has 4 columns",
        "clients.csv: row 3: 3 values, but the header has 4 columns",
    ]


def test_an_unclosed_quote_names_the_row_where_it_opens():
    error = refusal('external_id,name,inn,mrr_rub\nc-1,A,7707083893,1\nc-2,"B,1,2\nc-3,C,1,2\n')
    assert str(error) == 'row 3: cannot read CSV: a quoted value is never closed (a " is missing)'


def test_broken_quoting_is_refused():
    error = refusal('external_id,name,inn,mrr_rub\nc-1,"A"B,7707083893,1\n')
    assert str(error).startswith("row 2: cannot read CSV:")


# --- issues, errors and RowErrors ------------------------------------------------------------


def test_issue_text_names_row_and_column():
    assert str(CsvIssue(17, "created_at", "bad")) == "row 17, column created_at: bad"
    assert str(CsvIssue(17, None, "bad")) == "row 17: bad"
    assert str(CsvIssue(1, None, "bad")) == "header: bad"
    assert str(CsvIssue(None, None, "bad")) == "bad"


def test_file_error_summary_is_one_line():
    error = CsvFileError(
        [
            CsvIssue(17, "inn", "INN checksum is wrong"),
            CsvIssue(18, "csat", "must be from 1 to 5, got 7"),
            CsvIssue(20, "name", "value is required"),
        ],
        filename="clients.csv",
    )
    assert str(error) == "clients.csv: 3 errors; first: row 17, column inn: INN checksum is wrong"
    assert error.report() == (
        "clients.csv: row 17, column inn: INN checksum is wrong\n"
        "clients.csv: row 18, column csat: must be from 1 to 5, got 7\n"
        "clients.csv: row 20, column name: value is required"
    )


def test_file_error_without_file_name():
    assert str(CsvFileError([CsvIssue(2, "a", "bad")])) == "row 2, column a: bad"


def test_row_errors_collect_every_bad_row_then_raise_once():
    table = read_clients(
        "external_id,name,inn,mrr_rub,segment\n"
        "c-1,A,7707083893,1 000,\n"
        "c-2,,7707083894,many,smb\n"
        "c-3,C,500100732259,3,\n",
        filename="clients.csv",
    )
    errors = RowErrors(filename="clients.csv")
    parsed = []
    for number, row in table.rows:
        name = errors.parse(number, row, "name", str)
        inn = errors.parse(number, row, "inn", validate_inn)
        mrr = errors.parse(number, row, "mrr_rub", parse_decimal)
        segment = errors.parse(number, row, "segment", str, optional=True)
        parsed.append((name, inn, mrr, segment))
    assert len(errors) == 3
    with pytest.raises(CsvFileError) as caught:
        errors.raise_if_any()
    assert caught.value.report().splitlines() == [
        "clients.csv: row 3, column name: value is required",
        "clients.csv: row 3, column inn: INN checksum is wrong",
        "clients.csv: row 3, column mrr_rub: expected a number like 1234.50 or 1 234,50, "
        "got 'many'",
    ]
    assert parsed[0] == ("A", "7707083893", Decimal("1000"), None)
    assert parsed[1] == (None, None, None, "smb")


def test_row_errors_pass_extra_arguments_to_the_parser():
    errors = RowErrors()
    row = {"csat": "7", "type": "Экстренное"}
    assert errors.parse(2, row, "type", parse_choice, TICKET_TYPES) == "emergency"
    assert errors.parse(2, row, "csat", parse_int, 1, 5) is None
    assert [str(issue) for issue in errors.issues] == [
        "row 2, column csat: must be from 1 to 5, got 7"
    ]


def test_row_errors_without_issues_do_not_raise():
    errors = RowErrors()
    assert not errors
    errors.raise_if_any()
    errors.add(5, None, "resolved before it was created")
    assert errors
    with pytest.raises(CsvFileError, match="row 5: resolved before it was created"):
        errors.raise_if_any()


# --- parse_date ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-31", date(2026, 10, 31)),
        (" 2024-02-29 ", date(2024, 2, 29)),
        ("31.10.2026", date(2026, 10, 31)),
        ("1.2.2026", date(2026, 2, 1)),
    ],
)
def test_parse_date_accepts(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2026/10/31", "20261031", "2026-W44-6", "10/31/2026", "31.10.26", "tomorrow"]
)
def test_parse_date_refuses_other_forms(text):
    with pytest.raises(FieldError, match="expected a date like 2026-10-31 or 31.10.2026"):
        parse_date(text)


@pytest.mark.parametrize("text", ["2026-02-29", "31.04.2026", "2026-13-01"])
def test_parse_date_refuses_dates_that_do_not_exist(text):
    with pytest.raises(FieldError, match="no such date"):
        parse_date(text)


def test_parsers_refuse_empty_values():
    for parse in (parse_date, parse_decimal, parse_int):
        with pytest.raises(FieldError, match="value is required"):
            parse(" ")
    with pytest.raises(FieldError, match="value is required"):
        parse_datetime("", "Europe/Moscow")
    with pytest.raises(FieldError, match="value is required"):
        parse_choice("", TICKET_TYPES)


# --- parse_datetime --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-31T09:30",
        "2026-10-31 09:30",
        "2026-10-31T09:30:00",
        "2026-10-31 09:30:00.000",
        "31.10.2026 9:30",
        "31.10.2026 09:30:00",
    ],
)
def test_a_time_without_offset_is_in_the_department_zone(text):
    parsed = parse_datetime(text, "Europe/Moscow")
    assert parsed == datetime(2026, 10, 31, 9, 30, tzinfo=MOSCOW)
    assert parsed.utcoffset() == timedelta(hours=3)
    assert parsed.isoformat() == "2026-10-31T09:30:00+03:00"


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-31T06:30Z",
        "2026-10-31T06:30:00z",
        "2026-10-31T06:30+00:00",
        "2026-10-31T11:30+05:00",
        "2026-10-31 11:30+0500",
    ],
)
def test_a_time_with_an_offset_is_kept_and_shown_in_the_department_zone(text):
    parsed = parse_datetime(text, "Europe/Moscow")
    assert parsed == datetime(2026, 10, 31, 6, 30, tzinfo=UTC)
    assert parsed.tzinfo == MOSCOW
    assert parsed.hour == 9


@pytest.mark.parametrize(
    "text", ["2026-10-31", "09:30", "2026-10-31T9:30", "2026-10-31T09", "31/10/2026 09:30"]
)
def test_parse_datetime_refuses_other_forms(text):
    with pytest.raises(FieldError, match="expected a date and time like 2026-10-31T09:30"):
        parse_datetime(text, "Europe/Moscow")


@pytest.mark.parametrize("text", ["2026-02-30T10:00", "2026-10-31T25:00", "31.10.2026 9:61"])
def test_parse_datetime_refuses_times_that_do_not_exist(text):
    with pytest.raises(FieldError, match="no such date and time"):
        parse_datetime(text, "Europe/Moscow")


def test_a_local_time_skipped_by_the_clocks_is_refused():
    with pytest.raises(FieldError, match="does not exist in Europe/Berlin"):
        parse_datetime("2026-03-29 02:30", "Europe/Berlin")


def test_a_local_time_that_happens_twice_is_its_first_occurrence():
    parsed = parse_datetime("2026-10-25 02:30", "Europe/Berlin")
    assert parsed.utcoffset() == timedelta(hours=2)


# --- parse_decimal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.50", Decimal("1234.50")),
        ("1234,5", Decimal("1234.5")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234\u00a0567,00", Decimal("1234567.00")),
        ("1\u202f234", Decimal("1234")),
        ("0", Decimal("0")),
        ("-15,25", Decimal("-15.25")),
        ("+7", Decimal("7")),
        ("1,234", Decimal("1.234")),
    ],
)
def test_parse_decimal_accepts(text, expected):
    parsed = parse_decimal(text)
    assert parsed == expected
    assert str(parsed) == str(expected)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "12 34",
        "1 2345",
        "1,234.50",
        "1.234,50",
        "1..2",
        ".5",
        "5.",
        "1e5",
        "NaN",
        "Infinity",
        "100 ₽",
        "١٢",
    ],
)
def test_parse_decimal_refuses_garbage(text):
    with pytest.raises(FieldError, match="expected a number like 1234.50 or 1 234,50"):
        parse_decimal(text)


def group_thousands(digits: str, separator: str) -> str:
    """Slow reference: insert the separator every three digits from the right."""
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return separator.join(groups)


@given(
    number=st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12
    ),
    separator=st.sampled_from([" ", "\u00a0", "\u202f", ""]),
    decimal_mark=st.sampled_from([",", "."]),
)
def test_parse_decimal_reads_numbers_written_the_russian_way(number, separator, decimal_mark):
    sign = "-" if number < 0 else ""
    whole, fraction = f"{abs(number):.2f}".split(".")
    text = f"{sign}{group_thousands(whole, separator)}{decimal_mark}{fraction}"
    assert parse_decimal(text) == number


# --- parse_int -------------------------------------------------------------------------------


def test_parse_int_accepts_whole_numbers():
    assert parse_int("5") == 5
    assert parse_int(" -3 ") == -3
    assert parse_int("1 000") == 1000
    assert parse_int("0", 0, 10) == 0
    assert parse_int("10", 0, 10) == 10


@pytest.mark.parametrize("text", ["5.0", "4,5", "five", "0x10", "1_000", "١"])
def test_parse_int_refuses_other_text(text):
    with pytest.raises(FieldError, match="expected a whole number"):
        parse_int(text)


def test_parse_int_checks_the_range():
    with pytest.raises(FieldError, match="must be from 1 to 5, got 0"):
        parse_int("0", 1, 5)
    with pytest.raises(FieldError, match="must be from 1 to 5, got 6"):
        parse_int("6", min=1, max=5)
    with pytest.raises(FieldError, match="must be at least 0, got -1"):
        parse_int("-1", min=0)
    with pytest.raises(FieldError, match="must be at most 10, got 11"):
        parse_int("11", max=10)


# --- parse_choice ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("emergency", "emergency"),
        ("Standard", "standard"),
        ("экстренное", "emergency"),
        ("КОНСУЛЬТАЦИЯ", "consultation"),
    ],
)
def test_parse_choice_maps_spellings_to_codes(text, expected):
    assert parse_choice(text, TICKET_TYPES) == expected


def test_parse_choice_lists_the_allowed_values():
    with pytest.raises(FieldError) as caught:
        parse_choice("urgent", TICKET_TYPES)
    assert str(caught.value) == (
        "expected one of: emergency, standard, consultation, "
        "экстренное, стандартное, консультация; got 'urgent'"
    )


# --- parse_intervals -------------------------------------------------------------------------


def test_parse_intervals_reads_start_end_pairs_in_the_department_zone():
    intervals = parse_intervals(
        "2026-10-01T10:00/2026-10-01T12:30; 2026-10-02 09:00+00:00/2026-10-02 10:00+00:00",
        "Europe/Moscow",
    )
    assert intervals == [
        (datetime(2026, 10, 1, 10, 0, tzinfo=MOSCOW), datetime(2026, 10, 1, 12, 30, tzinfo=MOSCOW)),
        (datetime(2026, 10, 2, 12, 0, tzinfo=MOSCOW), datetime(2026, 10, 2, 13, 0, tzinfo=MOSCOW)),
    ]


@pytest.mark.parametrize("text", ["", "  ", ";"])
def test_parse_intervals_empty_is_no_intervals(text):
    assert parse_intervals(text, "Europe/Moscow") == []


def test_parse_intervals_ignores_a_trailing_separator():
    assert len(parse_intervals("2026-10-01T10:00/2026-10-01T11:00;", "Europe/Moscow")) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026-10-01T12:00/2026-10-01T10:00",
            "interval 1: the end must be after the start",
        ),
        (
            "2026-10-01T10:00/2026-10-01T11:00;2026-10-02T10:00/2026-10-02T10:00",
            "interval 2: the end must be after the start",
        ),
        (
            "2026-10-01T10:00",
            "interval 1: expected start/end like 2026-10-31T09:00/2026-10-31T12:00, "
            "got '2026-10-01T10:00'",
        ),
        (
            "2026-10-01T10:00/",
            "interval 1: expected start/end like",
        ),
        (
            "2026-10-01T10:00/2026-10-01T11:00/2026-10-01T12:00",
            "interval 1: expected start/end like",
        ),
        (
            "2026-10-01T10:00/PT2H",
            "interval 1: expected a date and time like",
        ),
        (
            "2026-10-01T10:00/2026-10-32T11:00",
            "interval 1: no such date and time: '2026-10-32T11:00'",
        ),
    ],
)
def test_parse_intervals_refuses(text, message):
    with pytest.raises(FieldError) as caught:
        parse_intervals(text, "Europe/Moscow")
    assert str(caught.value).startswith(message)


def test_on_hold_intervals_survive_a_semicolon_file():
    text = (
        "external_id;on_hold\n"
        't-1;"2026-10-01T10:00/2026-10-01T11:00;2026-10-02T10:00/2026-10-02T11:00"\n'
    )
    table = read_table(text.encode("cp1251"), required=["external_id", "on_hold"])
    number, row = table.rows[0]
    assert number == 2
    assert len(parse_intervals(row["on_hold"], "Europe/Moscow")) == 2
