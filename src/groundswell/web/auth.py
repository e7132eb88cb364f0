"""Dashboard accounts, sessions, CSRF tokens, the login rate limit, and who may see what.

Accounts live in the workspace (tables ``users``, ``web_sessions``, ``login_attempts`` of
schema v4). Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults,
RFC 9106); a session is a random token (``secrets.token_urlsafe(32)``, 256 bits) held by the
browser in an HttpOnly, SameSite=Strict cookie and stored only as its SHA-256, so a copy of
the database does not yield a usable session. Each session has its own CSRF token, required
on every state-changing request. Logins are limited to :data:`MAX_FAILURES` failures per
username and client address in :data:`FAILURE_WINDOW`.

Roles (see docs/dashboard.md for what each sees):

- ``admin``: everything an analyst has, plus accounts (and, as they land, ingest, settings).
- ``analyst``: everything analytical, people included; names in identified mode.
- ``viewer``: aggregates only (overview, runs, groups, communities, formal against
  informal, comparisons, an anonymous map); no person, no ego network, no sources.
- ``person``: linked to one ``people.person_id``; sees their own personal view only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from groundswell.errors import ConfigError, GroundswellError

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

ROLES = ("admin", "analyst", "viewer", "person")
#: What each role may do. ``aggregates``: group-level pages; ``people``: any person's data,
#: sources; ``names``: display names (still only in identified mode); ``plans``: champion
#: plans; ``users``: accounts; ``self``: one's own personal view.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"aggregates", "people", "names", "plans", "users", "sources"}),
    "analyst": frozenset({"aggregates", "people", "names", "plans", "sources"}),
    "viewer": frozenset({"aggregates"}),
    "person": frozenset({"self"}),
}
SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
USERNAME_MAX = 64

_hasher = PasswordHasher()
# verified against when the username does not exist, so both paths cost one argon2 hash
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AuthError(GroundswellError):
    """Not signed in, a bad password, a missing CSRF token, or a forbidden page.

    ``status`` is the HTTP status the web app answers with (401, 403 or 429).
    """

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class User:
    """A signed-in account."""

    username: str
    role: str
    person_id: str | None
    csrf_token: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
        raise ConfigError(
            f"username must be 1 to {USERNAME_MAX} letters, digits or . _ - @; got {username!r}"
        )
    return name


def add_user(
    ws: Workspace, username: str, password: str, role: str, person_id: str | None = None
) -> None:
    """Create a dashboard account.

    Parameters
    ----------
    ws : Workspace
        The workspace the account belongs to.
    username : str
        1 to 64 letters, digits or ``. _ - @``; must not exist yet.
    password : str
        At least :data:`MIN_PASSWORD_LENGTH` characters; stored as an argon2id hash only.
    role : str
        One of :data:`ROLES`.
    person_id : str, optional
        Required for (and only for) the ``person`` role: the pseudonymous id of the
        ``people`` record whose personal view the account sees.
    """
    name = _check_username(username)
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters; got {len(password)}"
        )
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
    exists = ws.con.execute("SELECT count(*) FROM users WHERE username = ?", [name]).fetchall()
    if exists[0][0]:
        raise ConfigError(f"the user {name!r} already exists")
    with ws.transaction() as con:
        con.execute(
            "INSERT INTO users (username, password_hash, role, person_id, created_at, disabled) "
            "VALUES (?, ?, ?, ?, ?, false)",
            [name, _hasher.hash(password), role, person_id, _now()],
        )


def list_users(ws: Workspace) -> list[dict[str, object]]:
    """Every account (never the hash)."""
    rows = ws.con.execute(
        "SELECT username, role, person_id, created_at, disabled FROM users ORDER BY username"
    ).fetchall()
    return [
        {
            "username": u,
            "role": r,
            "person_id": p,
            "created_at": c.isoformat(),
            "disabled": bool(d),
        }
        for u, r, p, c, d in rows
    ]


def set_disabled(ws: Workspace, username: str, disabled: bool) -> None:
    """Disable (or enable again) an account; disabling ends its sessions."""
    found = ws.con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()
    if not found[0][0]:
        raise ConfigError(f"there is no user {username!r}")
    with ws.transaction() as con:
        con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])
        if disabled:
            con.execute("DELETE FROM web_sessions WHERE username = ?", [username])


def _failures(ws: Workspace, username: str, client: str, now: datetime) -> int:
    """Failed logins for (username, client) in the window, since the last success."""
    return int(
        ws.con.execute(
            "SELECT count(*) FROM login_attempts WHERE username = ? AND client = ? AND NOT ok "
            "AND ts > greatest(?, coalesce((SELECT max(ts) FROM login_attempts "
            "WHERE username = ? AND client = ? AND ok), ?))",
            [username, client, now - FAILURE_WINDOW, username, client, now - FAILURE_WINDOW],
        ).fetchall()[0][0]
    )


def login(ws: Workspace, username: str, password: str, client: str) -> tuple[str, User]:
    """Check a password and open a session; returns (token for the cookie, user).

    Raises AuthError 429 after :data:`MAX_FAILURES` failures for this username and client
    within :data:`FAILURE_WINDOW` (the password is then not even checked), 401 otherwise.
    """
    now = _now()
    name = username.strip()[:USERNAME_MAX]
    if _failures(ws, name, client, now) >= MAX_FAILURES:
        raise AuthError(
            f"too many failed sign-ins; try again in {FAILURE_WINDOW.seconds // 60} minutes",
            429,
        )
    row = ws.con.execute(
        "SELECT password_hash, role, person_id FROM users WHERE username = ? AND NOT disabled",
        [name],
    ).fetchall()
    stored = row[0][0] if row else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password) and bool(row)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    with ws.transaction() as con:
        con.execute("INSERT INTO login_attempts VALUES (?, ?, ?, ?)", [name, client, now, ok])
        con.execute("DELETE FROM web_sessions WHERE expires_at < ?", [now])
        con.execute("DELETE FROM login_attempts WHERE ts < ?", [now - 4 * FAILURE_WINDOW])
    if not ok:
        raise AuthError("wrong username or password", 401)
    _, role, person_id = row[0]
    if _hasher.check_needs_rehash(stored):
        with ws.transaction() as con:
            con.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?",
                [_hasher.hash(password), name],
            )
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with ws.transaction() as con:
        con.execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)",
            [_digest(token), name, csrf, now, now + SESSION_LIFETIME],
        )
    return token, User(name, role, person_id, csrf)


def session_user(ws: Workspace, token: str | None) -> User | None:
    """The user of a live session token, or None (unknown, expired, or account disabled)."""
    if not token:
        return None
    rows = ws.con.execute(
        "SELECT u.username, u.role, u.person_id, s.csrf_token FROM web_sessions s "
        "JOIN users u USING (username) WHERE s.token_hash = ? AND s.expires_at > ? "
        "AND NOT u.disabled",
        [_digest(token), _now()],
    ).fetchall()
    return User(*rows[0]) if rows else None


def logout(ws: Workspace, token: str | None) -> None:
    """End a session (the token stops working at once)."""
    if token:
        with ws.transaction() as con:
            con.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_digest(token)])


def csrf_ok(user: User, supplied: str | None) -> bool:
    """Whether a request's CSRF token (form field or X-CSRF-Token header) is the session's."""
    return bool(supplied) and hmac.compare_digest(user.csrf_token, str(supplied))
