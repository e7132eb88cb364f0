"""Every error groundswell raises on purpose.

The tree::

    GroundswellError                 base class; the CLI prints its message and exits 1
    ├── WorkspaceError               no workspace here, wrong schema version, already exists
    │   └── OutdatedRunError         a run made before the result asked for was stored
    ├── ConfigError                  groundswell.toml or a command option is not valid
    │   └── ParameterError           a parameter's value is not allowed (also a ValueError)
    ├── InputError                   a file being ingested is malformed (names file, record)
    │   └── MappingError             a column mapping names a column the file does not have
    ├── AnalysisError                the data cannot support the analysis asked for
    │   └── PlanError                a champion plan's constraints cannot be met
    ├── NotFoundError                a named thing (a survey, a question, a plan job) does not exist
    ├── ConflictError                not allowed in the current state (a plan already running)
    ├── UnavailableError             a service a command needs is missing or busy (Chromium)
    ├── SurveyError                  a survey operation or answer that is not allowed
    │   ├── SurveyNotFoundError      no such survey or question (also a NotFoundError)
    │   ├── SurveyStateError         not in this survey's state: launch a draft only, ...
    │   │                            (also a ConflictError)
    │   └── AnswerError              an answer that is not valid
    └── AuthError                    who may do what, in the web app's accounts
        ├── SignInError              not signed in, or a wrong username or password
        ├── ForbiddenError           signed in, but this account may not do it
        └── TooManyAttemptsError     too many failed sign-ins; try again later

The errors carry no HTTP status: the web layer maps each class to one
(:func:`groundswell.web.errors.status_of`), the CLI prints any of them as one ``error:`` line
and exits 1 (:func:`groundswell.console.reports_errors`).
"""

from __future__ import annotations

from pathlib import Path


class GroundswellError(Exception):
    """Base class of every error raised on purpose by groundswell."""


class WorkspaceError(GroundswellError):
    """The workspace is missing, incompatible, or would be overwritten."""


class OutdatedRunError(WorkspaceError):
    """A run made by an older groundswell lacks a result that runs now store (the group
    ties, the role overlap, the shadow organisation): analyze again to make one that has it."""


class ConfigError(GroundswellError):
    """A setting or option has a value that is not allowed."""


class ParameterError(ConfigError, ValueError):
    """A parameter (a keyword argument, a command-line option) has a value that is not allowed.

    The message names the parameter, what is allowed and what was given, as scikit-learn's
    ``InvalidParameterError`` does: ``The 'top' parameter must be a share between 0 and 1
    (exclusive); got 2.0`` for a keyword, ``--role must be one of ...; got 'wizard'`` for a
    command-line option (a ``parameter`` starting with ``-``). It is also a
    :class:`ValueError`, so code that caught the bare ``ValueError`` still catches it.
    """

    def __init__(self, parameter: str, allowed: str, given: object) -> None:
        self.parameter = parameter
        self.allowed = allowed
        self.given = given
        name = parameter if parameter.startswith("-") else f"The {parameter!r} parameter"
        super().__init__(f"{name} must be {allowed}; got {given!r}")


class InputError(GroundswellError):
    """A file being ingested is malformed.

    The message always names the file, the record (line number as a text editor counts it,
    header included) when there is one, what was expected and what was found.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        line: int | None = None,
        expected: str | None = None,
        found: object = None,
        unit: str = "line",
    ) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.expected = expected
        self.found = found
        where = self.path if line is None else f"{self.path}, {unit} {line}"
        msg = f"{where}: {problem}"
        if expected is not None:
            msg += f"; expected {expected}"
        if found is not None:
            msg += f", found {found!r}"
        super().__init__(msg)


class MappingError(InputError):
    """A column mapping names a column that is not in the file."""


class AnalysisError(GroundswellError):
    """The data cannot support the requested analysis."""


class PlanError(AnalysisError):
    """A champion plan's constraints (k, quotas, people to include or exclude) cannot be met."""


class NotFoundError(GroundswellError):
    """A named thing asked for (a survey, a question, a plan job) does not exist."""


class ConflictError(GroundswellError):
    """The operation is not allowed in the current state (a champion plan already being
    computed, a survey no longer a draft)."""


class UnavailableError(GroundswellError):
    """A service the operation needs is missing or busy (Chromium for a PDF)."""


class SurveyError(GroundswellError):
    """A survey operation that is not allowed now, or an answer that is not valid."""


class SurveyNotFoundError(SurveyError, NotFoundError):
    """No survey of that name or id, or no such question in the survey."""


class SurveyStateError(SurveyError, ConflictError):
    """Not allowed in the survey's state: only a draft is launched, only an open survey takes
    answers or reminders, a draft cannot be closed."""


class AnswerError(SurveyError):
    """A respondent's answer that is not valid (a colleague named twice, a value out of
    range); the message says what to change."""


class AuthError(GroundswellError):
    """Who may do what in the web app: not signed in, a wrong password, a forbidden page."""


class SignInError(AuthError):
    """Not signed in (or the session expired), or a wrong username or password."""


class ForbiddenError(AuthError):
    """Signed in, but this account's role or person may not do it (a missing CSRF token, a
    cross-site request, another person's view)."""


class TooManyAttemptsError(AuthError):
    """Too many failed sign-ins for an account or from an address; try again later."""
