"""Time windows: the span of interactions a graph is built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from groundswell.errors import ConfigError


@dataclass(frozen=True)
class Window:
    """A half-open span of time ``[start, end)`` in UTC.

    >>> w = Window.parse("2024-01-01:2024-03-31")
    >>> w.start.isoformat(), w.end.isoformat()
    ('2024-01-01T00:00:00+00:00', '2024-04-01T00:00:00+00:00')
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ConfigError(
                f"window: the end ({self.end:%Y-%m-%d}) must come after the start "
                f"({self.start:%Y-%m-%d})"
            )

    @classmethod
    def parse(cls, text: str) -> Window:
        """Parse ``START:END`` with ISO dates; END is inclusive (the whole day counts)."""
        parts = text.split(":") if text.count(":") == 1 else text.split("..")
        if len(parts) != 2:
            raise ConfigError(
                f"window: expected START:END such as 2024-01-01:2024-03-31; got {text!r}"
            )
        try:
            start, end = (pd.Timestamp(p.strip()) for p in parts)
        except ValueError as exc:
            raise ConfigError(
                f"window: expected ISO dates such as 2024-01-01:2024-03-31; got {text!r}"
            ) from exc
        start = start.tz_localize(UTC) if start.tzinfo is None else start.tz_convert(UTC)
        end = end.tz_localize(UTC) if end.tzinfo is None else end.tz_convert(UTC)
        return cls(start.to_pydatetime(), (end + pd.Timedelta(days=1)).to_pydatetime())

    @classmethod
    def last_days(cls, latest: datetime, days: int) -> Window:
        """The ``days`` whole days ending with the day of ``latest``."""
        end = datetime(latest.year, latest.month, latest.day, tzinfo=UTC) + timedelta(days=1)
        return cls(end - timedelta(days=days), end)

    @property
    def last_day(self) -> datetime:
        """The last day the window covers (its end is exclusive)."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}:{self.last_day:%Y-%m-%d}"
