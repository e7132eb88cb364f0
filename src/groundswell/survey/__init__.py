"""The relationship survey: ask people whom they turn to (docs/survey.md).

- :mod:`.questions`: question kinds, customary wording, validation, questions files;
- :mod:`.model`: create, launch (personal links), response rate, reminders, close;
- :mod:`.respond`: what a personal link may do: search the roster, save, submit;
- :mod:`.mail`: the ``[survey]`` settings and SMTP sending;
- :mod:`.comparison`: the survey layers against the digital layer;
- :mod:`.web`: the respondent form and admin pages (FastAPI router, :func:`.web.mount`);
- :mod:`.cli`: ``groundswell survey ...``.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from groundswell.survey.comparison import Comparison, compare
    from groundswell.survey.model import (
        Link,
        Survey,
        SurveyError,
        close,
        create,
        get,
        launch,
        list_surveys,
        nonrespondents,
        remind,
        response_rate,
        roster,
        write_links,
    )
    from groundswell.survey.questions import Question, question

__all__ = [
    "Comparison",
    "Link",
    "Question",
    "Survey",
    "SurveyError",
    "close",
    "compare",
    "create",
    "get",
    "launch",
    "list_surveys",
    "nonrespondents",
    "question",
    "remind",
    "response_rate",
    "roster",
    "write_links",
]

#: each name's module, imported on first use (``groundswell --help`` loads no pandas)
_LAZY = {
    **dict.fromkeys(("Comparison", "compare"), "comparison"),
    **dict.fromkeys(("Question", "question"), "questions"),
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'groundswell.survey' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f"groundswell.survey.{_LAZY.get(name, 'model')}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:  # the public names, loaded or not, and no helper
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})
