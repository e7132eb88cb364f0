"""The command line keeps its bytecode in the user's cache when the installation can neither
hold nor take it (groundswell/_bytecode.py; bench/everyday.py measures the effect on the
second run after a wheel install)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from groundswell import _bytecode


@pytest.fixture
def package(tmp_path: Path) -> Path:
    folder = tmp_path / "site-packages" / "pkg"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    return folder


@pytest.fixture
def no_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def read_only(monkeypatch: pytest.MonkeyPatch, package: Path) -> None:
    """As an unprivileged user sees site-packages (this suite may run as root)."""
    real = _bytecode.os.access

    def access(path: object, mode: int) -> bool:
        inside = Path(str(path)).resolve().is_relative_to(package.parent)
        return False if inside and mode & _bytecode.os.W_OK else real(path, mode)

    monkeypatch.setattr(_bytecode.os, "access", access)


def test_a_read_only_install_without_bytecode_needs_the_user_cache(
    package: Path, monkeypatch: pytest.MonkeyPatch, no_prefix: None
) -> None:
    read_only(monkeypatch, package)
    assert _bytecode.needs_user_cache(package)
    assert str(package.parent) in _bytecode._read_only_roots(package)


def test_nothing_changes_when_bytecode_is_there_or_can_be_written(
    package: Path, monkeypatch: pytest.MonkeyPatch, no_prefix: None
) -> None:
    assert not _bytecode.needs_user_cache(package)  # writable
    read_only(monkeypatch, package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc").write_bytes(b"")
    assert not _bytecode.needs_user_cache(package)  # compiled at install
    assert _bytecode.use_user_cache(package) is None and sys.pycache_prefix is None


def test_the_users_choice_wins(
    package: Path, monkeypatch: pytest.MonkeyPatch, no_prefix: None
) -> None:
    read_only(monkeypatch, package)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert not _bytecode.needs_user_cache(package)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", "/somewhere/else")
    assert not _bytecode.needs_user_cache(package)


def test_the_cli_keeps_site_packages_bytecode_in_the_user_cache(tmp_path: Path) -> None:
    """In a fresh interpreter where site-packages and groundswell's folder look read-only and
    uncompiled, importing the CLI redirects their bytecode (typer's, groundswell's) into the
    user cache, a mirror of the source tree; the standard library keeps its own bytecode and
    ``sys.pycache_prefix`` is left alone. A second interpreter reads what the first wrote."""
    import typer

    # site-packages as sys.path names it (a virtualenv reached through a symlink is not
    # resolved there), and resolved
    site = str(Path(typer.__file__).parent.parent)
    roots = (str(_bytecode.PACKAGE.parent), site, str(Path(site).resolve()))
    code = (
        "import os, sys\n"
        "real = os.access\n"
        f"os.access = lambda p, m: False if str(p).startswith({roots!r}) and m & os.W_OK "
        "else real(p, m)\n"
        "from pathlib import Path\n"
        "Path.glob = lambda self, pattern: iter(())\n"
        "import groundswell.cli, groundswell.workspace\n"
        "import typer\n"
        "print(sys.pycache_prefix, type(typer.__loader__).__name__)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path)}
    env.update({k: v for k, v in os.environ.items() if k == "PYTHONPATH"})  # no -B, no prefix
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "_UserCacheLoader"]
    cache = tmp_path / "groundswell" / "pycache"
    tag = sys.implementation.cache_tag
    mirror = cache / site.lstrip("/") / "typer" / f"main.{tag}.pyc"
    assert mirror.is_file()
    assert (cache / str(_bytecode.PACKAGE).lstrip("/") / f"workspace.{tag}.pyc").is_file()
    stdlib = Path(os.__file__).parent
    assert not (cache / str(stdlib).lstrip("/")).exists()  # no standard module compiled again
    assert not list(cache.rglob("__pycache__"))
    written = mirror.stat().st_mtime_ns
    subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert mirror.stat().st_mtime_ns == written  # read, not compiled again


def test_templates_are_compiled_once_into_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_prefix: None
) -> None:
    from groundswell.web.templating import environment

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html.j2").write_text("{{ words.count(n, 'person') }} <{{ x }}>")
    first = environment(tmp_path / "t").get_template("page.html.j2").render(n=2, x="&")
    cached = list((tmp_path / "cache" / "groundswell" / "jinja").iterdir())
    assert len(cached) == 1
    again = environment(tmp_path / "t").get_template("page.html.j2").render(n=2, x="&")
    assert again == first and "&amp;" in first
    (tmp_path / "t" / "page.html.j2").write_text("changed {{ x }}")  # a new checksum
    assert environment(tmp_path / "t").get_template("page.html.j2").render(x=1) == "changed 1"
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert _bytecode.template_cache() is None
