"""The report of a workspace where no initiative was ever measured (found by the scale run of
issue 20: an empty ``initiatives`` table made the traction section fail with KeyError)."""

from __future__ import annotations

from types import SimpleNamespace

import groundswell as gs
from groundswell.report.traction_section import traction_context


def test_traction_section_is_empty_without_initiatives(tmp_path) -> None:
    with gs.init(tmp_path / "ws") as ws:
        assert traction_context(SimpleNamespace(ws=ws)) == {"initiatives": []}  # type: ignore[arg-type]
