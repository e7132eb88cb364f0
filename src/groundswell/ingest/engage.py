"""Viva Engage (Yammer): a network data export, as a folder or the zip Engage downloads.

Over 500 lines because the first ~75 are this docstring: the export's layout and the cited
column reference of its three files (no public sample exists, so each column names its source).

The export (Engage admin center > Governance and compliance > Data export, or the Network Data
Export API ``GET /api/v1/export``) is a zip of CSV files, one per model, with ``log.txt`` and
``request.txt``; with "include external networks" each network sits in a folder named by its
id. This reader takes ``Messages.csv`` (required), ``Users.csv`` and ``Groups.csv`` from every
folder of the export and ignores the rest (Topics, Files, Admins, Networks, MessageVersions,
...). No public sample exists: the column lists below come from the pages cited with each
column, and the fixtures in ``tests/data/engage`` were written from them.

Sources:

- [export] https://learn.microsoft.com/rest/api/yammer/network-data-export — the export, its
  files and models, "messages (including previous versions)".
- [eac] https://learn.microsoft.com/viva/engage/eac-as-manage-data — the files of a data export.
- [users] https://askyammer.github.io/post/2016-04-28-interpreting-a-yammer-user-export/ —
  the columns of Users.csv and what each means.
- [thread] https://learn.microsoft.com/rest/api/yammer/messagesin_threadthreadidjson — message
  fields (id, sender_id, created_at, group_id, thread_id, notified_user_ids, privacy).
- [discourse] Discourse's open-source Yammer importer (script/import_scripts/yammer.rb), a
  consumer of real exports: the Messages.csv columns it reads, the ``user:ID`` form of
  ``participants``, ``"true"``/``"false"`` flags and the ``[[user:ID]]`` mention markup of
  ``body``.

Messages.csv
=======================  ========================================================  =========
column                   use                                                       source
=======================  ========================================================  =========
id                       the message (required)                                    [thread]
replied_to_id            the message answered: parent; a reply tie to its author   [discourse]
thread_id                the thread (its first message); else the message itself   [thread]
group_id, group_name     the community (channel); name kept for public ones        [thread]
in_private_group         true: the community is private (when Groups.csv is absent) [discourse]
in_private_conversation  true: a private message among ``participants``            [discourse]
participants             ``user:ID,user:ID``: a private message is a dm from the   [discourse]
                         sender to each other participant (dm for two people,
                         group_dm for more)
sender_id                the author (required)                                     [thread]
sender_type              ``user``, else a bot or app (is_bot)                      [discourse]
sender_name, sender_email  the author's name (identified mode) and email (alias)   [discourse]
body                     ``[[user:ID]]`` markers make mention ties; text stored    [discourse]
                         only when the workspace stores content
message_type             ``system``: a system message (is_bot, no ties);           [discourse]
                         ``question``: a question
deleted_at, deleted_by_id  set: a deleted message, skipped and counted             [discourse]
created_at               when, such as ``2019-06-12 18:05:23 UTC`` (ISO 8601 too)  [thread]
=======================  ========================================================  =========

Ignored: conversation_id, parent_id, api_url, attachments, delegate_id, deleted_by_type,
title, html_body, gdpr_delete_url and any other column. The export has no likes (a user export
has them), so Engage makes no reaction ties. A message listed again (an earlier version) is
read once, the last listing winning. A message whose group is empty and that is not private
(the All Company feed) has no channel.

Users.csv [users]: id (required), name (display_name, identified mode only), email (the
person's key; the user id becomes an alias), job_title (title), department, location,
deleted_at (leave_date). Ignored: api_url, joined_at (first login, not a hire date),
suspended_*, deleted_by_*, guid, state and the rest. People are added in "fill" mode: an HR
file always wins. With ``ingest.internal_domains`` set, the email domain decides who is
internal; otherwise everyone in the export is.

Groups.csv [eac]: id, name, private (``private`` channel kind, else ``community``),
created_at. Ignored: description, moderated, api_url, created_by_*, updated_at, deleted,
external, office_group_id.

Damaged input is refused with an :class:`~groundswell.errors.InputError` naming the file
inside the export: a zip member that does not unpack (bad data, wrong CRC), a CSV holding a
NUL byte or cut short in its last record, an export whose Messages.csv holds no message. A
CSV without a final line break whose last record is complete is read, with a warning.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common, damage, zips
from groundswell.ingest.tables import decode as decode_csv
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

KIND = "engage"
TRUE = {"true", "1", "yes", "t", "y"}
FALSE = {"false", "0", "no", "f", "n", ""}
MENTION = r"\[\[user:(\d+)\]\]"
QUESTION = r"\?(?:\s|$)"
TABLES = ("messages", "users", "groups")
REQUIRED = {"messages": ("id", "sender_id", "created_at"), "users": ("id",), "groups": ("id",)}


@dataclass
class _Table:
    """One CSV of the export: where it is (for errors), its text and its frame."""

    name: str
    text: str
    df: pd.DataFrame
    note: str | None = None  # a warning about the file (it may be cut short)
    delimiter: str = ","

    def line(self, k: int) -> int:
        """The line (as a text editor counts it) where data record ``k`` (0-based) starts;
        bodies may span lines, so this re-reads the file — only on the error path."""
        reader = csv.reader(io.StringIO(self.text), delimiter=self.delimiter)
        start = 1
        for i, _ in enumerate(reader):
            if i == k + 1:
                return start
            start = reader.line_num + 1
        return start

    def error(
        self, k: int, column: str, problem: str, expected: str, found: object = None
    ) -> InputError:
        return InputError(
            self.name, f"column {column}: {problem}", line=self.line(k), expected=expected,
            found=found,
        )  # fmt: skip


def _uid(ids: Iterable[object]) -> list[str]:
    """Engage user ids are plain numbers that could equal an HR employee id: hash them in a
    namespace of their own."""
    return ["engage:" + str(x) for x in ids]


def ingest(
    ws: Store, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load an Engage export into ``messages``, ``interactions``, ``channels`` and ``people``.

    One transaction; the same export twice adds nothing; ``dry_run`` writes nothing.
    """
    path = Path(path)
    with steps(4, enabled=progress) as bar:
        bar.step("reading the export")
        if not path.exists():
            raise InputError(path, "file or folder not found")
        sha = batch.sha256_path(path)
        options: dict[str, object] = {}
        if (seen := common.earlier_ingest(ws, KIND, path, sha, options)) is not None:
            return seen
        tables = _read_export(path)
        if not tables["messages"]:
            raise InputError(
                path, "no Messages.csv in the export",
                expected="a Viva Engage network data export (Messages.csv, Users.csv, "
                "Groups.csv) as a folder or zip",
            )  # fmt: skip
        damage.require_records(
            path, sum(len(t.df) for t in tables["messages"]), what="message in Messages.csv",
            expected="an export with at least one message",
        )  # fmt: skip
        summary = common.IngestSummary(str(path), KIND, None)
        summary.warnings += [t.note for ts in tables.values() for t in ts if t.note]
        if not tables["users"]:
            summary.warnings.append("no Users.csv: people have no title, department or email")
        bar.step("pseudonymising")
        out = _build(ws, tables, summary)
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


# -- reading ----------------------------------------------------------------------------------


def _read_export(path: Path) -> dict[str, list[_Table]]:
    found: dict[str, list[_Table]] = {t: [] for t in TABLES}
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            table = f.stem.lower() if f.suffix.lower() == ".csv" else ""
            if table in found:
                found[table].append(_parse(str(f), f.read_bytes(), table))
        return found
    try:
        with zipfile.ZipFile(path) as z:
            for info in sorted(z.infolist(), key=lambda i: i.filename):
                name = Path(info.filename)
                table = name.stem.lower() if name.suffix.lower() == ".csv" else ""
                if table in found and not info.is_dir():
                    member = f"{path}/{info.filename}"
                    found[table].append(_parse(member, _member(z, info, member), table))
    except zipfile.BadZipFile as exc:
        raise InputError(
            path, f"not a readable zip file ({exc})",
            expected="the .zip Engage exports, or the folder it unpacks to",
        ) from None  # fmt: skip
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, ValueError) as exc:
        raise InputError(path, f"the zip cannot be read: {exc}") from None
    return found


def _member(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """The bytes of one member; a damaged, encrypted or unreadably compressed one is an
    InputError naming it (:func:`groundswell.ingest.zips.read_member`)."""
    return zips.read_member(z, info, name)


def _parse(name: str, data: bytes, table: str) -> _Table:
    """One CSV of the export, its delimiter and encoding detected as every table's
    (:func:`groundswell.ingest.tables.decode`: an export re-saved by a European Excel is
    semicolon-separated Windows-1252); a file not in UTF-8 is a warning."""
    text, dialect = decode_csv(name, data)
    if not text.strip():
        raise InputError(name, "the file is empty", expected="a header line")
    note = damage.check_csv_text(name, text, delimiter=dialect.delimiter)
    if dialect.encoding not in ("utf-8", "utf-8-sig") or dialect.delimiter != ",":
        read = f"{name}: read as {dialect.describe()}, not as Engage writes it (UTF-8, commas)"
        note = read if note is None else f"{note}; {read}"
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            on_bad_lines="error",
            sep=dialect.delimiter,
        )
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise InputError(
            name, f"malformed CSV: {str(exc).strip()}", line=_bad_line(text, dialect.delimiter),
            expected="the same number of fields on every record",
        ) from None  # fmt: skip
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED[table] if c not in df.columns]
    if missing:
        raise InputError(
            name, f"no column {missing[0]}",
            expected=f"the {table.capitalize()}.csv columns of an Engage export "
            f"(including {', '.join(REQUIRED[table])})", found=list(df.columns)[:12],
        )  # fmt: skip
    return _Table(name, text, df.reset_index(drop=True), note, dialect.delimiter)


def _bad_line(text: str, delimiter: str = ",") -> int | None:
    """The line where the first record with the wrong number of fields starts."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        width = len(next(reader))
        start = reader.line_num + 1
        for row in reader:
            if row and len(row) != width:
                return start
            start = reader.line_num + 1
    except csv.Error:
        return reader.line_num
    return None


class _Where:
    """Which file and data record a row of the concatenated frame came from."""

    def __init__(self, tables: list[_Table]) -> None:
        self.tables = tables
        self.ends = np.cumsum([len(t.df) for t in tables])

    def __getitem__(self, k: int) -> tuple[_Table, int]:
        i = int(np.searchsorted(self.ends, k, side="right"))
        return self.tables[i], k - (int(self.ends[i - 1]) if i else 0)


def _concat(tables: list[_Table]) -> tuple[pd.DataFrame, _Where]:
    """All files of one model as one frame, with where each row came from."""
    frames = [t.df for t in tables]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return df.fillna(""), _Where(tables)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype="string")
    return df[name].astype("string").fillna("").str.strip()


def _flags(df: pd.DataFrame, name: str, where: _Where) -> np.ndarray:
    text = _col(df, name).str.lower()
    bad = ~text.isin(TRUE | FALSE)
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        t, row = where[k]
        raise t.error(row, name, "not a true/false flag", "true or false", df[name].iloc[k])
    return text.isin(TRUE).to_numpy()


def _timestamps(
    df: pd.DataFrame,
    name: str,
    where: _Where,
    bounds: common.DateBounds,
    *,
    required: bool = False,
) -> pd.Series:
    raw = _col(df, name)
    text = raw.str.replace(r"\s*(?:UTC|Z)$", "", regex=True)
    ts = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    retry = ts.isna() & (text != "")
    if retry.any():
        ts[retry] = pd.to_datetime(text[retry], errors="coerce", utc=True, format="mixed")

    def record(k: int) -> common.Record:
        t, row = where[k]
        return common.Record(t.name, f"column {name}", line=t.line(row))

    common.check_dates(ts, bounds, record, found=raw)
    bad = ts.isna() & ((text != "") | required)
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        t, row = where[k]
        raise t.error(
            row, name, "unparseable timestamp" if raw.iloc[k] else "missing timestamp",
            "a timestamp such as 2019-06-12 18:05:23 UTC", raw.iloc[k],
        )  # fmt: skip
    return ts


# -- canonical frames -------------------------------------------------------------------------


def _build(
    ws: Store, tables: dict[str, list[_Table]], summary: common.IngestSummary
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    df, where = _concat(tables["messages"])
    summary.rows_read = len(df)
    ids = _col(df, "id")
    if (ids == "").any():
        k = int(np.flatnonzero((ids == "").to_numpy())[0])
        raise where[k][0].error(where[k][1], "id", "empty message id", "an id on every message")
    bounds = common.date_bounds(ws.settings)
    ts = _timestamps(df, "created_at", where, bounds, required=True)
    private_conv = _flags(df, "in_private_conversation", where)
    private_group = _flags(df, "in_private_group", where)
    m = pd.DataFrame(
        {
            "raw_id": ids.to_numpy(),
            "reply_to": _col(df, "replied_to_id").to_numpy(),
            "thread": _col(df, "thread_id").to_numpy(),
            "group": _col(df, "group_id").to_numpy(),
            "group_name": _col(df, "group_name").to_numpy(),
            "private_conv": private_conv,
            "private_group": private_group,
            "participants": _col(df, "participants").to_numpy(),
            "sender": _col(df, "sender_id").to_numpy(),
            "sender_type": _col(df, "sender_type").str.lower().to_numpy(),
            "sender_name": _col(df, "sender_name").to_numpy(),
            "sender_email": _col(df, "sender_email").to_numpy(),
            "body": _col(df, "body").to_numpy(),
            "mtype": _col(df, "message_type").str.lower().to_numpy(),
            "deleted": (
                (_col(df, "deleted_at") != "") | (_col(df, "deleted_by_id") != "")
            ).to_numpy(),
            "ts": ts.array,
        }
    )
    # the export lists earlier versions of edited messages too: the last listing wins
    dup = m["raw_id"].duplicated(keep="last").to_numpy()
    summary.skipped["earlier version of a message"] += int(dup.sum())
    m = m[~dup].reset_index(drop=True)
    has_parent = (m["reply_to"] != "").to_numpy()
    thread = np.where(m["thread"] != "", m["thread"], m["raw_id"])
    # one hashing pass: parents and threads are mostly messages of the export
    keys = np.concatenate([m["raw_id"], np.where(has_parent, m["reply_to"], m["raw_id"]), thread])
    hashed = pseudo.messages("engage:" + pd.Series(keys, dtype="string"))
    n = len(m)
    m["message_id"], m["parent_id"], m["thread_id"] = hashed[:n], hashed[n : 2 * n], hashed[2 * n :]
    m["parent_id"] = m["parent_id"].where(has_parent, None)
    no_sender = (m["sender"] == "").to_numpy()
    m["author_id"] = common.or_none(~no_sender, pseudo.people(_uid(m["sender"])))
    authors = dict(zip(m["message_id"], m["author_id"], strict=True))
    summary.skipped["no sender"] += int(no_sender.sum())
    deleted = m["deleted"].to_numpy() & ~no_sender
    summary.skipped["deleted message"] += int(deleted.sum())
    m = m[~(no_sender | deleted)].reset_index(drop=True)

    has_parent = m["parent_id"].notna().to_numpy()
    system = (m["mtype"] == "system").to_numpy()
    m["is_bot"] = ~m["sender_type"].isin(["", "user"]).to_numpy() | system
    m["kind"] = np.where(has_parent, "reply", "post")  # a system message is is_bot, as in Slack
    asks = m["body"].str.contains(QUESTION, regex=True).to_numpy(dtype=bool) & ~has_parent
    m["is_question"] = ((m["mtype"] == "question").to_numpy() | asks) & ~system
    m["text"] = m["body"].to_numpy() if ws.store_content else None

    # private conversations: participants as user ids, the sender among them
    priv = m["private_conv"].to_numpy()
    parts = (
        m.loc[priv, "participants"]
        .str.replace("user:", "", regex=False)
        .str.split(r"[,;\s]+", regex=True)
    )
    private_members = [
        sorted({p for p in (ps if isinstance(ps, list) else []) if p} | {s})
        for ps, s in zip(parts, m.loc[priv, "sender"], strict=True)
    ]
    members = [[s] for s in m["sender"].tolist()]
    for i, ps in zip(np.flatnonzero(priv), private_members, strict=True):
        members[i] = ps
    m["members"] = pd.Series(members, index=m.index, dtype=object)
    pm_key = np.full(len(m), "", dtype=object)
    pm_key[priv] = ["engage:pm:" + ",".join(ps) for ps in private_members]
    channel = np.where(
        m["private_conv"],
        pm_key,
        np.where(m["group"] != "", "engage:group:" + m["group"], ""),
    )
    m["channel_raw"] = channel
    m["channel_id"] = common.or_none(channel != "", pseudo.channels(pd.Series(channel)))

    targets = _targets(ws, m, authors, system, summary)
    inter = batch.interactions(m, targets)
    summary.skipped = +summary.skipped
    people, aliases = _people(ws, tables, m, summary)
    return batch.Batch(
        people=people,
        aliases=aliases,
        channels=_channels(tables, m, bounds),
        messages=m[batch.MESSAGE_COLUMNS],
        interactions=inter,
        people_mode="fill",
    )


def _targets(
    ws: Store,
    m: pd.DataFrame,
    authors: dict[str, str],
    system: np.ndarray,
    summary: common.IngestSummary,
) -> pd.DataFrame:
    pseudo = ws.pseudonymiser
    human = ~system
    frames = []
    rep = m[human & m["parent_id"].notna().to_numpy()]
    frames.append(batch.reply_targets(ws, rep, authors, summary))
    # the body stays out of the explode: each mention row would carry a copy of it
    men = m.loc[human, ["message_id"]].assign(user=m.loc[human, "body"].str.findall(MENTION))
    men = men.explode("user").dropna(subset=["user"])
    frames.append(pd.DataFrame(
        {"message_id": men["message_id"].to_numpy(), "target_id": pseudo.people(_uid(men["user"])),
         "kind": "mention"}
    ))  # fmt: skip
    pm = m.loc[human & m["private_conv"].to_numpy(), ["message_id", "members", "sender"]]
    pm = pm.explode("members")
    pm = pm[pm["members"] != pm["sender"]]
    frames.append(pd.DataFrame(
        {"message_id": pm["message_id"].to_numpy(), "target_id": pseudo.people(_uid(pm["members"])),
         "kind": "dm"}
    ))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _channels(
    tables: dict[str, list[_Table]], m: pd.DataFrame, bounds: common.DateBounds
) -> pd.DataFrame:
    c = m[m["channel_id"].notna()]
    g, where = _concat(tables["groups"])
    info = pd.DataFrame(
        {
            "group": _col(g, "id").to_numpy(),
            "g_name": _col(g, "name").to_numpy(),
            "g_private": _flags(g, "private", where),
            "g_created": _timestamps(g, "created_at", where, bounds).array,
        }
    ).drop_duplicates("group", keep="last")
    agg = c.groupby("channel_id", as_index=False, sort=True).agg(
        raw=("channel_raw", "first"),
        group=("group", "first"),
        name=("group_name", "first"),
        private_group=("private_group", "max"),
        private_conv=("private_conv", "first"),
        n_members=("members", lambda s: len(s.iloc[0])),
        first=("ts", "min"),
    )
    agg = agg.merge(info, on="group", how="left")
    known = agg["g_private"].notna().to_numpy()
    private = np.where(known, agg["g_private"].fillna(False), agg["private_group"]).astype(bool)
    kind = np.where(
        agg["private_conv"],
        np.where(agg["n_members"] <= 2, "dm", "group_dm"),
        np.where(private, "private", "community"),
    )
    name = agg["g_name"].fillna("").where(agg["g_name"].fillna("") != "", agg["name"])
    return pd.DataFrame(
        {
            "channel_id": agg["channel_id"],
            "name": name.where(kind == "community", None).replace("", None),
            "kind": kind,
            "created_at": agg["g_created"].fillna(agg["first"]),
        }
    )


def _people(
    ws: Store, tables: dict[str, list[_Table]], m: pd.DataFrame, summary: common.IngestSummary
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People from Users.csv, then senders and referenced users it does not list."""
    pseudo = ws.pseudonymiser
    u, where = _concat(tables["users"])
    uid = _col(u, "id")
    if (uid == "").any():
        k = int(np.flatnonzero((uid == "").to_numpy())[0])
        raise where[k][0].error(where[k][1], "id", "empty user id", "an id on every user")
    users = pd.DataFrame(
        {
            "id": uid.to_numpy(),
            "name": _col(u, "name").to_numpy(),
            "email": _col(u, "email").to_numpy(),
            "title": _col(u, "job_title").to_numpy(),
            "department": _col(u, "department").to_numpy(),
            "location": _col(u, "location").to_numpy(),
            "leave": _timestamps(u, "deleted_at", where, common.date_bounds(ws.settings)).array,
        }
    ).drop_duplicates("id", keep="last")
    humans = m[~m["sender_type"].isin(["", "user"]).to_numpy()]["sender"]
    senders = m.loc[m["sender_type"].isin(["", "user"]).to_numpy(),
                    ["sender", "sender_name", "sender_email"]]  # fmt: skip
    senders = senders.rename(
        columns={"sender": "id", "sender_name": "name", "sender_email": "email"}
    ).drop_duplicates("id", keep="last")
    mentioned = m["body"].str.findall(MENTION).explode().dropna()
    others = pd.DataFrame({"id": pd.concat([mentioned, m["members"].explode().dropna()])})
    extra = pd.concat([senders, others], ignore_index=True).drop_duplicates("id")
    extra = extra[~extra["id"].isin(users["id"]) & ~extra["id"].isin(humans) & (extra["id"] != "")]
    allp = pd.concat([users, extra], ignore_index=True).fillna({"name": "", "email": ""})
    for col in ("title", "department", "location"):
        allp[col] = allp[col].replace("", None)
    email = allp["email"].str.strip().to_numpy()
    has = np.char.find(email.astype(str), "@") > 0
    pid = pseudo.people(_uid(allp["id"]))
    if has.any():
        pid[has] = pseudo.people(email[has])
    domains = ws.settings.internal_domains
    internal = np.ones(len(allp), dtype=bool)
    if domains and has.any():
        dom = pd.Series(email).str.rsplit("@", n=1).str[-1].str.lower()
        internal = np.where(has, dom.isin(domains).to_numpy(), True)
    people = pd.DataFrame(
        {
            "person_id": pid,
            "display_name": allp["name"].replace("", None).to_numpy()
            if ws.settings.identified
            else None,
            "is_internal": internal,
            "department": allp["department"].to_numpy(),
            "title": allp["title"].to_numpy(),
            "location": allp["location"].to_numpy(),
            "leave_date": pd.to_datetime(allp["leave"]).dt.tz_localize(None).dt.date
            if len(allp)
            else None,
        }
    ).drop_duplicates("person_id")
    aliases = pd.DataFrame(
        {"alias_id": pseudo.people(_uid(allp["id"][has])), "person_id": pid[has]}
    ).drop_duplicates("alias_id")
    return people.reindex(columns=batch.PEOPLE_COLUMNS), aliases
