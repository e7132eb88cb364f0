"""Relationship survey results: who named whom, for which question.

One row per answer (a respondent naming one person for one question). Recognised fields
(column names compared case- and punctuation-insensitively; ``mapping`` or
``[mapping.survey]`` in groundswell.toml names other columns):

==========  ====================================================  ===========================
field       meaning                                               recognised column names
==========  ====================================================  ===========================
respondent  who answered: any identifier (HR id, email, chat id)  ego, from, rater, source
nominee     whom they named (same kinds of identifier)            alter, to, target, named
question    the question; its slug names the layer                item, prompt, relation
strength    how strongly (a number > 0; empty = 1.0)              weight, value, score
timestamp   when the answer was given (ISO 8601)                  date, ts, time, submitted
==========  ====================================================  ===========================

``respondent`` and ``nominee`` are required; ``question`` is required unless the ``question``
option names the one question of the whole file (giving both is an error); ``timestamp`` is
required unless the ``date`` option gives the date of the survey (a survey is a snapshot: the
tie rules use every nomination whatever the analysis window, so the date matters for
provenance, for telling waves apart and for who was employed).
Cells of the timestamp column left empty take the ``date`` option, or are an error without it.
The file's modification time is never used: copying a file would change the data.

Each answer becomes one message (author = respondent, kind ``survey:<slug>``) and one
interaction respondent -> nominee of kind ``survey:<slug>`` with weight = strength. The slug is
the question lower-cased with every run of characters outside ``[a-z0-9]`` replaced by ``_``
("Who do you go to for advice?" -> ``who_do_you_go_to_for_advice``; "advice" -> ``advice``).
Identifiers are pseudonymised as the source gives them; aliases (an HR file mapping emails to
employee ids) resolve them to people. The message id is a keyed hash of (respondent, slug,
nominee, answer date), so the same answers ingested again add nothing while a later wave of
the same survey is kept apart.

Skipped, with a reason: rows without respondent ("no respondent") or nominee ("no nominee": the
person answered but named nobody), self-nominations ("self-nomination"), and repeats of an
answer already in the file for the same respondent, question, nominee and date ("duplicate
answer": the first is kept). Errors (naming the line): a strength that is not a number > 0, an
unreadable timestamp, a question whose slug is empty. Any other column is ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common, domains
from groundswell.ingest.tables import decimal_commas
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

KIND = "survey"

FIELDS: dict[str, tuple[str, ...]] = {
    "respondent": ("ego", "from", "rater", "source", "respondentid", "egoid", "fromid"),
    "nominee": ("alter", "to", "target", "named", "nomineeid", "alterid", "toid"),
    "question": ("item", "prompt", "relation", "questionid", "network"),
    "strength": ("weight", "value", "score", "intensity"),
    "timestamp": ("date", "ts", "time", "datetime", "submitted", "submittedat", "answeredat"),
}


def slug(question: str) -> str:
    """The layer name of a question: lower case, runs of other characters as ``_``.

    >>> slug("Who do you go to for ADVICE?")
    'who_do_you_go_to_for_advice'
    """
    return re.sub(r"[^a-z0-9]+", "_", question.lower()).strip("_")


def ingest(
    ws: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    question: str | None = None,
    date: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load relationship survey answers as ``survey:<question>`` interactions; one transaction.

    Parameters
    ----------
    ws
        The workspace written to.
    path
        The answers (.csv, .tsv or .parquet), one row per nomination.
    mapping
        Canonical field -> column of the file, over ``[mapping.survey]`` in the settings.
    question
        The question of every row, for a file without a question column.
    date
        The survey's date (ISO 8601), for a file without a timestamp column or with empty
        timestamp cells.
    delimiter, encoding
        The CSV's delimiter and encoding, when not as detected (:mod:`.tables`).
    progress
        Show a progress bar on a terminal.
    dry_run
        Read, check and summarise; write nothing.
    """
    path = Path(path)
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("survey"), **(mapping or {})}
        options: dict[str, Any] = {"mapping": mapping, "question": question, "date": date}
        bar.step("reading the file")
        opened = common.open_table(
            ws, path, KIND, options, each="nomination", delimiter=delimiter, encoding=encoding
        )
        if isinstance(opened, common.IngestSummary):
            return opened
        df, summary = opened.df, opened.summary
        cols = common.columns_or_option(
            path,
            list(df.columns),
            FIELDS,
            ("respondent", "nominee", "question"),
            mapping,
            field="question",
            option=question,
        )
        if "timestamp" not in cols and date is None:
            raise InputError(
                path,
                "no timestamp column and no survey date",
                expected="a column named like timestamp or date, or the date option "
                "(e.g. --date 2024-03-31)",
                found=list(df.columns),
            )
        bounds = common.date_bounds(ws.settings)
        default_ts = (
            _survey_date(path, date, bounds, ws.settings.dayfirst) if date is not None else None
        )

        resp = common.text_column(df, cols["respondent"])
        nom = common.text_column(df, cols["nominee"])
        if "question" in cols:
            q = common.text_column(df, cols["question"])
        else:
            q = pd.Series([question] * len(df), dtype="string")
        slugs = q.str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
        no_resp = (resp == "").to_numpy()
        no_nom = (nom == "").to_numpy() & ~no_resp
        bad_q = (slugs == "").to_numpy() & ~(no_resp | no_nom)
        if bad_q.any():
            k = int(np.flatnonzero(bad_q)[0])
            raise InputError(
                path,
                "a question without letters or digits",
                expected="a question such as 'advice' or 'Who do you go to for advice?'",
                found=q.iloc[k],
                **common.locate(path, k),
            )
        summary.skipped["no respondent"] += int(no_resp.sum())
        summary.skipped["no nominee"] += int(no_nom.sum())
        ok = ~(no_resp | no_nom)

        strength = _strengths(path, df, cols.get("strength"), ok)
        if "timestamp" in cols:
            ts, _ = common.dated_column(
                path,
                df[cols["timestamp"]],
                "timestamp",
                summary,
                ws.settings,
                bounds=bounds,
                needed=ok,
                default=default_ts,
                empty=(
                    "empty timestamp",
                    "a timestamp on every row, or the date option for the empty ones",
                ),
            )
            ts = ts.fillna(pd.Timestamp(0, tz="UTC"))  # rows skipped without one
        else:
            ts = pd.Series([default_ts] * len(df), dtype="datetime64[ns, UTC]")

        r_norm = resp.str.lower().to_numpy()
        n_norm = nom.str.lower().to_numpy()
        self_nom = ok & (r_norm == n_norm)
        summary.skipped["self-nomination"] += int(self_nom.sum())
        ok &= ~self_nom
        day = ts.dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(dtype=object)
        key = (
            "survey\x1f"
            + r_norm.astype(object)
            + "\x1f"
            + slugs.to_numpy(dtype=object)
            + "\x1f"
            + n_norm.astype(object)
            + "\x1f"
            + day
        )
        dup = ok & pd.Series(np.where(ok, key, None)).duplicated().to_numpy()
        summary.skipped["duplicate answer"] += int(dup.sum())
        ok &= ~dup
        summary.skipped = +summary.skipped

        bar.step("pseudonymising")
        pseudo = ws.pseudonymiser
        kind = ("survey:" + slugs[ok]).to_numpy(dtype=object)
        messages = pd.DataFrame(
            {
                "message_id": pseudo.messages(pd.Series(key[ok], dtype="string")),
                "channel_id": None,
                "thread_id": None,
                "parent_id": None,
                "author_id": pseudo.people(resp[ok]),
                "ts": ts[ok].array,
                "kind": kind,
                "n_recipients": 1,
                "is_question": False,
                "is_bot": False,
                "text": None,
            }
        )
        targets = pd.DataFrame(
            {
                "message_id": messages["message_id"],
                "target_id": pseudo.people(nom[ok]),
                "kind": kind,
            }
        )
        inter = batch.interactions(messages, targets)
        w = pd.Series(strength[ok], index=messages["message_id"].to_numpy())
        inter["weight"] = inter["message_id"].map(w).astype("float64").to_numpy()

        bar.step("storing")
        outside = domains.outside_rows(ws, np.concatenate([resp[ok], nom[ok]]))
        out = batch.Batch(
            messages=messages, interactions=inter, people=outside if len(outside) else None
        )
        done = batch.write(ws, out, summary, opened.sha, opened.options, dry_run=dry_run)
        if len(outside):  # the people the answers name, as without outsiders
            done.people = int(pd.concat([messages["author_id"], targets["target_id"]]).nunique())
        return done


def _survey_date(path: Path, date: str, bounds: common.DateBounds, dayfirst: bool) -> pd.Timestamp:
    try:
        parsed = common.parse_dates(
            path,
            pd.Series([date]),
            "date option",
            utc_time=True,
            bounds=bounds,
            dayfirst=dayfirst,
        )
    except InputError as exc:  # an option has no line in the file
        raise InputError(path, exc.problem, expected=exc.expected, found=exc.found) from None
    value = parsed.iloc[0]
    if pd.isna(value):
        raise InputError(path, "empty date option", expected="an ISO 8601 date such as 2024-03-31")
    return value


def _strengths(path: Path, df: pd.DataFrame, col: str | None, ok: np.ndarray) -> np.ndarray:
    """Strength of every answer: a number > 0, 1.0 when the cell is empty or there is no column."""
    if col is None:
        return np.ones(len(df))
    values = df[col]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        num = values.astype("float64").to_numpy()
        empty = np.isnan(num)
    else:
        text = values.astype("string").fillna("").str.strip()
        empty = (text == "").to_numpy()
        text = decimal_commas(text)
        num = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64").to_numpy()
    bad = ok & ~empty & ~(np.isfinite(num) & (num > 0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            "unreadable strength",
            expected="a number greater than 0 (or an empty cell for 1)",
            found=values.iloc[k],
            **common.locate(path, k),
        )
    return np.where(empty, 1.0, num)
