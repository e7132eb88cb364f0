"""Command-line values of the plain kinds coerced without loading pydantic.

typer (0.29) turns each command-line value into its parameter's type through a pydantic
``TypeAdapter`` built for the parameter when the command runs, so every command loaded
pydantic (about 0.09 s of CPU, the largest import left that ``analyze`` did not need
otherwise; docs/performance.md, "Command-line start-up"). :func:`install` has typer's
parameters build that adapter only when a value needs it: a ``str`` given as a ``str`` is
that ``str``, a ``list[str]`` given as strings is their list, a ``Path`` given as a ``str``
that ``Path`` writes back the same (``acme``, not ``acme/``) is typer's own path coercion
(existence and the like) of ``Path(value)``, and a missing value is ``None`` (or ``()``) as
before — what typer's adapters make of the same values.
Anything else (numbers, choices, parsers, files) is handed to typer's adapter as before.

tests/test_cli_coercion.py checks every parameter of every command against typer's own
coercion on the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import _coercion, core
from typer._param_types import coerce_cli_path

#: a value :func:`_plain` does not coerce (typer's adapter does)
NOT_PLAIN = object()


def _plain(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """``value`` coerced as typer's adapter would, for the plain kinds; else NOT_PLAIN."""
    if info.parser is not None:
        return NOT_PLAIN
    if annotation is str and type(value) is str:
        return value  # _parse_cli_str, then pydantic's str: the same str
    if (
        get_origin(annotation) is list
        and get_args(annotation) == (str,)
        and type(value) in (tuple, list)
        and all(type(v) is str for v in value)
    ):
        return list(value)
    if annotation is Path and info.path_type in (None, Path) and type(value) is str:
        path = Path(value)
        if str(path) == value:  # typer's messages name the value as given: the same text
            return coerce_cli_path(path, info, path_type=Path, param=param, ctx=ctx)
    return NOT_PLAIN


@dataclass(frozen=True)
class Deferred(_coercion.RuntimeParam):
    """typer's coercion of one parameter, its pydantic adapter built on first need."""

    descriptor: Any

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        done = _plain(self.annotation, self.parameter_info, value, param, ctx)
        if done is not NOT_PLAIN:
            return done
        if param._deferred_to is None:
            param._deferred_to = _coercion.build_runtime_param(self.descriptor)
        return param._deferred_to._coerce_value(value, param=param, ctx=ctx)


def _runtime_param(self: Any) -> _coercion.RuntimeParam:
    """typer's ``_TyperParameter.get_runtime_param``, the adapter deferred."""
    if self._runtime_param is None:
        desc = self.type_descriptor
        if desc.file_annotation is not None:  # typer's files: no pydantic either
            self._runtime_param = _coercion.build_runtime_param(desc)
        else:
            self._runtime_param = Deferred(
                parameter_info=desc.parameter_info, annotation=desc.annotation, descriptor=desc
            )
    return self._runtime_param


def install() -> None:
    """Have typer's parameters coerce the plain kinds of value without pydantic (the command
    line's process only: :mod:`groundswell.cli` calls it)."""
    core._TyperParameter._deferred_to = None  # type: ignore[attr-defined]
    core._TyperParameter.get_runtime_param = _runtime_param  # type: ignore[method-assign]
