"""Survey questions: the usual kinds with their customary wording, and their validation.

A *nomination* question asks a respondent to name colleagues ("whom do you go to for advice
on your work?"); each question becomes one layer ``survey:<slug>`` of ``interactions`` when
the survey closes. The kinds and wordings follow the relationship-survey literature: advice,
information, trust and collaboration networks (Cross & Parker 2004, *The Hidden Power of
Social Networks*, appendix), energy (Cross, Baker & Parker 2003, "What creates energy in
organizations?", MIT Sloan Management Review 44(4)), and the advice/friendship items of
Krackhardt (1987, *Social Networks* 9:109-134). ``custom`` is any other nomination question
("whom do you ask about pricing?").

An *attribute* question asks for one value on a scale 1..N about the respondent ("how
connected do you feel to other teams?"); it makes no tie. In a survey created with
``anonymous_attributes`` its answers are stored with no respondent at all (docs/survey.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from groundswell.config import parse_file
from groundswell.errors import ConfigError
from groundswell.ingest.survey import slug as make_slug

NOMINATION_KINDS = ("advice", "information", "trust", "energy", "collaboration", "custom")
KINDS = (*NOMINATION_KINDS, "attribute")
#: Largest allowed values, so that a form stays answerable.
MAX_NOMINATIONS_LIMIT = 50
MAX_SCALE = 10
MAX_TEXT = 300

#: The customary wording of each kind (custom and attribute questions bring their own).
DEFAULT_TEXT = {
    "advice": "Whom do you go to for advice on your work?",
    "information": "Whom do you go to for information you need to do your work?",
    "trust": "Whom do you trust to keep your best interests in mind?",
    "energy": "Who gives you energy when you interact with them?",
    "collaboration": "With whom have you worked closely in the last month?",
}
DEFAULT_HELP = {
    "advice": "Think of the people whose judgement you seek before a decision.",
    "information": "Facts, figures, how things are done: whoever you actually ask.",
    "trust": "People you could raise a difficult problem with.",
    "energy": "After talking with them you feel more enthusiastic about your work.",
    "collaboration": "Shared work, not just meetings you both attended.",
}
DEFAULT_MAX_NOMINATIONS = 10


@dataclass(frozen=True)
class Question:
    """One question of a survey.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    text : str
        The wording shown to respondents.
    slug : str
        The layer name (``survey:<slug>``); by default the kind for the usual kinds and the
        :func:`groundswell.ingest.survey.slug` of the text otherwise.
    max_nominations : int or None
        Most people a respondent may name (nomination questions; 1..50).
    scale : int or None
        Nominations: strength of each nomination 1..scale (None: every nomination weighs 1).
        Attribute: the answer is 1..scale (required, 2..10).
    scale_low, scale_high : str or None
        Labels of the two ends of the scale.
    help : str or None
        One line of guidance under the question.
    """

    kind: str
    text: str
    slug: str
    max_nominations: int | None = None
    scale: int | None = None
    scale_low: str | None = None
    scale_high: str | None = None
    help: str | None = None

    @property
    def is_nomination(self) -> bool:
        return self.kind in NOMINATION_KINDS

    @property
    def layer(self) -> str | None:
        """The interactions kind this question's answers become (None for attributes)."""
        return f"survey:{self.slug}" if self.is_nomination else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def question(
    kind: str,
    text: str | None = None,
    *,
    slug: str | None = None,
    max_nominations: int | None = None,
    scale: int | None = None,
    scale_low: str | None = None,
    scale_high: str | None = None,
    help: str | None = None,
) -> Question:
    """A validated question, with the customary wording and limits filled in.

    Raises ConfigError naming the field, what is allowed and what was given.
    """
    if kind not in KINDS:
        raise ConfigError(f"question kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if text is None or not str(text).strip():
        if kind not in DEFAULT_TEXT:
            raise ConfigError(f"a {kind} question needs its text (the wording respondents see)")
        text = DEFAULT_TEXT[kind]
        help = help if help is not None else DEFAULT_HELP[kind]
    text = " ".join(str(text).split())
    if len(text) > MAX_TEXT:
        raise ConfigError(f"question text must have at most {MAX_TEXT} characters; got {len(text)}")
    if slug is None:
        slug = kind if kind in DEFAULT_TEXT else make_slug(text)
    clean = make_slug(str(slug))
    if not clean or clean != slug:
        raise ConfigError(
            f"question slug must be lower-case letters, digits and _ (the layer name); "
            f"got {slug!r}" + (f" (perhaps {clean!r})" if clean else "")
        )
    if kind == "attribute":
        if max_nominations is not None:
            raise ConfigError(f"attribute question {slug!r}: max_nominations is for nominations")
        if not isinstance(scale, int) or isinstance(scale, bool) or not 2 <= scale <= MAX_SCALE:
            raise ConfigError(
                f"attribute question {slug!r}: scale must be an integer from 2 to {MAX_SCALE}; "
                f"got {scale!r}"
            )
    else:
        if max_nominations is None:
            max_nominations = DEFAULT_MAX_NOMINATIONS
        if (
            not isinstance(max_nominations, int)
            or isinstance(max_nominations, bool)
            or not 1 <= max_nominations <= MAX_NOMINATIONS_LIMIT
        ):
            raise ConfigError(
                f"question {slug!r}: max_nominations must be an integer from 1 to "
                f"{MAX_NOMINATIONS_LIMIT}; got {max_nominations!r}"
            )
        if scale is not None and (
            not isinstance(scale, int) or isinstance(scale, bool) or not 2 <= scale <= MAX_SCALE
        ):
            raise ConfigError(
                f"question {slug!r}: scale must be an integer from 2 to {MAX_SCALE}, or absent "
                f"for no strength; got {scale!r}"
            )
    return Question(kind, text, slug, max_nominations, scale, scale_low, scale_high, help)


def defaults() -> list[Question]:
    """The default questionnaire: advice, information, trust, energy, collaboration."""
    return [question(k) for k in DEFAULT_TEXT]


def parse(items: list[dict[str, Any]], where: str = "questions") -> list[Question]:
    """Questions from plain dicts (a TOML or JSON file's ``questions`` list)."""
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: expected a non-empty list of questions")
    allowed = {f for f in Question.__dataclass_fields__}
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: question {i} must be a table/object; got {item!r}")
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise ConfigError(
                f"{where}: question {i}: unknown field(s) {unknown}; expected some of "
                f"{sorted(allowed)}"
            )
        if "kind" not in item:
            raise ConfigError(f"{where}: question {i} has no kind ({', '.join(KINDS)})")
        try:
            out.append(question(**item))
        except ConfigError as exc:
            raise ConfigError(f"{where}: question {i}: {exc}") from None
    seen: set[str] = set()
    for q in out:
        if q.slug in seen:
            raise ConfigError(
                f"{where}: two questions share the slug {q.slug!r}; give one a slug of its own"
            )
        seen.add(q.slug)
    return out


def load(path: str | Path) -> tuple[list[Question], dict[str, Any]]:
    """Questions (and the survey options ``name``, ``anonymous_attributes``) from a TOML or
    JSON file: ``[[questions]]`` tables / a ``questions`` list, each with ``kind`` and
    optionally ``text``, ``slug``, ``max_nominations``, ``scale``, ``scale_low``,
    ``scale_high``, ``help``."""
    path = Path(path)
    kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
    try:
        data = parse_file(
            path, kind, "expected a list of questions, each a table of plain values, in UTF-8"
        )
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the questions file: {exc}") from None
    if not isinstance(data, dict) or "questions" not in data:
        raise ConfigError(f"{path}: expected a 'questions' list ([[questions]] in TOML)")
    extra = sorted(set(data) - {"questions", "name", "anonymous_attributes"})
    if extra:
        raise ConfigError(
            f"{path}: unknown key(s) {extra}; expected questions, name, anonymous_attributes"
        )
    options = {k: data[k] for k in ("name", "anonymous_attributes") if k in data}
    return parse(data["questions"], str(path)), options
