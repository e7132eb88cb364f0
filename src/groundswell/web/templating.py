"""The Jinja2 environment of every web page: the dashboard's and the survey's.

Starlette's ``Jinja2Templates(directory=...)`` switches autoescaping on only for template
names ending in ``.html``, ``.htm`` or ``.xml`` (:func:`jinja2.select_autoescape`'s
default); ours end in ``.j2``, so a name or a department holding ``<script>`` would have
gone into the page as markup. :func:`templates` builds the environment with
``autoescape=True`` whatever the template's name: every ``{{ value }}`` is escaped, and
only a :class:`markupsafe.Markup` (which no template makes from data) passes through.
JSON goes into a page with the ``tojson`` filter, which escapes ``<``, ``>``, ``&`` and
``'`` (and ``json.dumps`` escapes U+2028 and U+2029), never with ``|safe``.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from groundswell import words
from groundswell._bytecode import template_cache


def environment(directory: str | Path) -> jinja2.Environment:
    """A Jinja2 environment over the templates in ``directory``, autoescaping every one,
    with :mod:`groundswell.words` as ``words`` (counts with the right plural)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=True,
        bytecode_cache=template_cache(),
    )
    env.globals["words"] = words
    return env


def templates(directory: str | Path) -> Jinja2Templates:
    """Starlette's template renderer over :func:`environment` of ``directory``."""
    return Jinja2Templates(env=environment(directory))


__all__ = ["environment", "templates"]
