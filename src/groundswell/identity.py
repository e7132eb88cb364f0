"""Who a pseudonym is, for the key holder only, and the log of every time it was revealed.

A pseudonymous workspace keeps no personal column in clear. When the org chart is read, each
person's HR id, email and name are *sealed* into ``identities``: encrypted and authenticated
under keys derived from the workspace key (``secret.key``), so the workspace can say who a
pseudonym is only where the key is. The seal is a PRF stream cipher with encrypt-then-MAC:
a random 128-bit nonce; the keystream HMAC-SHA256(k_enc, nonce || counter) XORed with the
JSON of the identity; a tag HMAC-SHA256(k_mac, nonce || ciphertext) checked in constant time
before anything is read. Both keys are HMAC-SHA256 of a purpose under the workspace key
(:meth:`groundswell.store.Store.key`).

:func:`resolve` is the one function that turns what a person is known by — a pseudonym, an
HR id, an email, a name — into their pseudonym; every command and dashboard form that takes
a person calls it. :func:`whois` and :func:`names` reveal; each reveal is written to
``reveals`` (:func:`log_reveal`), listed by ``groundswell audit``.
"""

from __future__ import annotations

import base64
import getpass
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from groundswell.errors import ParameterError, WorkspaceError
from groundswell.privacy import normalise_identifier

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = [
    "directory",
    "log_reveal",
    "names",
    "resolve",
    "reveals",
    "seal",
    "store_identities",
    "unseal",
    "whois",
]

_NONCE, _TAG = 16, 32


def _xor(data: bytes, key: bytes, nonce: bytes) -> bytes:
    blocks = (len(data) + 31) // 32
    stream = b"".join(
        hmac.digest(key, nonce + i.to_bytes(8, "big"), "sha256") for i in range(blocks)
    )[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def seal(ws: Store, identity: dict[str, str | None]) -> str:
    """``identity`` encrypted and authenticated under the workspace key (base64 text)."""
    enc, mac = ws.key("identity encryption"), ws.key("identity authentication")
    nonce = secrets.token_bytes(_NONCE)
    body = _xor(json.dumps(identity, sort_keys=True).encode(), enc, nonce)
    tag = hmac.digest(mac, nonce + body, "sha256")
    return base64.b64encode(nonce + body + tag).decode()


def unseal(ws: Store, sealed: str) -> dict[str, str | None]:
    """The identity :func:`seal` sealed; raises :class:`WorkspaceError` when it was sealed
    under another key or altered."""
    enc, mac = ws.key("identity encryption"), ws.key("identity authentication")
    raw = base64.b64decode(sealed)
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    if not hmac.compare_digest(tag, hmac.digest(mac, nonce + body, "sha256")):
        raise WorkspaceError(
            f"{ws.folder}: a sealed identity does not match the workspace key (another "
            "workspace's key, or the database was altered)"
        )
    out: dict[str, str | None] = json.loads(_xor(body, enc, nonce))
    return out


def store_identities(
    ws: Store,
    person_ids: Iterable[str],
    hr_ids: Iterable[str],
    emails: Iterable[str | None],
    display_names: Iterable[str | None],
) -> int:
    """Seal each person's HR id, email and name into ``identities`` (replacing what was
    sealed for them before); returns how many were stored."""
    rows = [
        (p, seal(ws, {"hr_id": h, "email": e or None, "name": n or None}))
        for p, h, e, n in zip(person_ids, hr_ids, emails, display_names, strict=True)
    ]
    has_table = ws.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'identities'"
    ).fetchall()[0][0]
    if not rows or not has_table:  # (a workspace of a schema before identities: none)
        return 0
    frame = pd.DataFrame(rows, columns=["person_id", "sealed"]).drop_duplicates("person_id")
    with ws.transaction() as con:
        con.register("sealed_frame", frame)
        con.execute(
            "DELETE FROM identities WHERE person_id IN (SELECT person_id FROM sealed_frame)"
        )
        con.execute("INSERT INTO identities SELECT person_id, sealed FROM sealed_frame")
        con.unregister("sealed_frame")
    return len(frame)


def directory(ws: Store) -> pd.DataFrame:
    """Everyone the workspace can identify, indexed by pseudonym: hr_id, email, name (the
    sealed identities, and the stored display names of an identified workspace). Needs the
    key when identities are sealed; reveals nothing by itself (callers log)."""
    people = ws.query("SELECT person_id, display_name FROM people").set_index("person_id")
    out = pd.DataFrame(index=people.index, columns=["hr_id", "email", "name"], dtype="object")
    if ws.settings.identified:
        out["name"] = people["display_name"]
    sealed = ws.query("SELECT person_id, sealed FROM identities")
    if len(sealed):
        opened = pd.DataFrame(
            [unseal(ws, s) for s in sealed["sealed"]], index=pd.Index(sealed["person_id"])
        )
        for col in ("hr_id", "email", "name"):
            if col in opened:
                known = opened[col].dropna()
                out.loc[known.index.intersection(out.index), col] = known
    out.index.name = "person_id"
    return out


def resolve(ws: Store, who: str) -> str:
    """The pseudonym of the person ``who`` names: a pseudonym (``p_…``), an HR id, an email
    or a name (case and spaces ignored). An HR id or an email is hashed with the workspace
    key, a name looked up among the identities; without the key only a pseudonym (and a
    name in an identified workspace) can be resolved. Raises :class:`ParameterError` naming
    what was expected when nobody, or more than one person, answers to it."""
    text = str(who).strip()
    known = ws.query("SELECT person_id FROM people")["person_id"]
    ids = set(known)
    if text.lower() in ids:
        return text.lower()
    if ws.has_key and text:
        p = ws.pseudonymiser
        candidate = p.person(text)
        if candidate in ids:
            return candidate
        alias = ws.con.execute(
            "SELECT person_id FROM aliases WHERE alias_id = ?", [candidate]
        ).fetchall()
        if alias:
            return str(alias[0][0])
    wanted = normalise_identifier(text)
    if ws.has_key or ws.settings.identified:
        table = directory(ws)
        hit = table.index[
            table["name"].map(lambda n: isinstance(n, str) and normalise_identifier(n) == wanted)
        ]
        if len(hit) == 1:
            return str(hit[0])
        if len(hit) > 1:
            raise ParameterError(
                "person",
                f"one person; {len(hit)} people are called {text!r}, give their HR id or email",
                text,
            )
    allowed = (
        "a pseudonym (p_…), an HR id, an email or a name"
        if ws.has_key
        else "a pseudonym (p_…): HR ids, emails and names need the workspace key"
    )
    raise ParameterError("person", f"{allowed} of someone in the workspace", text)


def resolve_many(ws: Store, who: Iterable[str]) -> list[str]:
    """:func:`resolve` of each."""
    return [resolve(ws, w) for w in who]


def whois(ws: Store, who: Iterable[str], *, actor: str | None = None) -> pd.DataFrame:
    """Who each of ``who`` (pseudonyms, HR ids, emails or names) is: one row each with
    the query, person_id, hr_id, email, name. Needs the key; logged in ``reveals``."""
    if not ws.has_key:
        raise WorkspaceError(ws.no_key("revealing who a pseudonym is"))
    require_identities(ws)
    asked = list(who)
    ids = resolve_many(ws, asked)
    table = directory(ws).reindex(ids)
    out = table.reset_index().assign(query=asked)[["query", "person_id", "hr_id", "email", "name"]]
    log_reveal(ws, "whois", ids, actor=actor, detail=f"{len(ids)} looked up")
    return out


def names(
    ws: Store, *, action: str, actor: str | None = None, detail: str | None = None
) -> dict[str, str]:
    """Every person's name (their HR id when the name is unknown), by pseudonym, for an
    identified view (the report with --reveal, the dashboard's names switch). Needs the
    key; logged in ``reveals`` as ``action`` on everyone."""
    if not ws.has_key:
        raise WorkspaceError(ws.no_key("revealing names"))
    require_identities(ws)
    table = directory(ws)
    shown = table["name"].where(table["name"].notna(), table["hr_id"])
    log_reveal(ws, action, [], actor=actor, detail=detail or f"{int(shown.notna().sum())} people")
    return {str(p): str(n) for p, n in shown.dropna().items()}


def require_identities(ws: Store) -> None:
    """Refuse a reveal in a pseudonymous workspace that has sealed no identity (its org
    chart was read by a groundswell before they were sealed, or never)."""
    if ws.settings.identified:
        return
    if not ws.con.execute("SELECT count(*) FROM identities").fetchall()[0][0]:
        raise WorkspaceError(
            f"{ws.folder}: no identity is sealed in this workspace (its org chart was read "
            "before groundswell sealed them, or never); ingest the org chart again "
            "(groundswell ingest orgchart) to seal them"
        )


def current_actor() -> str:
    """Who runs a command: the operating system's user name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return f"uid {os.getuid()}"


def log_reveal(
    ws: Store,
    action: str,
    subjects: Iterable[str],
    *,
    actor: str | None = None,
    detail: str | None = None,
) -> None:
    """Write one reveal to the workspace's audit log (``reveals``): when, who, what, whom
    (``subjects`` empty: everyone)."""
    with ws.transaction() as con:
        con.execute(
            "INSERT INTO reveals VALUES (?, ?, ?, ?, ?)",
            [
                datetime.now(UTC),
                actor or current_actor(),
                action,
                json.dumps(list(subjects)),
                detail,
            ],
        )


def reveals(ws: Store) -> pd.DataFrame:
    """The audit log, oldest first: revealed_at, actor, action, subjects (a list; empty for
    everyone), detail."""
    out = ws.query(
        "SELECT revealed_at, actor, action, subjects, detail FROM reveals ORDER BY revealed_at"
    )
    out["subjects"] = out["subjects"].map(json.loads)
    return out
