"""The canonical frames of the email read: messages, interactions (To, Cc, replies),
list channels and people (see :mod:`groundswell.ingest.email`), written a batch of messages
at a time inside the ingest's one transaction.

What the batches of one ingest share is bounded by the number of distinct people and lists,
never by the number of messages: the addresses seen and their first display names (the
people rows, written last), the lists (channels, written last), and the pseudonyms of the
people counted in the summary. What depends on messages of other batches is looked up in
DuckDB, in the messages written so far:

- a Message-ID already read in an earlier batch is skipped as "duplicate Message-ID in the
  input" (a message the workspace held before the ingest is remembered in the temporary
  table ``em_old`` the first time it is read, so that a second copy is a duplicate too);
- a reply's parent is the first of its candidates (In-Reply-To, then References from the
  last) whose message is in the input or the workspace. When the first candidate is known
  when its batch is written (an earlier message, one of the same batch, or one the
  workspace held), that is final; otherwise the message is written without a parent's
  author, its candidates wait in the temporary table ``em_defer`` and its interactions in
  ``em_dint``, resolved once every batch is written (a parent later in the input), exactly
  as if the whole input had been read at once: the message's ``parent_id`` and
  ``n_recipients`` are then updated and its interactions, the ``reply`` one with them,
  written through :func:`groundswell.ingest.batch.insert` like every other batch's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.ingest import batch, common, limits
from groundswell.ingest.email.headers import Columns, display_name

if TYPE_CHECKING:
    import duckdb

    from groundswell.store import Store


def is_internal(addrs: pd.Series, domains: list[str]) -> np.ndarray:
    """True where an address's domain is one of ``domains`` or a subdomain of one."""
    dom = addrs.str.rsplit("@", n=1).str[-1]
    hit = np.zeros(len(addrs), dtype=bool)
    for d in domains:
        hit |= ((dom == d) | dom.str.endswith("." + d)).to_numpy()
    return hit


def people_rows(
    ws: Store, addrs: pd.Series, domains: list[str], names: dict[str, str]
) -> pd.DataFrame | None:
    """People rows for addresses (None without internal domains); shared with calendar."""
    if not domains:
        return None
    addrs = pd.Series(addrs.unique(), dtype="string")
    return pd.DataFrame(
        {
            "person_id": ws.pseudonymiser.people(addrs),
            "display_name": [names.get(a) for a in addrs] if ws.settings.identified else None,
            "is_internal": is_internal(addrs, domains),
        }
    )


class Writer:
    """Writes the batches of one email ingest on ``con``, the connection of its transaction
    (:func:`groundswell.ingest.batch.writing`); keeps the summary's counts."""

    def __init__(
        self,
        ws: Store,
        con: duckdb.DuckDBPyConnection,
        summary: common.IngestSummary,
        domains: list[str],
        *,
        identified: bool,
    ) -> None:
        self.ws, self.con, self.summary = ws, con, summary
        self.sid = int(summary.source_id or 0)
        self.pseudo = ws.pseudonymiser
        self.domains, self.identified = domains, identified
        self.cap = ws.settings.max_recipients
        self.addrs: dict[str, None] = {}  # authors and kept targets, in the order read
        self.names: dict[str, str] = {}  # address -> first display name
        self.people: set[str] = set()  # pseudonyms of authors and targets (the summary)
        self.lists: dict[str, list[Any]] = {}  # channel id -> [name, earliest ts]
        self.capped: list[str] = []  # raw ids of the first messages over the cap
        self.n_capped = self.dropped = 0
        for name, columns in TEMP_TABLES.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")

    def write(self, c: Columns) -> None:
        """Pseudonymise one batch of messages and insert its messages and interactions."""
        if not len(c):
            return
        msg_ids = self.pseudo.messages(c.raw_id)
        again = batch.repeats(self.con, self.sid, msg_ids, "em_old")
        if again.any():
            self.summary.skipped["duplicate Message-ID in the input"] += int(again.sum())
            c = c.take((~again).tolist())
            msg_ids = msg_ids[~again]
        messages, inter, defer = self._frames(c, msg_ids)
        con, sid, summary = self.con, self.sid, self.summary
        # a Message-ID an earlier batch stored was dropped above (repeats): only other
        # sources' rows can hold the batch's keys
        added = batch.insert(
            con, "messages", messages[batch.MESSAGE_COLUMNS], sid, ["message_id"], others=True
        )
        summary.messages += added
        if added < len(messages):
            summary.skipped["already in the workspace"] += len(messages) - added
        later = inter["message_id"].isin(defer["message_id"]).to_numpy()
        summary.interactions += self._insert_interactions(inter[~later], others=True)
        if len(defer):  # their interactions wait for the parent's author (n_recipients)
            em_cands = defer  # noqa: F841 (read by DuckDB)
            con.execute(
                "INSERT INTO em_defer SELECT message_id, author_id, ts, is_bot, n_recipients, "
                "capped, pos, cand FROM em_cands"
            )
            em_acts = inter.loc[later, batch.INTERACTION_COLUMNS]  # noqa: F841 (read by DuckDB)
            con.execute("INSERT INTO em_dint SELECT * FROM em_acts")
        if not self.domains:  # the summary counts the people of authors and targets
            self.people.update(messages["author_id"].tolist())
            self.people.update(inter["target_id"].tolist())

    def finish(self) -> None:
        """Resolve the replies whose parent came later, then write the lists and the people
        of the whole input; drops the temporary tables."""
        con, sid, summary = self.con, self.sid, self.summary
        summary.interactions += self._late_replies()
        if self.lists:
            ids = list(self.lists)
            channels = pd.DataFrame(
                {
                    "channel_id": ids,
                    "name": [self.lists[i][0] for i in ids],
                    "kind": "list",
                    "created_at": pd.to_datetime(
                        pd.Series([self.lists[i][1] for i in ids], dtype="float64"),
                        unit="s",
                        utc=True,
                    ),
                }
            )
            batch.insert(con, "channels", channels[batch.CHANNEL_COLUMNS], sid, ["channel_id"])
        people = people_rows(
            self.ws, pd.Series(list(self.addrs), dtype=object), self.domains, self.names
        )
        if people is not None:
            summary.people = batch.insert_people(con, people, sid) if len(people) else 0
        else:
            summary.people = len(self.people)
        if self.n_capped:
            first = ", ".join(repr(i) for i in self.capped)
            where = f"Message-ID {first}" + (", ..." if self.n_capped > 5 else "")
            summary.warnings.append(
                limits.dropped_warning("email", self.n_capped, where, self.cap, self.dropped)
            )
        for name in [*TEMP_TABLES, "em_hits", "em_replies", "em_out"]:
            con.execute(f"DROP TABLE IF EXISTS {name}")

    # ------------------------------------------------------------------------------ inside

    def _frames(
        self, c: Columns, msg_ids: np.ndarray
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The messages and interactions of a batch, and the candidates of the replies whose
        parent is not known yet."""
        pseudo = self.pseudo
        n = len(c)
        authors = pseudo.people(c.author)
        ts = pd.to_datetime(pd.Series(c.ts, dtype="float64"), unit="s", utc=True)
        list_id = np.array(c.list_id, dtype=object)
        has_list = list_id != ""
        channel = np.full(n, None, dtype=object)
        if has_list.any():
            channel[has_list] = pseudo.channels(["list:" + x for x in list_id[has_list]])
            for cid, name, t in zip(
                channel[has_list].tolist(),
                list_id[has_list].tolist(),
                np.asarray(c.ts, dtype="float64")[has_list].tolist(),
                strict=True,
            ):
                got = self.lists.setdefault(cid, [name, t])
                got[1] = min(got[1], t)
        parent_id, reply_to, deferred = self._parents(c, msg_ids, authors)
        messages = pd.DataFrame(
            {
                "message_id": msg_ids,
                "channel_id": channel,
                "thread_id": pseudo.messages(c.thread),
                "parent_id": parent_id,
                "author_id": authors,
                "ts": ts.array,
                "kind": "email",
                "n_recipients": 0,
                "is_question": False,
                "is_bot": np.array(c.is_bot, dtype=bool),
                "text": c.text if self.ws.store_content else None,
            }
        )
        # at most ingest.max_recipients distinct recipients (To, Cc, Bcc) per message
        cap = self.cap
        t_msg, t_addr = np.array(c.t_msg, dtype=np.int64), np.array(c.t_addr, dtype=object)
        kept, capped, distinct = limits.cap_items(t_msg, t_addr.__getitem__, cap)
        t_msg, t_addr = t_msg[kept], pd.Series(t_addr[kept], dtype="string")
        targets = pd.DataFrame(
            {
                "message_id": msg_ids[t_msg],
                "target_id": pseudo.people(t_addr) if len(t_addr) else np.array([], dtype=object),
                "kind": np.array(c.t_kind, dtype=object)[kept],
            }
        )
        has_parent = (reply_to != None) & (reply_to != authors)  # noqa: E711 - elementwise
        replies = pd.DataFrame(
            {"message_id": msg_ids[has_parent], "target_id": reply_to[has_parent], "kind": "reply"}
        )
        inter = batch.interactions(messages, pd.concat([targets, replies], ignore_index=True))
        is_capped = np.zeros(n, dtype=bool)
        if len(capped):
            limits.true_counts((messages, inter), msg_ids[capped], distinct)
            is_capped[capped] = True
            self.n_capped += len(capped)
            self.dropped += int(distinct.sum()) - len(capped) * cap
            self.capped += [c.raw_id[k] for k in capped[: 5 - len(self.capped)]]
        self._remember_people(c, t_addr)
        lens = [len(cands) for _, cands in deferred]
        at = np.repeat(np.array([k for k, _ in deferred], dtype=np.int64), lens)
        defer = messages.iloc[at][["message_id", "author_id", "ts", "is_bot", "n_recipients"]]
        defer = defer.assign(
            capped=is_capped[at],
            pos=np.array([i for _, cands in deferred for i, _ in cands], dtype=np.int32),
            cand=np.array([p for _, cands in deferred for _, p in cands], dtype=object),
        )
        return messages, inter, defer

    def _remember_people(self, c: Columns, kept_targets: pd.Series) -> None:
        """Addresses (authors, kept targets) and first display names, in the order read."""
        if not self.domains:
            return  # no people rows are written
        self.addrs.update(dict.fromkeys(c.author))
        self.addrs.update(dict.fromkeys(kept_targets.tolist()))
        names = self.names
        for addr, raw in zip(c.n_addr, c.n_raw, strict=True):
            if addr not in names:
                names[addr] = display_name(raw)

    def _parents(
        self, c: Columns, msg_ids: np.ndarray, authors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, list[tuple[int, str]]]]]:
        """parent_id of every message of a batch, the author a reply is addressed to (or
        None), and the replies left for :meth:`_late_replies` with their candidates.

        The parent is the first candidate (In-Reply-To, then References from the last)
        whose message is in the input or the workspace; with none known, the In-Reply-To
        (else last References) id is kept as parent_id and no reply interaction is made.
        """
        n = len(c)
        parent_id = np.full(n, None, dtype=object)
        reply_to = np.full(n, None, dtype=object)
        deferred: list[tuple[int, list[tuple[int, str]]]] = []
        rows = [k for k in range(n) if c.parents[k]]
        if not rows:
            return parent_id, reply_to, deferred
        flat = [i for k in rows for i in c.parents[k]]
        pids = self.pseudo.messages(flat)
        known = dict(zip(msg_ids.tolist(), authors.tolist(), strict=True))
        unknown = sorted(set(pids.tolist()) - known.keys())
        if unknown:  # the workspace, and the batches written before this one
            known.update(common.stored_authors(self.ws, unknown))
        j = 0
        for k in rows:
            cands = pids[j : j + len(c.parents[k])].tolist()
            j += len(cands)
            own = msg_ids[k]
            others = [(i, p) for i, p in enumerate(cands) if p != own]
            if others and others[0][1] in known:
                hit = others[0][1]
                parent_id[k], reply_to[k] = hit, known[hit]
                continue
            parent_id[k] = cands[0] if cands[0] != own else None
            if others:  # a candidate may be a message further on in the input
                deferred.append((k, others))
        return parent_id, reply_to, deferred

    def _late_replies(self) -> int:
        """Resolve the replies whose first candidate was unknown when they were written:
        the first candidate now known is the parent. Writes their interactions (those of
        To and Cc waited in ``em_dint``) and returns how many were added."""
        con, sid = self.con, self.sid
        con.execute(
            "CREATE OR REPLACE TEMP TABLE em_hits AS SELECT d.message_id, "
            "arg_min(d.cand, d.pos) AS parent_id, arg_min(m.author_id, d.pos) AS reply_to, "
            "any_value(d.actor_id) AS actor_id, any_value(d.ts) AS ts, "
            "any_value(d.is_bot) AS is_bot, any_value(d.n_base) AS n_base, "
            "any_value(d.capped) AS capped "
            "FROM em_defer d JOIN messages m ON m.message_id = d.cand GROUP BY d.message_id"
        )
        con.execute(
            "UPDATE messages SET parent_id = h.parent_id FROM em_hits h "
            "WHERE messages.message_id = h.message_id AND messages.source_id = ?",
            [sid],
        )
        # the reply adds its parent's author to the recipients, unless a To or Cc already
        # named them or the recipients were capped (n_recipients then keeps the true count)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE em_replies AS SELECT h.*, CASE WHEN h.capped OR "
            "EXISTS (SELECT 1 FROM em_dint i WHERE i.message_id = h.message_id "
            "AND i.target_id = h.reply_to) THEN h.n_base ELSE h.n_base + 1 END AS n "
            "FROM em_hits h WHERE h.reply_to <> h.actor_id"
        )
        con.execute(
            "UPDATE messages SET n_recipients = r.n FROM em_replies r "
            "WHERE messages.message_id = r.message_id AND messages.source_id = ? "
            "AND messages.n_recipients <> r.n",
            [sid],
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE em_out AS SELECT *, row_number() OVER () AS rn FROM ("
            "SELECT i.ts, i.actor_id, i.target_id, i.kind, i.message_id, "
            "coalesce(r.n, i.n_recipients) AS n_recipients, i.is_bot, i.weight "
            "FROM em_dint i LEFT JOIN em_replies r USING (message_id) UNION ALL "
            "SELECT ts, actor_id, reply_to, 'reply', message_id, n, is_bot, 1.0 FROM em_replies)"
        )
        got = con.execute("SELECT DISTINCT reply_to FROM em_replies").fetchall()
        self.people.update(r[0] for r in got)
        added, total = 0, _count(con, "em_out")
        columns = ", ".join(batch.INTERACTION_COLUMNS)
        for start in range(0, total, BATCH_ROWS):  # a batch's worth of rows at a time
            rows = con.execute(
                f"SELECT {columns} FROM em_out WHERE rn > ? AND rn <= ?",
                [start, start + BATCH_ROWS],
            ).df()
            added += self._insert_interactions(rows)
        return added

    def _insert_interactions(self, frame: pd.DataFrame, *, others: bool = False) -> int:
        """Insert interactions; ``others`` for a batch's own, whose messages no earlier
        batch stored (not for the late replies, whose rows are cut by row count)."""
        return batch.insert(
            self.con,
            "interactions",
            frame[batch.INTERACTION_COLUMNS],
            self.sid,
            ["message_id", "actor_id", "target_id", "kind"],
            others=others,
        )


#: Interactions of late replies written at a time.
BATCH_ROWS = 200_000


TEMP_TABLES = {
    "em_old": "message_id VARCHAR",
    "em_defer": "message_id VARCHAR, actor_id VARCHAR, ts TIMESTAMPTZ, is_bot BOOLEAN, "
    "n_base INTEGER, capped BOOLEAN, pos INTEGER, cand VARCHAR",
    "em_dint": "ts TIMESTAMPTZ, actor_id VARCHAR, target_id VARCHAR, kind VARCHAR, "
    "message_id VARCHAR, n_recipients INTEGER, is_bot BOOLEAN, weight DOUBLE",
}


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
