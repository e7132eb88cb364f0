"""A relationship survey's life: create, launch, follow, remind, close.

``create`` stores the questions (a draft); ``launch`` fixes the roster — every person in
``people`` who is internal and has no ``leave_date`` in the past — and issues one personal
link per person. A link is ``BASE_URL/s/TOKEN`` with ``TOKEN = secrets.token_urlsafe(32)``
(256 bits); only its SHA-256 is stored, so the links exist in clear only in what ``launch``
and ``remind`` return (the CSV, the emails). Each reminder issues a fresh link to each person
who has not submitted; earlier links keep working until the survey closes.

``close`` turns every nomination into one message and one interaction of kind
``survey:<slug>`` through :func:`groundswell.ingest.batch.write`, exactly as
:mod:`groundswell.ingest.survey` represents a file of the same answers (author = respondent,
``n_recipients`` 1, weight = strength, 1 without a scale; time = when the respondent saved
that question, to the second). Only the message ids differ: the file reader hashes the
identifiers as the file gives them, the survey hashes the pseudonyms it holds. Closing is
idempotent: a second ``close`` adds nothing.

Writes from the web app run in many threads; each is one short DuckDB transaction, serialised
by a process-wide lock (DuckDB's optimistic concurrency would otherwise abort one of two
transactions touching the same rows), and committed before the caller answers.

The code lives in one module per concept; this module is the public face and re-exports
them all: :mod:`.record` (the :class:`Survey` record; create, get, list), :mod:`.links`
(roster, launch, remind, the links CSV), :mod:`.following` (response rate, non-respondents,
answers) and :mod:`.closing` (close).
"""

from groundswell.errors import SurveyError
from groundswell.survey.closing import close
from groundswell.survey.following import answers, attribute_summary, nonrespondents, response_rate
from groundswell.survey.links import launch, mark_sent, remind, roster, write_links
from groundswell.survey.record import (
    KIND,
    STATUSES,
    Link,
    Survey,
    T,
    as_json,
    create,
    digest,
    get,
    list_surveys,
    now,
    retry,
    writing,
)

__all__ = [
    "KIND",
    "STATUSES",
    "Link",
    "Survey",
    "SurveyError",
    "T",
    "answers",
    "as_json",
    "attribute_summary",
    "close",
    "create",
    "digest",
    "get",
    "launch",
    "list_surveys",
    "mark_sent",
    "nonrespondents",
    "now",
    "remind",
    "response_rate",
    "retry",
    "roster",
    "write_links",
    "writing",
]
