"""The survey beside the digital network is computed by the command that produces it and
stored with the run; the dashboard reads it (issue 14, point 2). Closing a survey stores its
comparison with the latest run; analyze stores every closed survey's with the new run; the
dashboard's store computes none (before, it ran ``comparison.compare`` on request)."""

from __future__ import annotations

import pytest

from groundswell.survey import comparison, model
from groundswell.web.views import Views
from tests.survey.conftest import person
from tests.survey.test_model import _answer_all, launched  # noqa: F401 (a fixture)


def _boom(*args: object, **kwargs: object) -> None:
    raise AssertionError("the dashboard computed the survey comparison")


def test_the_dashboard_reads_the_comparison_stored_by_closing_and_analyze(
    launched,  # noqa: F811
    events_file,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws, s, links = launched
    _answer_all(ws, s, links)
    rows = []
    for a, t in [("E01", "E02"), ("E01", "E05"), ("E04", "E05")]:
        for day in (4, 5):
            rows.append([f"e{a[1:]}@x.com", f"e{t[1:]}@x.com", f"2024-03-{day:02d}T10:00:00", "dm"])
    ws.ingest_events(events_file(rows))
    early = ws.analyze("2024-03-01:2024-03-15").run_id
    latest = ws.analyze("2024-03-01:2024-03-31")  # both made while the survey is open
    assert comparison.stored_key(s.survey_id) not in latest.findings()
    model.close(ws, s)  # stores the comparison with the latest run
    expected = comparison.compare(ws, s, window=latest.window)
    stored = latest.findings()[comparison.stored_key(s.survey_id)]
    assert [r["jaccard"] for r in stored["overlap"]] == pytest.approx(
        list(expected.overlap["jaccard"])
    )
    assert len(stored["hidden"]) == len(expected.hidden) > 0
    e05 = person(ws, "E05")
    ws.close()

    store = Views(ws.folder)
    try:
        with monkeypatch.context() as m:
            m.setattr(comparison, "compare", _boom)
            answer = store.survey_beside(latest.run_id, s.survey_id, people=True)
            assert answer["problem"] is None and answer["window"] == stored["window"]
            assert [o["jaccard"] for o in answer["overlap"]] == [
                r["jaccard"] for r in stored["overlap"]
            ]
            assert answer["hidden_count"] == len(expected.hidden)
            assert e05 in {h["person_id"] for h in answer["hidden"]}
            # a run made before the survey closed has none: it says so, and computes nothing
            older = store.survey_beside(early, s.survey_id)
            assert "re-run analyze" in older["problem"] and "overlap" not in older
        ws2 = store.ws()
        again = ws2.analyze("2024-03-01:2024-03-15")  # analyze stores every closed survey
        assert comparison.stored_key(s.survey_id) in again.findings()
        with monkeypatch.context() as m:
            m.setattr(comparison, "compare", _boom)
            assert store.survey_beside(again.run_id, s.survey_id)["problem"] is None
    finally:
        store.close()
