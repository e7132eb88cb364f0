"""The store's cached-only reads: the busiest routes run on the event loop only when the
run's tables are cached (``Views.cached_only`` raises ``ColdCache`` otherwise), and give the
same answer either way."""

from __future__ import annotations

import pytest

from groundswell.web.views import ColdCache, Views
from tests.web.conftest import WebWorkspace


def test_cached_only_reads_refuse_cold_tables_and_agree_with_plain_reads(
    web_ws: WebWorkspace,
) -> None:
    store = Views(web_ws.path)
    try:
        pid = web_ws.other_id
        with pytest.raises(ColdCache), store.cached_only():
            store.person(None, pid)  # nothing cached yet: the latest run is not even known
        plain = store.person(None, pid, names=True), store.ego(None, pid), store.overview()
        with store.cached_only():
            cached = store.person(None, pid, names=True), store.ego(None, pid), store.overview()
        assert cached == plain
        assert plain[0]["rank"]["pagerank"] == 1  # other_id is the most central person
        store.invalidate()
        with pytest.raises(ColdCache), store.cached_only():
            store.ego(None, pid)
    finally:
        store.close()
