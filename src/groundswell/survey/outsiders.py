"""Outside respondents of a relationship survey: customers, suppliers and partners invited by
email, as the consultants' surveys reach "the employees and a sample of the customer base".

An *external respondents file* is a CSV or Parquet file with a column ``email`` and,
optionally, a column ``relation`` (customer, supplier, partner or external; customer when
absent or empty). Each address becomes a person keyed as an ingest would key it (keyed hash,
then aliases), marked outside the organisation (``is_internal`` false, ``relation``), and is
invited beside the internal roster: they name the employees they work with, and their
answers are external ties (:mod:`groundswell.analysis.external`). The addresses are used to
send the links and never stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import common

if TYPE_CHECKING:
    import duckdb

    from groundswell.store import Store

RELATIONS = ("customer", "supplier", "partner", "external")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def read(ws: Store, path: str | Path) -> pd.DataFrame:
    """The outside respondents of ``path``: person_id, relation, email (one row per person);
    an address or relation that does not read is one InputError naming its line."""
    path = Path(path)
    table = common.read_table(path)
    cols = {c.strip().lower(): c for c in table.columns}
    if "email" not in cols:
        raise InputError(
            path, "no email column", expected="a column named email", found=list(table.columns)
        )
    email = table[cols["email"]].astype("string").fillna("").str.strip()
    bad = ~email.str.contains(_EMAIL, regex=True)
    if bad.any():
        k = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            path, "not an email address", expected="name@domain", found=email.iloc[k],
            **common.locate(path, k),
        )  # fmt: skip
    relation = pd.Series(["customer"] * len(table), dtype="string")
    if "relation" in cols:
        given = table[cols["relation"]].astype("string").fillna("").str.strip().str.lower()
        relation = given.where(given != "", "customer")
        wrong = ~relation.isin(RELATIONS)
        if wrong.any():
            k = int(wrong.to_numpy().nonzero()[0][0])
            raise InputError(
                path, "unknown relation", expected=" or ".join(RELATIONS),
                found=table[cols["relation"]].iloc[k], **common.locate(path, k),
            )  # fmt: skip
    ids = pd.Series(ws.pseudonymiser.people(email), dtype=object)
    aliases = dict(ws.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
    out = pd.DataFrame(
        {
            "person_id": ids.map(lambda i: aliases.get(i, i)).to_numpy(),
            "relation": relation.to_numpy(),
            "email": email.to_numpy(),
            "raw_id": ids.to_numpy(),
        }
    )
    out.attrs["path"], out.attrs["sha256"] = str(path), common.sha256_file(path)
    return out.drop_duplicates("person_id").reset_index(drop=True)


def store(con: duckdb.DuckDBPyConnection, outside: pd.DataFrame) -> None:
    """Inside the launch's transaction: a people row (not internal, with its relation) for
    each outside respondent not in ``people`` yet, under a provenance row of kind
    ``survey_external`` (no address is stored: the people row is keyed by the hash)."""
    sid = int(con.execute("SELECT nextval('source_seq')").fetchall()[0][0])
    new = outside[["person_id", "relation"]]  # noqa: F841 (read by the query below)
    added = con.execute(
        "INSERT INTO people (person_id, is_internal, relation, source_id) "
        "SELECT person_id, false, relation, ? FROM new "
        "WHERE person_id NOT IN (SELECT person_id FROM people)",
        [sid],
    ).fetchall()
    n = int(added[0][0]) if added else 0
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sid, "survey_external", outside.attrs.get("path", ""),
            outside.attrs.get("sha256", ""), json.dumps({}), len(outside), 0, json.dumps({}),
            n, 0, 0, datetime.now(UTC),
        ],
    )  # fmt: skip
