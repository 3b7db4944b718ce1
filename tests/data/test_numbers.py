import pytest

from analysis.data.numbers import occurs_as_token, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("36", 36), ("2,000", 2000), ("four", 4), ("One", 1), ("Two", 2), ("no", 0),
        ("twenty-one", 21), ("2.5 million kroner", 2_500_000), ("4.5 million", 4_500_000),
        ("$314,000", 314_000), ("10", 10), ("1,234,567", 1_234_567), ("0.5", 0.5),
    ],
)
def test_parse_number_reads_prose_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "many", "2,00", "four point five", "million", "twenty-ten"])
def test_parse_number_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


def test_tokens_do_not_match_inside_other_numbers_or_words():
    assert occurs_as_token("1", "received 139 contacts") == []
    assert occurs_as_token("one", "none of them") == []
    assert occurs_as_token("six", "a six-month reflection period") == [2]
    assert occurs_as_token("2,000", "approximately 2,000 potential") == [14]
    assert occurs_as_token("2", "2.5 million") == []
    assert occurs_as_token("$314,000", "kroner ($314,000) to") == [8]
