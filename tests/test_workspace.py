from __future__ import annotations

import stat
import tomllib

import duckdb
import pytest

import groundswell as gs
from groundswell import store
from groundswell.errors import ConfigError, WorkspaceError


def test_init_creates_database_key_and_commented_settings(tmp_path) -> None:
    ws = gs.init(tmp_path / "acme")
    folder = tmp_path / "acme"
    assert (folder / "groundswell.duckdb").exists()
    assert stat.S_IMODE((folder / "secret.key").stat().st_mode) == 0o600
    text = (folder / "groundswell.toml").read_text()
    assert text.count("#") > 10  # written out and commented
    settings = tomllib.loads(text)
    assert settings["privacy"]["min_group_size"] == 5
    assert settings["ties"]["broadcast_threshold"] == 25
    assert ws.schema_version == store.SCHEMA_VERSION
    assert set(ws.counts()) >= {"people", "interactions", "sources"}
    ws.close()


def test_init_refuses_an_existing_workspace_and_a_non_empty_folder(tmp_path) -> None:
    gs.init(tmp_path / "acme").close()
    with pytest.raises(WorkspaceError, match="already exists"):
        gs.init(tmp_path / "acme")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("x")
    with pytest.raises(WorkspaceError, match="not empty"):
        gs.init(tmp_path / "other")
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == ["file.txt"]


def test_open_names_the_missing_workspace(tmp_path) -> None:
    with pytest.raises(WorkspaceError, match="groundswell init"):
        gs.open(tmp_path / "nowhere")


def test_a_workspace_opens_from_a_folder_named_as_text(tmp_path) -> None:
    # in a notebook people write the folder as a string; it used to raise TypeError
    gs.init(tmp_path / "acme").close()
    ws = gs.Workspace(str(tmp_path / "acme"))
    assert ws.folder == tmp_path / "acme"
    assert ws.schema_version == store.SCHEMA_VERSION
    ws.close()
    with pytest.raises(WorkspaceError, match="groundswell init"):
        gs.Workspace(str(tmp_path / "nowhere"))


def test_identified_and_content_flags_are_written(tmp_path) -> None:
    ws = gs.init(tmp_path / "acme", identified=True, store_content=True)
    assert ws.settings.identified and ws.store_content
    ws.close()


def test_bad_settings_are_named(tmp_path) -> None:
    gs.init(tmp_path / "acme").close()
    toml = tmp_path / "acme" / "groundswell.toml"
    toml.write_text(toml.read_text().replace("min_group_size = 5", "min_group_size = 0"))
    with pytest.raises(ConfigError, match=r"privacy\.min_group_size"):
        gs.open(tmp_path / "acme")
    toml.write_text("[privacy]\nnonsense = 1\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'privacy\.nonsense'"):
        gs.open(tmp_path / "acme")
    # not UTF-8, or nested deeper than tomllib goes: one error naming the file (tracebacks of
    # a UnicodeDecodeError and a RecursionError reached the user)
    toml.write_bytes(b"[privacy]\n# Gr\xfc\xdfe\n")
    with pytest.raises(
        ConfigError, match=r"groundswell\.toml: not valid TOML: not UTF-8 text \(line 2"
    ):
        gs.open(tmp_path / "acme")
    toml.write_bytes(b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n")
    with pytest.raises(
        ConfigError, match=r"groundswell\.toml: not valid TOML: .* nested too deeply"
    ):
        gs.open(tmp_path / "acme")


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("betweenness_epsilon = 0.02", '"0.02"'),
        ("betweenness_delta = 0.1", '"0.1"'),
        ("betweenness_epsilon = 0.02", "true"),
        ("betweenness_delta = 0.1", "1.5"),
    ],
)
def test_bounds_settings_not_numbers_are_named(tmp_path, line: str, value: str) -> None:
    # text or true where a number between 0 and 1 belongs: a ConfigError naming the setting,
    # not a TypeError from comparing text with 0
    gs.init(tmp_path / "acme").close()
    toml = tmp_path / "acme" / "groundswell.toml"
    assert line in toml.read_text()
    key = line.split(" = ")[0]
    toml.write_text(toml.read_text().replace(line, f"{key} = {value}"))
    with pytest.raises(ConfigError, match=rf"analysis\.{key}' must be a number between 0 and 1"):
        gs.open(tmp_path / "acme")


@pytest.mark.parametrize(
    ("section", "key", "value", "allowed"),
    [
        ("privacy", "min_group_size", "true", "an integer >= 1"),
        ("analysis", "seed", "false", "an integer"),
        ("analysis", "betweenness_samples", "true", "an integer >= 1"),
        ("analysis", "leiden_stability_seeds", "true", "an integer >= 0"),
        ("ties", "window_days", "true", "an integer >= 1"),
        ("ties", "decay_half_life_days", "true", "a number >= 0"),
        ("analysis", "leiden_resolution", "true", "a number > 0"),
    ],
)
def test_true_is_not_a_number(tmp_path, section: str, key: str, value: str, allowed: str) -> None:
    # TOML's true/false are Python ints: `seed = false` would have run with seed 0 and
    # `min_group_size = true` would have suppressed groups below 1 (nothing)
    gs.init(tmp_path / "acme").close()
    toml = tmp_path / "acme" / "groundswell.toml"
    toml.write_text(f"[{section}]\n{key} = {value}\n")
    expected = rf"'{section}\.{key}' must be {allowed}; got {value.title()}"
    with pytest.raises(ConfigError, match=expected):
        gs.open(tmp_path / "acme")


def test_newer_schema_is_refused(tmp_path) -> None:
    gs.init(tmp_path / "acme").close()
    con = duckdb.connect(str(tmp_path / "acme" / "groundswell.duckdb"))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(WorkspaceError, match="newer than this groundswell"):
        gs.open(tmp_path / "acme")


def test_a_version_1_workspace_is_migrated_keeping_its_data(tmp_path, hr_file, monkeypatch) -> None:
    monkeypatch.setattr(store, "SCHEMA_VERSION", 1)
    with gs.init(tmp_path / "old") as ws:
        ws.ingest_orgchart(hr_file)
        assert "person_metrics" not in set(ws.query("SHOW TABLES")["name"])
    monkeypatch.undo()
    with gs.open(tmp_path / "old") as ws:
        assert ws.schema_version == store.SCHEMA_VERSION >= 3
        assert "person_metrics" in set(ws.query("SHOW TABLES")["name"])
        assert ws.counts()["people"] == 6


def test_migrations_bring_an_old_workspace_up_to_date(tmp_path, monkeypatch) -> None:
    gs.init(tmp_path / "acme").close()

    def add_column(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("ALTER TABLE people ADD COLUMN pronouns VARCHAR")

    nxt = store.SCHEMA_VERSION + 1
    monkeypatch.setitem(store.MIGRATIONS, nxt, add_column)
    monkeypatch.setattr(store, "SCHEMA_VERSION", nxt)
    ws = gs.open(tmp_path / "acme")
    assert ws.schema_version == nxt
    assert "pronouns" in ws.query("SELECT * FROM people").columns
    ws.close()


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch) -> None:
    gs.init(tmp_path / "acme").close()

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("ALTER TABLE people ADD COLUMN pronouns VARCHAR")
        raise RuntimeError("migration bug")

    current = store.SCHEMA_VERSION
    monkeypatch.setitem(store.MIGRATIONS, current + 1, broken)
    monkeypatch.setattr(store, "SCHEMA_VERSION", current + 1)
    with pytest.raises(RuntimeError):
        gs.open(tmp_path / "acme")
    monkeypatch.setattr(store, "SCHEMA_VERSION", current)
    ws = gs.open(tmp_path / "acme")
    assert ws.schema_version == current
    assert "pronouns" not in ws.query("SELECT * FROM people").columns
    ws.close()


#: the one face method whose keywords are the chosen reader's own (they differ by source;
#: each reader documents them, and ingest_orgchart / ingest_events spell theirs out)
OPEN_KEYWORDS = {"ingest"}


def test_every_face_method_is_typed() -> None:
    """Workspace has an explicit, typed method for each capability: every parameter and
    every return annotated, no ``**options`` but the reader's own for ``ingest``."""
    import inspect

    from groundswell.workspace import Workspace

    methods = {
        name: fn
        for name, fn in vars(Workspace).items()
        if callable(fn) and not name.startswith("_")
    }
    assert {"gap", "champions", "adoption", "export_lake", "create_survey", "maturity"} <= set(
        methods
    )
    for name, fn in methods.items():
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, name
        for param in list(sig.parameters.values())[1:]:
            assert param.annotation is not inspect.Parameter.empty, (name, param.name)
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                assert name in OPEN_KEYWORDS, (name, param.name)


def test_champions_takes_make_plans_keywords() -> None:
    """``ws.champions`` is a thin call: the same keywords, defaults as make_plan's."""
    import inspect

    from groundswell.diffusion.champions import make_plan
    from groundswell.workspace import Workspace

    face = list(inspect.signature(Workspace.champions).parameters.values())[1:]
    core = list(inspect.signature(make_plan).parameters.values())[1:]
    assert [(p.name, p.kind, p.default) for p in face] == [
        (p.name, p.kind, p.default) for p in core
    ]


@pytest.mark.parametrize(
    "content", [b"zz-not-hex\n", b"ab" * 31 + b"\n", b"\xff" * 64, b"", b"ab" * 33 + b"\n"]
)
def test_a_damaged_key_is_named(tmp_path, content) -> None:
    """Not hexadecimal, not ASCII, empty, or cut short or too long (which would give other
    pseudonyms without a word): one error naming the key file (a ValueError's traceback
    reached the user for the first)."""
    gs.init(tmp_path / "acme").close()
    key = tmp_path / "acme" / "secret.key"
    key.write_bytes(content)
    with pytest.raises(WorkspaceError, match=r"secret\.key: the pseudonymisation key is damaged"):
        gs.open(tmp_path / "acme")
