"""Following an open survey: response rates (small groups suppressed), who has not
answered, the nominations and the attribute answers stored so far."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.privacy import SUPPRESSED, suppressed_groups
from groundswell.survey.record import Survey, get

if TYPE_CHECKING:
    from groundswell.store import Store


def response_rate(ws: Store, survey: int | str | Survey) -> dict[str, Any]:
    """Response rate overall and by department, with small groups suppressed.

    A department with fewer invited people than ``privacy.min_group_size`` shows no figures;
    such departments are merged into one ``(suppressed)`` row without figures. When the
    suppressed departments hold fewer people than the minimum together (or too few to be
    told apart), the next smallest departments are suppressed too, so that the suppressed
    figures cannot be found by subtracting the shown departments from the total (secondary
    suppression, :func:`groundswell.privacy.suppressed_groups`). The overall
    figures are suppressed when fewer people than the minimum were invited.

    Returns ``{"invited", "started", "submitted", "rate", "departments": [{"department",
    "invited", "started", "submitted", "rate"}, ...]}`` (figures None where suppressed).
    """
    s = get(ws, survey)
    k = ws.settings.min_group_size
    df = ws.query(
        "SELECT coalesce(p.department, '(unknown)') AS department, count(*) AS invited, "
        "count(i.started_at) AS started, count(i.submitted_at) AS submitted "
        "FROM survey_invitations i LEFT JOIN people p USING (person_id) "
        "WHERE i.survey_id = ? GROUP BY 1 ORDER BY invited, department",
        [s.survey_id],
    )
    total = df[["invited", "started", "submitted"]].sum()
    invited = int(total["invited"])
    show_total = invited >= k
    out: dict[str, Any] = {
        "survey_id": s.survey_id,
        "status": s.status,
        "min_group_size": k,
        "invited": invited if show_total else None,
        "started": int(total["started"]) if show_total else None,
        "submitted": int(total["submitted"]) if show_total else None,
        "rate": (float(total["submitted"]) / invited if invited else None) if show_total else None,
    }
    # the privacy gate, with its secondary suppression (privacy.suppressed_groups)
    hidden = suppressed_groups(df.set_index("department")["invited"], k)
    small = df["department"].isin(hidden).to_numpy()
    rows = []
    for rec, hide in zip(df.to_dict("records"), small, strict=True):
        if hide:
            continue
        rows.append(
            {
                "department": rec["department"],
                "invited": int(rec["invited"]),
                "started": int(rec["started"]),
                "submitted": int(rec["submitted"]),
                "rate": rec["submitted"] / rec["invited"],
            }
        )
    rows.sort(key=lambda r: r["department"])
    if small.any():
        rows.append(
            {
                "department": SUPPRESSED,
                "invited": None,
                "started": None,
                "submitted": None,
                "rate": None,
            }
        )
    out["departments"] = rows
    return out


def nonrespondents(ws: Store, survey: int | str | Survey) -> pd.DataFrame:
    """Who has not submitted (for admins only): person_id, display_name (identified
    workspaces only), department, started (saved some answers), reminders, last_sent_at."""
    s = get(ws, survey)
    df = ws.query(
        "SELECT i.person_id, p.display_name, p.department, i.started_at IS NOT NULL AS started, "
        "i.reminders, i.last_sent_at FROM survey_invitations i LEFT JOIN people p "
        "USING (person_id) WHERE i.survey_id = ? AND i.submitted_at IS NULL "
        "ORDER BY p.department, p.display_name, i.person_id",
        [s.survey_id],
    )
    if not ws.settings.identified:
        df["display_name"] = None
    return df


def answers(ws: Store, survey: int | str | Survey) -> pd.DataFrame:
    """Every nomination stored: respondent, nominee (person ids), question (slug), strength,
    timestamp — the columns :mod:`groundswell.ingest.survey` reads."""
    s = get(ws, survey)
    return ws.query(
        "SELECT person_id AS respondent, nominee_id AS nominee, slug AS question, strength, "
        "answered_at AS timestamp FROM survey_responses WHERE survey_id = ? "
        "ORDER BY respondent, question, nominee",
        [s.survey_id],
    )


def attribute_summary(ws: Store, survey: int | str | Survey) -> pd.DataFrame:
    """Attribute questions: answers, mean and the count of each value; suppressed (all None)
    for a question with fewer answers than ``privacy.min_group_size``."""
    s = get(ws, survey)
    k = ws.settings.min_group_size
    rows = []
    for q in s.questions:
        if q.is_nomination:
            continue
        vals = [
            r[0]
            for r in ws.con.execute(
                "SELECT value FROM survey_attribute_answers WHERE survey_id = ? AND slug = ?",
                [s.survey_id, q.slug],
            ).fetchall()
        ]
        shown = len(vals) >= k
        row: dict[str, Any] = {
            "question": q.slug,
            "answers": len(vals) if shown else None,
            "mean": sum(vals) / len(vals) if shown else None,
        }
        for v in range(1, (q.scale or 0) + 1):
            row[str(v)] = vals.count(v) if shown else None
        rows.append(row)
    return pd.DataFrame(rows)
