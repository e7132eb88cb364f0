"""One error tree (issue 14, point 5): every error groundswell raises on purpose is a class of
groundswell.errors carrying no HTTP status; the web layer maps each class to its status."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from groundswell import errors
from groundswell.web.errors import status_of

SRC = Path(errors.__file__).parent


def _python_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "static" not in p.parts)


def test_every_error_class_lives_in_errors_py_and_is_in_its_tree() -> None:
    elsewhere = []
    for path in _python_files():
        if path.name == "errors.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(b).endswith("Error") for b in node.bases
            ):  # (DryRun, ColdCache, _Refused are Exceptions for control flow, not errors)
                elsewhere.append(f"{path.relative_to(SRC)}: {node.name}")
    assert elsewhere == []
    tree = errors.__doc__ or ""
    classes = [
        name
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and issubclass(obj, errors.GroundswellError)
    ]
    assert [c for c in classes if c not in tree] == []


def test_no_error_carries_an_http_status() -> None:
    """No ``SomeError(message, 409)`` and no ``status`` attribute on a groundswell error."""
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func).endswith("Error")
                and any(
                    isinstance(a, ast.Constant)
                    and isinstance(a.value, int)
                    and 100 <= a.value < 600
                    for a in [*node.args, *(k.value for k in node.keywords)]
                )
            ):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert found == []
    for name, obj in vars(errors).items():
        if inspect.isclass(obj) and issubclass(obj, errors.GroundswellError):
            init = vars(obj).get("__init__")
            assert init is None or "status" not in inspect.signature(init).parameters, name


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.SignInError("sign in first"), 401),
        (errors.ForbiddenError("the viewer role may not see this"), 403),
        (errors.TooManyAttemptsError("try again in 15 minutes"), 429),
        (errors.SurveyNotFoundError("there is no survey 'x'"), 404),
        (errors.NotFoundError("there is no plan job 'x'"), 404),
        (errors.WorkspaceError("no person p_x in run 1"), 404),
        (errors.SurveyStateError("only a draft can be launched"), 409),
        (errors.ConflictError("a champion plan is already being computed"), 409),
        (errors.AnswerError("you named the same colleague twice"), 422),
        (errors.PlanError("quotas cannot be met with k=2"), 422),
        (errors.UnavailableError("no Chromium"), 503),
        (errors.SurveyError("a survey needs a name"), 400),
        (errors.ConfigError("min_group_size must be at least 2"), 400),
        (errors.ParameterError("k", "a whole number of at least 1", 0), 400),
    ],
)
def test_the_web_layer_maps_each_class_to_its_status(error, status) -> None:
    assert status_of(error) == status


def test_parameter_errors_say_which_parameter_what_is_allowed_and_what_was_given() -> None:
    err = errors.ParameterError("top", "a share between 0 and 1 (exclusive)", 2.0)
    assert str(err) == "The 'top' parameter must be a share between 0 and 1 (exclusive); got 2.0"
    assert isinstance(err, ValueError) and isinstance(err, errors.GroundswellError)
    assert str(errors.ParameterError("--by", "one of department, team", "x")) == (
        "--by must be one of department, team; got 'x'"
    )
