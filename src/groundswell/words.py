"""Words for people to read: counts with the right plural, lists joined in English, shares
and signed figures as a head of HR would say them.

One helper for every sentence the report, the dashboard and the command line write from a
number, so that "1 bottleneck manager" and "3 bottleneck managers" are never left to a
template's ``{{ n }} bottleneck managers``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

__all__ = ["change", "count", "join", "number_word", "plural", "portion", "share"]

#: nouns whose plural is not the noun plus "s" (the words groundswell's sentences use)
_IRREGULAR = {
    "person": "people",
    "child": "children",
    "reply": "replies",
    "company": "companies",
    "community": "communities",
    "activity": "activities",
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "its": "their",
    "it": "they",
    "this": "these",
    "that": "those",
}
_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def plural(noun: str, n: float, plural_form: str | None = None) -> str:
    """``noun`` in the number ``n`` asks for: the singular for exactly 1, else the plural
    (``plural_form``, a known irregular plural, or the last word with "s"/"es"/"ies").

    >>> plural("bottleneck manager", 1), plural("bottleneck manager", 3)
    ('bottleneck manager', 'bottleneck managers')
    >>> plural("person", 2), plural("key person", 0), plural("reply", 5)
    ('people', 'key people', 'replies')
    """
    if n == 1:
        return noun
    if plural_form is not None:
        return plural_form
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        word = _IRREGULAR[last]
    elif last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        word = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        word = last + "es"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def count(n: float, noun: str, plural_form: str | None = None, *, words: bool = False) -> str:
    """``n`` and ``noun`` agreeing: "1 bottleneck manager", "1,840 ties", "0 people".
    With ``words``, numbers up to ten are spelled ("three people", "no ties").

    >>> count(1, "bottleneck manager"), count(1840, "tie"), count(3, "person", words=True)
    ('1 bottleneck manager', '1,840 ties', 'three people')
    """
    shown = number_word(n) if words else _number(n)
    return f"{shown} {plural(noun, n, plural_form)}"


def number_word(n: float) -> str:
    """A whole number up to ten in words ("no" for 0), larger ones with separators."""
    if float(n).is_integer() and 0 <= n <= 10:
        return _SMALL[int(n)]
    return _number(n)


def _number(n: float) -> str:
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.2f}"
    return f"{int(n):,}"


def join(items: Sequence[str], word: str = "and") -> str:
    """Items as an English list: "a", "a and b", "a, b and c".

    >>> join(["a"]), join(["a", "b"]), join(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def share(part: float, whole: float) -> str:
    """A share in words when it is a simple fraction people say ("three out of four"),
    else as a percentage; "–" when there is no whole.

    >>> share(740, 1000), share(1, 2), share(1, 3), share(0, 10)
    ('three out of four (74%)', 'one in two (50%)', 'one in three (33%)', 'none (0%)')
    """
    if not whole or math.isnan(part) or math.isnan(whole):
        return "–"
    p = part / whole
    pct = f"{p:.0%}"
    if part == 0:
        return f"none ({pct})"
    if part == whole:
        return f"all ({pct})"
    for num, den in ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4), (1, 5), (4, 5), (1, 10), (9, 10)):
        if abs(p - num / den) <= 0.025:
            link = "in" if num == 1 else "out of"
            return f"{_SMALL[num]} {link} {_SMALL[den] if den <= 10 else den} ({pct})"
    return pct


def portion(part: float, whole: float, noun: str = "people") -> str:
    """A part of a whole as people say it, the noun placed where English puts it: "three
    out of four people (74%)", "15% of people", "all 40 people (100%)".

    >>> portion(740, 1000), portion(150, 1000), portion(1, 2, "teams")
    ('three out of four people (74%)', '15% of people', 'one in two teams (50%)')
    """
    said = share(part, whole)
    if said == "–":
        return f"– {noun}"
    if "(" in said:
        words_, pct = said.split(" (", 1)
        return f"{words_} {noun} ({pct}"
    return f"{said} of {noun}"


def q_words(q: float | None) -> str:
    """A false-discovery q (or a p-value) as a reader sees it: ``q = 0.012``, ``q < 0.001``
    (never ``q = 0.000``), ``q not computed`` when the comparison was left out.

    >>> q_words(0.0123), q_words(0.0), q_words(float("nan"))
    ('q = 0.012', 'q < 0.001', 'q not computed')
    """
    if q is None or not math.isfinite(q):
        return "q not computed"
    return "q < 0.001" if q < 0.0005 else f"q = {q:.3f}"


def change(now: Any, then: Any, show: Callable[[Any], str], kind: str) -> tuple[str, str]:
    """The change between two figures as a reader checks it, and its direction ("up", "down",
    "same"; both "" when a figure is missing).

    Reckoned from the figures as ``show`` prints them, so that "84%" beside "was 82%" reads
    "+2 points" (not the "+1 points" of 83.7% − 82.3%), and a change below the figures'
    precision reads "about the same", never "-0.00" or "+0 points". ``kind`` is "share"
    (shown as whole percentages), "count" or "number".

    >>> change(0.837, 0.823, lambda v: f"{v:.0%}", "share")
    ('+2 points', 'up')
    >>> change(0.7221, 0.7239, lambda v: f"{v:.2f}", "number"), change(5, 5, str, "count")
    (('about the same', 'same'), ('no change', 'same'))
    """
    missing = [v is None or (isinstance(v, float) and math.isnan(v)) for v in (now, then)]
    if any(missing):
        return "", ""
    if float(now) == float(then):
        return "no change", "same"
    a, b = (float(show(v).rstrip("%").replace(",", "")) for v in (now, then))
    d = round(a - b, 2)
    if d == 0:
        return "about the same", "same"
    if kind == "share":
        text = f"{d:+.0f} {'point' if abs(d) == 1 else 'points'}"
    elif kind == "count":
        text = f"{d:+,.0f}"
    else:
        text = f"{d:+.2f}"
    return text, "up" if d > 0 else "down"


def period(first: date, last: date) -> str:
    """Two days, both included, as a reader writes them: "15 January – 11 February 2024",
    "1–28 February 2024", "15 December 2023 – 11 January 2024"; one day alone when equal."""
    if first == last:
        return f"{first:%-d %B %Y}"
    if first.year != last.year:
        return f"{first:%-d %B %Y} – {last:%-d %B %Y}"
    if first.month != last.month:
        return f"{first:%-d %B} – {last:%-d %B %Y}"
    return f"{first:%-d}–{last:%-d %B %Y}"


def moment(text: str | None) -> str:
    """A stored timestamp ("2026-12-07T01:04:31+00:00") as a reader writes it, in UTC:
    "7 December 2026, 01:04 UTC"; a timestamp without a zone is taken as UTC; any other
    text as it is.

    >>> moment("2026-12-07T01:04:31.5+00:00"), moment("2024-03-04T09:30:00+01:00")
    ('7 December 2026, 01:04 UTC', '4 March 2024, 08:30 UTC')
    """
    from datetime import UTC, datetime

    try:
        at = datetime.fromisoformat(str(text or "").strip())
    except ValueError:
        return str(text or "")
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return f"{at:%-d %B %Y}, {at:%H:%M} UTC"


def window(text: str | None) -> str:
    """A stored window ("2024-03-04:2024-03-31", both days included) in words, as
    :func:`period` writes it; any other text as it is."""
    start, sep, end = str(text or "").partition(":")
    try:
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError:
        return str(text or "")
    return period(first, last) if sep else str(text)
