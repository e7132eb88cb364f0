"""Build hook: the wheel and the sdist carry the bundled front end.

The report's network map (``src/groundswell/report/assets/map.js``) and the dashboard
(``src/groundswell/web/static/dashboard.js``) are bundled from ``frontend/`` by
``npm ci && npm run build``. They are not in git, so ``python -m build`` (or ``pip wheel .``)
from a clean clone builds them here, before the package files are collected: node and npm
are needed to build a wheel or an sdist, never to install or run one. The sdist carries
``frontend/`` (sources, lock file, build script) beside the bundles, so a wheel built from
it needs no node; set ``GROUNDSWELL_FRONTEND=rebuild`` to bundle again from its sources.

Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
FRONTEND = ROOT / "frontend"
BUNDLES = (
    ROOT / "src" / "groundswell" / "report" / "assets" / "map.js",
    ROOT / "src" / "groundswell" / "web" / "static" / "dashboard.js",
)


def _sources() -> list[Path]:
    files = [FRONTEND / n for n in ("package.json", "package-lock.json", "build.mjs")]
    return [p for p in files if p.exists()] + sorted((FRONTEND / "src").rglob("*"))


def _stale() -> bool:
    """Whether a bundle is missing, older than a front-end source, or a rebuild is asked."""
    if os.environ.get("GROUNDSWELL_FRONTEND") == "rebuild":
        return True
    if not all(b.exists() for b in BUNDLES):
        return True
    if not FRONTEND.exists():
        return False
    newest = max((p.stat().st_mtime for p in _sources() if p.is_file()), default=0.0)
    return newest > min(b.stat().st_mtime for b in BUNDLES)


def build_frontend() -> None:
    """``npm ci`` (when frontend/node_modules is missing) and ``npm run build``, if needed."""
    if not _stale():
        return
    missing = [str(b.relative_to(ROOT)) for b in BUNDLES if not b.exists()]
    npm = shutil.which("npm")
    if not FRONTEND.exists() or npm is None:
        why = "frontend/ is missing" if not FRONTEND.exists() else "npm is not on PATH"
        if missing:
            raise SystemExit(
                f"error: cannot bundle the front end ({why}); expected "
                f"{', '.join(missing)}. Install node and npm (20 or later) to build groundswell "
                "from source; installing the wheel needs neither."
            )
        print(f"warning: front-end bundles may be stale and cannot be rebuilt ({why})")
        return
    if not (FRONTEND / "node_modules").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True
        )
    subprocess.run([npm, "run", "--silent", "build"], cwd=FRONTEND, check=True)
    still = [str(b.relative_to(ROOT)) for b in BUNDLES if not b.exists()]
    if still:
        raise SystemExit(f"error: npm run build did not write {', '.join(still)}")


class BuildPy(build_py):
    """build_py that bundles the front end first (not for an editable install: there
    `make setup` bundles it, and the package is read from src/)."""

    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            build_frontend()
        super().run()


class Sdist(sdist):
    """sdist that bundles the front end first, so the archive carries the bundles too."""

    def run(self) -> None:
        build_frontend()
        super().run()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
