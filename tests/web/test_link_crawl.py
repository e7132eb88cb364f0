"""Every link answers (issue 17, point 5): crawl the dashboard as each role and follow every
same-origin link the pages show to that role; any answer other than 200 (after redirects) is
a broken link, or a link shown to a role that may not follow it.

Pages are found from the home page (and ``/me``) by their ``href`` attributes. To keep the
crawl short, at most :data:`PER_SHAPE` links are followed from pages of one shape to pages of
another (a shape is the path with every pseudonym and number replaced, without the query):
200 person pages add nothing that 25 do not, but every kind of page gets its links followed.
The two report downloads are left out (a PDF takes Chromium seconds; both are fetched in
tests/web/test_dashboard_browser.py).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, ROLES, WebWorkspace

PER_SHAPE = 25
SKIP = re.compile(r"^/api/runs/\d+/report(\.pdf)?$")
ORIGIN = "http://testserver"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def shape(path: str) -> str:
    path = re.sub(r"p_[a-z0-9]{10}", "{person}", path)
    return re.sub(r"/\d+(?=/|$)", "/{n}", path)


@pytest.fixture(scope="module")
def app(web_ws: WebWorkspace) -> Iterator[object]:
    application = create_app(web_ws.path)
    yield application


def crawl(client: TestClient, starts: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Status of every address reached, and the page each was first linked from."""
    seen: dict[str, int] = {}
    parent: dict[str, str] = {s: "(start)" for s in starts}
    shapes: Counter[tuple[str, str]] = Counter()
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        path = urlsplit(url).path
        key = (shape(urlsplit(parent[url]).path), shape(path))
        if shapes[key] >= PER_SHAPE or SKIP.match(path):
            continue
        shapes[key] += 1
        r = client.get(url, follow_redirects=True)
        seen[url] = r.status_code
        if r.status_code != 200 or "text/html" not in r.headers.get("content-type", ""):
            continue
        parser = _Links()
        parser.feed(r.text)
        for href in parser.links:
            full, _ = urldefrag(urljoin(ORIGIN + url, href))
            parts = urlsplit(full)
            if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
                continue  # another site: not ours to answer
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in parent:
                parent[target] = url
                queue.append(target)
    return seen, parent


@pytest.mark.parametrize("role", ROLES)
def test_every_link_answers_for_every_role(app, role) -> None:
    client = TestClient(app)
    r = client.post("/api/login", json={"username": role, "password": PASSWORD})
    assert r.status_code == 200, r.text
    seen, parent = crawl(client, ["/", "/me"] if role == "person" else ["/"])
    broken = {u: s for u, s in seen.items() if s != 200}
    assert not broken, "\n".join(f"{s} {u} (linked from {parent[u]})" for u, s in broken.items())
    pages = {shape(urlsplit(u).path) for u in seen if not u.startswith("/api/")}
    assert len(pages) >= (2 if role in ("person", "group_lead") else 12), sorted(pages)
