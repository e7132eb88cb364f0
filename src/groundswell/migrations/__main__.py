"""Print the current schema: ``python -m groundswell.migrations > .../migrations/current.sql``."""

from __future__ import annotations

import duckdb

from groundswell.migrations import dump, steps


def main() -> None:
    """Apply every migration to an empty in-memory database and print its schema."""
    con = duckdb.connect()
    for step in steps().values():
        step(con)
    print(dump(con), end="")


if __name__ == "__main__":
    main()
