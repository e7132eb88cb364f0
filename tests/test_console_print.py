"""console.print_rich writes plain lines itself, exactly as rich prints them."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from groundswell import console

PLAIN = [
    "run 21: window 2024-03-04:2024-03-31, 195 people, 3,153 ties, 14 communities of two or "
    "more people (0 with no tie left out; modularity 0.71; agreement with departments: "
    "NMI 0.83, ARI 0.56)",
    "",
    "  indented and trailing  ",
    "a" * 400,
    "naïve café — 東京 (wide) ✓",
    "ratio 3:2 and a time 10:30 only one colon pair apart: fine",
    "back\\slash and ] a closing bracket",
]
RICH = ["[bold]markup[/bold]", "an emoji :smile: code", "a:b:c", "tab\there", "two\nlines"]


def _by_rich(*objects: str) -> str:
    buf = io.StringIO()
    Console(file=buf, highlight=False, soft_wrap=True, width=160).print(*objects)
    return buf.getvalue()


def _printed(monkeypatch: pytest.MonkeyPatch, *objects: str) -> str:
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buf)
    console.print_rich(*objects)
    return buf.getvalue()


@pytest.mark.parametrize("text", PLAIN)
def test_plain_line_as_rich_prints_it_without_rich(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    expected = _by_rich(text)
    monkeypatch.setitem(sys.modules, "rich.console", None)  # importing it would fail
    assert _printed(monkeypatch, text) == expected


def test_several_plain_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _printed(monkeypatch, "one", "two 1:2") == _by_rich("one", "two 1:2")


@pytest.mark.parametrize("text", RICH)
def test_markup_emoji_and_control_characters_go_through_rich(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setitem(sys.modules, "rich.console", None)
    with pytest.raises(ImportError):
        _printed(monkeypatch, text)
    monkeypatch.undo()
    assert _printed(monkeypatch, text) == _by_rich(text)
