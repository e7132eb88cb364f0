"""The schema's migrations: found by glob, the current schema committed, old workspaces brought
up to exactly the shape of a fresh one, and every data file the package reads shipped with it."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import duckdb
import pytest

import groundswell as gs
from groundswell import migrations, store
from groundswell.migrations.__main__ import main as print_current

PACKAGE = Path(migrations.__file__).parent.parent
CURRENT = PACKAGE / "migrations" / "current.sql"
REGENERATE = "python -m groundswell.migrations > src/groundswell/migrations/current.sql"


def _dump(folder: Path) -> str:
    con = duckdb.connect(str(folder / store.DB_FILE), read_only=True)
    try:
        return migrations.dump(con)
    finally:
        con.close()


def test_the_committed_current_schema_is_what_the_migrations_make(capsys) -> None:
    print_current()
    assert capsys.readouterr().out == CURRENT.read_text(), f"regenerate it: {REGENERATE}"


def test_a_fresh_workspace_has_the_committed_current_schema(tmp_path) -> None:
    gs.init(tmp_path / "fresh").close()
    assert _dump(tmp_path / "fresh") == CURRENT.read_text(), f"regenerate it: {REGENERATE}"


def test_a_workspace_migrated_one_version_at_a_time_equals_a_fresh_one(
    tmp_path, hr_file, events_file, monkeypatch
) -> None:
    # made by a groundswell of schema version 1, with people and interactions in it
    monkeypatch.setattr(store, "SCHEMA_VERSION", 1)
    with gs.init(tmp_path / "old") as ws:
        ws.ingest_orgchart(hr_file)
        ws.ingest_events(
            events_file(
                [
                    ["ann@x.com", "bob@x.com;cat@x.com", "2024-01-02T09:00:00Z", "email"],
                    ["bob@x.com", "dan@x.com", "2024-01-03T10:00:00Z", "dm"],
                ]
            )
        )
        counts = ws.counts()
    assert counts["people"] >= 6 and counts["interactions"] == 3
    for version in range(2, max(store.MIGRATIONS) + 1):  # each release opening it in turn
        monkeypatch.setattr(store, "SCHEMA_VERSION", version)
        with gs.open(tmp_path / "old") as ws:
            assert ws.schema_version == version
            assert ws.counts() == counts
    monkeypatch.undo()
    gs.init(tmp_path / "fresh").close()
    assert _dump(tmp_path / "old") == _dump(tmp_path / "fresh")


def test_the_schema_version_is_the_highest_numbered_file() -> None:
    names = sorted(p.name for p in (PACKAGE / "migrations").glob("[0-9][0-9][0-9]_*.sql"))
    assert store.SCHEMA_VERSION == len(names) == int(names[-1][:3])
    assert list(store.MIGRATIONS) == list(range(1, len(names) + 1))


def _folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"CREATE TABLE {Path(name).stem[4:]} (x INTEGER);")
    return folder


def test_adding_a_migration_is_dropping_the_next_numbered_file(tmp_path) -> None:
    folder = _folder(tmp_path, "002_second.sql", "001_first.sql", "current.sql", "notes.md")
    assert list(migrations.steps(folder)) == [1, 2]
    _folder(tmp_path, "003_third.sql")
    found = migrations.steps(folder)
    assert list(found) == [1, 2, 3]
    con = duckdb.connect()
    for step in found.values():
        step(con)
    assert "CREATE TABLE third(" in migrations.dump(con)


def test_a_gap_or_a_repeated_version_is_refused(tmp_path) -> None:
    gap = _folder(tmp_path / "a", "001_first.sql", "003_third.sql")
    with pytest.raises(RuntimeError, match=r"without a gap; missing \[2\]"):
        migrations.files(gap)
    twice = _folder(tmp_path / "b", "001_first.sql", "001_again.sql")
    with pytest.raises(RuntimeError, match="both claim version 1"):
        migrations.files(twice)


def test_every_data_file_the_package_reads_is_in_its_package_data() -> None:
    """setuptools ships only the files pyproject.toml lists: a migration left out of the wheel
    (schema_v7.sql was, when each file was listed by hand) breaks every installed copy."""
    pyproject = tomllib.loads((PACKAGE.parent.parent / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["groundswell"]
    data = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    ]
    assert "migrations/001_canonical_model.sql" in data
    unlisted = [f for f in data if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert unlisted == []
