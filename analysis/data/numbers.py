"""Read a number the way a report writes it: "36", "2,000", "four", "2.5 million kroner", "$314,000"."""

from __future__ import annotations

import re

_UNITS = {
    # Norwegian: "ingen" (none) and "én" (one), as KOM's reports and the Norwegian press write them.
    "ingen": 0, "én": 1,
    "no": 0, "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_CURRENCY_WORDS = {"kroner", "krone", "nok", "dollars", "usd"}
_NUMERAL = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")


def _word_number(word: str) -> float:
    if word in _UNITS:
        return _UNITS[word]
    if word in _TENS:
        return _TENS[word]
    tens, _, units = word.partition("-")
    if tens in _TENS and units in _UNITS and 0 < _UNITS[units] < 10:
        return _TENS[tens] + _UNITS[units]
    if _NUMERAL.match(word):
        return float(word.replace(",", ""))
    raise ValueError(word)


def parse_number(text: str) -> float:
    """Return the value of a number as written in English prose.

    Args:
        text: The number as written: digits with thousands separators, a word
            ("four", "twenty-one", "no" for zero), optionally followed by a scale
            ("million") and a currency ("kroner"), or preceded by "$".

    Returns:
        The value as a float.

    Raises:
        ValueError: If the text is not a number this function knows how to read.
    """
    lowered = text.strip().lower()
    if lowered.startswith("did not ") and lowered.endswith(" any"):
        return 0.0  # "did not prosecute or convict any": a stated zero
    words = lowered.removeprefix("$").split()
    while words and words[-1] in _CURRENCY_WORDS:
        words.pop()
    if not words:
        raise ValueError(f"not a number: {text!r}")
    try:
        value = _word_number(words[0])
        for word in words[1:]:
            value *= _SCALES[word]
    except (KeyError, ValueError):
        raise ValueError(f"not a number: {text!r}") from None
    return value


def occurs_as_token(needle: str, text: str) -> list[int]:
    """Positions where ``needle`` stands in ``text`` as a whole token.

    "1" does not occur in "139", nor "one" in "none"; "six" does occur in "six-month".
    """
    pattern = re.compile(r"(?<![\w.,$])" + re.escape(needle) + r"(?![\w]|[.,]\d)")
    return [m.start() for m in pattern.finditer(text)]
