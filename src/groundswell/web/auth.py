"""Dashboard accounts, sessions, CSRF tokens, the login rate limit, and who may see what.

Over 500 lines on purpose: it is the dashboard's security boundary, kept in one module so that
a review of who may do what reads one file (docs/security.md points here).

Accounts live in the workspace's operational store (:mod:`groundswell.ops`: SQLite beside the
DuckDB file, tables ``users``, ``web_sessions``, ``login_attempts``), so that sign-ins,
sessions and account changes are accepted while a command writes to the DuckDB file; a
workspace that kept them in DuckDB (schema v4) has them moved there on first use. Passwords
are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults, RFC 9106); a session is
a random token (``secrets.token_urlsafe(32)``, 256 bits) held by the browser in an HttpOnly,
SameSite=Strict cookie and stored only as its SHA-256, so a copy of the store does not yield
a usable session. Each session has its own CSRF token, required on every state-changing
request.

Sign-in is rate-limited in :data:`FAILURE_WINDOW` per username and client address
(:data:`MAX_FAILURES`), per username from any address (:data:`MAX_ACCOUNT_FAILURES`) and per
client address for any username (:data:`MAX_CLIENT_FAILURES`). Each attempt is recorded, as a
failure, before its password is checked, in one step with the count that admits it (see
:func:`login`), so a burst of concurrent attempts cannot outrun the count. The client address
is the peer of the connection unless the peer is a configured proxy (``web.trusted_proxies``;
see :mod:`groundswell.web.app`). Passwords must be long and hard to guess
(:func:`check_password`: zxcvbn).

Roles (see docs/dashboard.md for what each sees):

- ``admin``: everything an analyst has, plus accounts (and, as they land, ingest, settings).
- ``analyst``: everything analytical, people included; names in identified mode.
- ``viewer``: aggregates only (overview, runs, groups, communities, formal against
  informal, comparisons, an anonymous map); no person, no ego network, no sources.
- ``person``: linked to one ``people.person_id``; sees their own personal view only.
- ``group_lead``: attached to one group (``department:Sales``, ``team:…``,
  ``community:…``, ``channel:…``); sees that group's aggregates only ("My group"), when
  it has at least the minimum group size; no other group, no person.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from groundswell import ops
from groundswell.errors import (
    ConfigError,
    ConflictError,
    NotFoundError,
    SignInError,
    TooManyAttemptsError,
)

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterator, Sequence

    from groundswell.workspace import Workspace

ROLES = ("admin", "analyst", "viewer", "person", "group_lead")
#: what a group lead may be attached to
GROUP_SCOPES = ("department", "team", "community", "channel")
#: What each role may do. ``aggregates``: group-level pages; ``people``: any person's data,
#: sources; ``names``: display names (still only in identified mode); ``plans``: champion
#: plans; ``users``: accounts; ``self``: one's own personal view.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"aggregates", "people", "names", "plans", "users", "sources", "jobs"}),
    "analyst": frozenset({"aggregates", "people", "names", "plans", "sources", "jobs"}),
    "viewer": frozenset({"aggregates"}),
    "person": frozenset({"self"}),
    "group_lead": frozenset({"group"}),
}
SESSION_LIFETIME = timedelta(hours=12)
#: How long a looked-up session is trusted without asking the database again (seconds);
#: logout and disabling an account drop it from the cache at once.
SESSION_CACHE_TTL = 10.0
SESSION_CACHE_SIZE = 10_000
#: Failed sign-ins in :data:`FAILURE_WINDOW` after which sign-in answers 429 without
#: checking the password: for one username from one client address (since their last
#: success), for one username from any address (since its last success), and from one
#: client address for any username (a success does not reset this one: an attacker with an
#: account of their own could otherwise reset it at will).
MAX_FAILURES = 5
MAX_ACCOUNT_FAILURES = 20
MAX_CLIENT_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
#: The least zxcvbn score (0 to 4) a password needs: 3 is "safely unguessable" (an estimated
#: 10^8 guesses or more; Wheeler 2016, USENIX Security).
MIN_PASSWORD_SCORE = 3
#: zxcvbn estimates at most this many characters (it refuses longer input); the rest of a
#: longer password only adds to its strength.
_ZXCVBN_MAX = 72
USERNAME_MAX = 64

_hasher = PasswordHasher()
# verified against when the username does not exist, so both paths cost one argon2 hash
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# the count that admits a sign-in attempt and the attempt's own row are one step: one SQLite
# write transaction (BEGIN IMMEDIATE), which serialises them across threads and processes
_attempts_lock = threading.Lock()
# zxcvbn keeps the user inputs of a call in a module-level dictionary
_zxcvbn_lock = threading.Lock()


@dataclass(frozen=True)
class User:
    """A signed-in account."""

    username: str
    role: str
    person_id: str | None
    csrf_token: str
    group: str | None = None  # a group lead's group, "attribute:name"

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def _store(ws: Workspace) -> Iterator[sqlite3.Connection]:
    """The workspace's operational store (:mod:`groundswell.ops`), accounts adopted from an
    older workspace's DuckDB tables first."""
    ops.adopt_accounts(ws.folder, ws.con)
    with ops.opened(ws.folder) as con:
        yield con


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
        raise ConfigError(
            f"username must be 1 to {USERNAME_MAX} letters, digits or . _ - @; got {username!r}"
        )
    return name


def check_password(password: str, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a password that is short, common or trivially patterned.

    A password needs :data:`MIN_PASSWORD_LENGTH` characters and a zxcvbn score of at least
    :data:`MIN_PASSWORD_SCORE` (zxcvbn, Wheeler 2016: it estimates the guesses needed from
    common passwords, names and words, keyboard walks, sequences, repeats and dates, and the
    ``user_inputs``, e.g. the username, which count as known to an attacker).

    Raises
    ------
    ConfigError
        Saying why the password was refused and what would pass.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters; got {len(password)}"
        )
    from zxcvbn import zxcvbn

    inputs = [str(u) for u in user_inputs if u]
    with _zxcvbn_lock:
        result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    why = result["feedback"]["warning"] or "It follows a pattern that is quick to guess"
    why = why[0].lower() + why[1:].rstrip(".")
    hints = "".join(f" {h}" for h in result["feedback"]["suggestions"])
    raise ConfigError(
        f"the password is too easy to guess: {why} (about {float(result['guesses']):.0e} "
        f"guesses; at least 1e+08 are needed).{hints} Common passwords, names, keyboard rows, "
        "sequences, repeats, dates and the username are refused; three or four unrelated "
        "words (e.g. 'lantern orbit pickle') or 12 random characters pass"
    )


def add_user(
    ws: Workspace,
    username: str,
    password: str,
    role: str,
    person_id: str | None = None,
    group: str | None = None,
) -> None:
    """Create a dashboard account.

    Parameters
    ----------
    ws : Workspace
        The workspace the account belongs to.
    username : str
        1 to 64 letters, digits or ``. _ - @``; must not exist yet.
    password : str
        At least :data:`MIN_PASSWORD_LENGTH` characters and hard to guess
        (:func:`check_password`, with the username, role and workspace name as words an
        attacker knows); stored as an argon2id hash only.
    role : str
        One of :data:`ROLES`.
    person_id : str, optional
        Required for (and only for) the ``person`` role: the pseudonymous id of the
        ``people`` record whose personal view the account sees.
    group : str, optional
        Required for (and only for) the ``group_lead`` role: ``attribute:name`` with an
        attribute of :data:`GROUP_SCOPES` (``department:Sales``).
    """
    name = _check_username(username)
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    check_password(password, [name, role, person_id or "", ws.folder.name, "groundswell"])
    if role == "person":
        if not person_id:
            raise ConfigError("a 'person' account needs --person PERSON_ID (a people record)")
        found = ws.con.execute(
            "SELECT count(*) FROM people WHERE person_id = ?", [person_id]
        ).fetchall()[0][0]
        if not found:
            raise ConfigError(f"there is no person {person_id!r} in the workspace")
    elif person_id:
        raise ConfigError(f"only 'person' accounts are linked to a person; got role {role!r}")
    group = check_group(ws, role, group)
    digest = _hasher.hash(password)
    with _store(ws) as con, ops.writing(con):
        exists = con.execute("SELECT count(*) FROM users WHERE username = ?", [name]).fetchall()
        if exists[0][0]:
            raise ConfigError(f"the user {name!r} already exists")
        con.execute(
            "INSERT INTO users (username, password_hash, role, person_id, created_at, disabled, "
            "group_scope) VALUES (?, ?, ?, ?, ?, 0, ?)",
            [name, digest, role, person_id, ops.micros(_now()), group],
        )


def check_group(ws: Workspace, role: str, group: str | None) -> str | None:
    """A group lead's group as stored (``attribute:name``); ConfigError when it is missing,
    malformed, not in the workspace, or given for another role."""
    if role != "group_lead":
        if group:
            raise ConfigError(f"only 'group_lead' accounts are attached to a group; got {role!r}")
        return None
    attribute, _, value = (group or "").partition(":")
    if attribute not in GROUP_SCOPES or not value:
        raise ConfigError(
            f"a 'group_lead' account needs --group ATTRIBUTE:NAME with an attribute of "
            f"{', '.join(GROUP_SCOPES)} (department:Sales); got {group!r}"
        )
    if attribute == "community":
        sql = "SELECT count(*) FROM communities WHERE CAST(community AS VARCHAR) = ?"
    elif attribute == "channel":  # by name, or by id when it has none (as value maturity)
        sql = "SELECT count(*) FROM channels WHERE coalesce(name, channel_id) = ?"
    else:
        sql = f"SELECT count(*) FROM people WHERE {attribute} = ?"
    if not ws.con.execute(sql, [value]).fetchall()[0][0]:
        raise ConfigError(f"there is no {attribute} {value!r} in the workspace")
    return f"{attribute}:{value}"


def list_users(ws: Workspace) -> list[dict[str, object]]:
    """Every account (never the hash)."""
    with _store(ws) as con:
        rows = con.execute(
            "SELECT username, role, person_id, created_at, disabled FROM users ORDER BY username"
        ).fetchall()
    return [
        {
            "username": u,
            "role": r,
            "person_id": p,
            "created_at": ops.from_micros(c).isoformat(),
            "disabled": bool(d),
        }
        for u, r, p, c, d in rows
    ]


def _account(ws: Workspace, username: str) -> tuple[str, bool]:
    """(role, disabled) of an account; ConfigError when there is none."""
    with _store(ws) as con:
        rows = con.execute(
            "SELECT role, disabled FROM users WHERE username = ?", [username]
        ).fetchall()
    if not rows:
        raise NotFoundError(f"there is no user {username!r}")
    return str(rows[0][0]), bool(rows[0][1])


#: Account changes of this process, one at a time. The last-admin check and the change it
#: guards are one SQLite write transaction (BEGIN IMMEDIATE): one step across processes too.
_accounts_lock = threading.RLock()


def _keep_an_admin(con: sqlite3.Connection, username: str, doing: str) -> None:
    """Refuse (409) to take away the last enabled admin account."""
    others = con.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND username <> ?",
        [username],
    ).fetchall()[0][0]
    if not others:
        raise ConflictError(
            f"{username!r} is the last enabled admin: cannot {doing} it; make another "
            "account admin first (groundswell user role WORKSPACE NAME admin)"
        )


def _end_sessions(con: Any, username: str) -> None:
    con.execute("DELETE FROM web_sessions WHERE username = ?", [username])


def set_disabled(
    ws: Workspace, username: str, disabled: bool, cache: SessionCache | None = None
) -> None:
    """Disable (or enable again) an account; disabling ends its sessions (in ``cache``
    too, at once). The last enabled admin cannot be disabled (ConflictError, 409)."""
    role, _ = _account(ws, username)
    with _accounts_lock, _store(ws) as con, ops.writing(con):
        if disabled and role == "admin":
            _keep_an_admin(con, username, "disable")
        con.execute("UPDATE users SET disabled = ? WHERE username = ?", [int(disabled), username])
        if disabled:
            _end_sessions(con, username)
    if disabled and cache is not None:  # after the commit: no lookup can re-cache it now
        cache.drop_user(username)


def set_role(
    ws: Workspace,
    username: str,
    role: str,
    person_id: str | None = None,
    cache: SessionCache | None = None,
) -> None:
    """Give an account another role (``person`` needs ``person_id``; other roles drop it).
    The account's sessions see the new role at once. The last enabled admin cannot be
    demoted (ConflictError, 409)."""
    current, _ = _account(ws, username)
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if role == "group_lead":
        raise ConfigError("a group lead is attached to a group: add it with user add --group")
    if role == "person":
        if not person_id:
            raise ConfigError("a 'person' account needs --person PERSON_ID (a people record)")
        found = ws.con.execute(
            "SELECT count(*) FROM people WHERE person_id = ?", [person_id]
        ).fetchall()[0][0]
        if not found:
            raise ConfigError(f"there is no person {person_id!r} in the workspace")
    elif person_id:
        raise ConfigError(f"only 'person' accounts are linked to a person; got role {role!r}")
    with _accounts_lock, _store(ws) as con, ops.writing(con):
        if current == "admin" and role != "admin":
            _keep_an_admin(con, username, "demote")
        con.execute(
            "UPDATE users SET role = ?, person_id = ?, group_scope = NULL WHERE username = ?",
            [role, person_id if role == "person" else None, username],
        )
    if cache is not None:
        cache.drop_user(username)


def set_password(
    ws: Workspace, username: str, password: str, cache: SessionCache | None = None
) -> None:
    """Set a new password (checked as for :func:`add_user`); every session of the account
    ends, so whoever knew the old one is signed out."""
    role, _ = _account(ws, username)
    check_password(password, [username, role, ws.folder.name, "groundswell"])
    digest = _hasher.hash(password)
    with _store(ws) as con, ops.writing(con):
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [digest, username])
        _end_sessions(con, username)
    if cache is not None:
        cache.drop_user(username)


def remove_user(ws: Workspace, username: str, cache: SessionCache | None = None) -> None:
    """Delete an account and its sessions. The last enabled admin cannot be removed."""
    role, disabled = _account(ws, username)
    with _accounts_lock, _store(ws) as con, ops.writing(con):
        if role == "admin" and not disabled:
            _keep_an_admin(con, username, "remove")
        _end_sessions(con, username)
        con.execute("DELETE FROM users WHERE username = ?", [username])
    if cache is not None:
        cache.drop_user(username)


_COUNTS = (
    "SELECT count(*) FILTER (WHERE username = ? AND client = ? AND ts > coalesce(("
    "  SELECT max(ts) FROM login_attempts WHERE username = ? AND client = ? AND ok), ?)), "
    "count(*) FILTER (WHERE username = ? AND ts > coalesce(("
    "  SELECT max(ts) FROM login_attempts WHERE username = ? AND ok), ?)), "
    "count(*) FILTER (WHERE client = ?) "
    "FROM login_attempts WHERE NOT ok AND ts > ?"
)  # timestamps: microseconds since 1970 UTC (groundswell.ops)


def _admit(ws: Workspace, name: str, client: str, now: datetime) -> int:
    """Count the failed sign-ins this attempt is limited by and, if none is at its limit,
    record the attempt as a failure; one step under :data:`_attempts_lock`, so concurrent
    attempts are admitted one at a time and each sees the ones before it. Returns the
    attempt's timestamp (distinct among the attempts of this username and client: it names
    the row)."""
    since = ops.micros(now - FAILURE_WINDOW)
    with _attempts_lock, _store(ws) as con, ops.writing(con):
        ts = ops.micros(now)
        while con.execute(
            "SELECT count(*) FROM login_attempts WHERE username = ? AND client = ? AND ts = ?",
            [name, client, ts],
        ).fetchall()[0][0]:
            ts += 1
        pair, account, from_client = con.execute(
            _COUNTS, [name, client, name, client, since, name, name, since, client, since]
        ).fetchall()[0]
        if (
            pair >= MAX_FAILURES
            or account >= MAX_ACCOUNT_FAILURES
            or from_client >= MAX_CLIENT_FAILURES
        ):
            raise TooManyAttemptsError(
                "too many failed sign-ins for this account or from this address; try again "
                f"in {FAILURE_WINDOW.seconds // 60} minutes",
            )
        con.execute("INSERT INTO login_attempts VALUES (?, ?, ?, 0)", [name, client, ts])
        con.execute("DELETE FROM web_sessions WHERE expires_at < ?", [ops.micros(now)])
        con.execute(
            "DELETE FROM login_attempts WHERE ts < ?", [ops.micros(now - 4 * FAILURE_WINDOW)]
        )
    return ts


def _succeeded(ws: Workspace, name: str, client: str, ts: int) -> None:
    """Mark the attempt recorded at ``ts`` as a success."""
    with _attempts_lock, _store(ws) as con, ops.writing(con):
        con.execute(
            "UPDATE login_attempts SET ok = 1 WHERE username = ? AND client = ? AND ts = ?",
            [name, client, ts],
        )


def login(ws: Workspace, username: str, password: str, client: str) -> tuple[str, User]:
    """Check a password and open a session; returns (token for the cookie, user).

    The attempt is first recorded as a failure, in one step with the counts that admit it
    (:func:`_admit`); only then is the password checked, and a right one turns the record
    into a success. So of any number of attempts sent at once, at most
    :data:`MAX_FAILURES` for one username and client address are checked.

    Raises AuthError 429 when :data:`MAX_FAILURES` failures for this username and client
    (since their last success), :data:`MAX_ACCOUNT_FAILURES` for this username from any
    client (since its last success) or :data:`MAX_CLIENT_FAILURES` from this client are
    recorded within :data:`FAILURE_WINDOW` (the password is then not even checked, and the
    refused attempt is not recorded), 401 for a wrong password or an unknown username.
    """
    now = _now()
    name = username.strip()[:USERNAME_MAX]
    ts = _admit(ws, name, client, now)
    with _store(ws) as con:
        row = con.execute(
            "SELECT password_hash, role, person_id, group_scope FROM users "
            "WHERE username = ? AND NOT disabled",
            [name],
        ).fetchall()
    stored = row[0][0] if row else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password) and bool(row)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise SignInError("wrong username or password")
    _succeeded(ws, name, client, ts)
    _, role, person_id, group = row[0]
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    rehashed = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else None
    with _store(ws) as con, ops.writing(con):  # committed before the cookie is sent
        if rehashed is not None:
            con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [rehashed, name])
        con.execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)",
            [_digest(token), name, csrf, ops.micros(now), ops.micros(now + SESSION_LIFETIME)],
        )
    return token, User(name, role, person_id, csrf, group)


class SessionCache:
    """A small in-process cache of live sessions: token digest -> user, so that a request
    does not cost a database query to know who sent it.

    An entry is trusted for at most ``ttl`` seconds after it was read from the database,
    and never past the session's own expiry. :func:`logout` drops its entry and
    :func:`set_disabled` every entry of the account, at once, so a signed-out session or a
    disabled account is refused on the very next request (the dashboard is the only writer
    of accounts in practice; a change from the command line is seen within ``ttl``). A
    lookup that began before such a revocation is not cached (it may have read the
    session just before it ended). Unknown tokens are not cached. Thread-safe.

    Parameters
    ----------
    ttl : float
        Seconds an entry is trusted (:data:`SESSION_CACHE_TTL`).
    size : int
        At most this many sessions are kept (the least recently used leave first).
    clock : callable, optional
        Returns the time in seconds (``time.monotonic``; tests pass their own).
    """

    def __init__(
        self,
        ttl: float = SESSION_CACHE_TTL,
        size: int = SESSION_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[str, tuple[User, datetime, float]] = OrderedDict()
        self._revoked: dict[str, float] = {}  # token digest or "user:" + name -> when
        self._lock = threading.Lock()

    def get(self, digest: str, now: datetime) -> User | None:
        """The cached user of a token digest, or None (absent, stale, or expired)."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            user, expires_at, read_at = entry
            if expires_at <= now or self.clock() - read_at >= self.ttl:
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return user

    def put(self, digest: str, user: User, expires_at: datetime, read_at: float) -> None:
        """Cache a session read from the database at ``read_at`` (``clock()`` before the
        query), unless it was revoked since or the read is already older than the TTL."""
        with self._lock:
            now = self.clock()
            revoked = max(
                self._revoked.get(digest, -math.inf),
                self._revoked.get("user:" + user.username, -math.inf),
            )
            if read_at <= revoked or now - read_at >= self.ttl:
                return
            self._entries[digest] = (user, expires_at, read_at)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def _revoke(self, key: str) -> None:
        now = self.clock()
        self._revoked = {k: t for k, t in self._revoked.items() if now - t < self.ttl}
        self._revoked[key] = now

    def drop(self, digest: str) -> None:
        """Forget one session (logout)."""
        with self._lock:
            self._entries.pop(digest, None)
            self._revoke(digest)

    def drop_user(self, username: str) -> None:
        """Forget every session of an account (disabled)."""
        with self._lock:
            for digest in [d for d, e in self._entries.items() if e[0].username == username]:
                del self._entries[digest]
            self._revoke("user:" + username)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def cached_user(cache: SessionCache, token: str | None) -> User | None:
    """The user of ``token`` if the cache holds a live entry for it (no database query)."""
    return cache.get(_digest(token), _now()) if token else None


def session_user(
    ws: Workspace, token: str | None, cache: SessionCache | None = None
) -> User | None:
    """The user of a live session token, or None (unknown, expired, or account disabled).

    With ``cache``, a session looked up recently is answered from it (see
    :class:`SessionCache`), and a session found in the database is put there."""
    if not token:
        return None
    digest, now = _digest(token), _now()
    if cache is not None and (user := cache.get(digest, now)) is not None:
        return user
    read_at = cache.clock() if cache is not None else 0.0
    with _store(ws) as con:
        rows = con.execute(
            "SELECT u.username, u.role, u.person_id, s.csrf_token, u.group_scope, s.expires_at "
            "FROM web_sessions s "
            "JOIN users u USING (username) WHERE s.token_hash = ? AND s.expires_at > ? "
            "AND NOT u.disabled",
            [digest, ops.micros(now)],
        ).fetchall()
    if not rows:
        return None
    *fields, expires_at = rows[0]
    user = User(*fields)
    if cache is not None:
        cache.put(digest, user, ops.from_micros(expires_at), read_at)
    return user


def logout(ws: Workspace, token: str | None, cache: SessionCache | None = None) -> None:
    """End a session (the token stops working at once, in ``cache`` too)."""
    if token:
        if cache is not None:
            cache.drop(_digest(token))
        with _store(ws) as con, ops.writing(con):
            con.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_digest(token)])
        if cache is not None:  # and any lookup that read it before the delete committed
            cache.drop(_digest(token))


def csrf_ok(user: User, supplied: str | None) -> bool:
    """Whether a request's CSRF token (form field or X-CSRF-Token header) is the session's."""
    return bool(supplied) and hmac.compare_digest(user.csrf_token, str(supplied))
