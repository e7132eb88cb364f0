"""People outside ``ingest.internal_domains`` among the raw identifiers of a file that keeps
no people of its own (events, survey answers).

Such readers store only pseudonyms: the domain of an address is gone after ingest, so it is
decided here, before hashing. Each address outside the organisation's domains gets a people
row, ``is_internal`` false (added only when the person is not known yet, as chat exports
add theirs; an HR file that lists them later wins). Addresses inside the domains need no
row: a person with no row is internal until an HR file says who is employed. Identifiers
that are not addresses (HR ids, chat ids) say nothing about the organisation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.ingest.email.frames import is_internal

if TYPE_CHECKING:
    from groundswell.store import Store


def outside_rows(ws: Store, raw: np.ndarray | pd.Series) -> pd.DataFrame:
    """People rows (person_id, is_internal false) for the addresses of ``raw`` whose domain is
    not one of the workspace's internal domains; none without internal domains."""
    domains = ws.settings.internal_domains
    cols = ["person_id", "is_internal"]
    if not domains or not len(raw):
        return pd.DataFrame(columns=cols)
    addrs = pd.Series(pd.unique(np.asarray(raw, dtype=object)), dtype="string").str.strip()
    addrs = addrs[addrs.str.contains("@", regex=False).fillna(False)].str.lower()
    if addrs.empty:
        return pd.DataFrame(columns=cols)
    outside = addrs[~is_internal(addrs, domains)]
    return pd.DataFrame(
        {"person_id": ws.pseudonymiser.people(outside), "is_internal": False}
    ).drop_duplicates("person_id")


def insert(con: object, rows: pd.DataFrame, sid: int) -> int:
    """Insert ``rows`` of :func:`outside_rows` for people not known yet (no people row, and
    not another person's alias); returns how many were added."""
    if rows.empty:
        return 0
    new = rows  # noqa: F841 (read by the query)
    before = con.execute("SELECT count(*) FROM people").fetchall()[0][0]  # type: ignore[attr-defined]
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO people (person_id, is_internal, source_id) "
        "SELECT DISTINCT person_id, is_internal, ? FROM new WHERE person_id NOT IN "
        "(SELECT person_id FROM people) AND person_id NOT IN (SELECT alias_id FROM aliases)",
        [sid],
    )
    after = con.execute("SELECT count(*) FROM people").fetchall()[0][0]  # type: ignore[attr-defined]
    return int(after - before)
