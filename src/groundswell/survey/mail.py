"""Sending personal survey links by email (SMTP), and the ``[survey]`` settings.

The settings live in ``groundswell.toml`` under ``[survey]`` (docs/settings.md). The SMTP
password is never in the file: ``smtp_password_env`` names the environment variable that
holds it. The workspace stores no email address either (the HR file's emails are hashed into
aliases), so sending takes an *addresses file*: a CSV or Parquet file with a column ``email``
and, optionally, a column ``person`` with another identifier of the person (an HR id);
each row is matched to the roster the way an ingest would match it (keyed hash, then
aliases), used to send, and never stored.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.errors import ConfigError, InputError
from groundswell.ingest import common
from groundswell.survey.model import Link, mark_sent

if TYPE_CHECKING:
    from groundswell.store import Store

DEFAULTS: dict[str, Any] = {
    "smtp_host": "localhost",
    "smtp_port": 587,
    "smtp_starttls": True,
    "smtp_username": "",
    "smtp_password_env": "GROUNDSWELL_SMTP_PASSWORD",
    "smtp_timeout_seconds": 30,
    "from_address": "",
    "subject": "A five-minute survey: whom do you work with?",
    "reminder_subject": "Reminder: a five-minute survey on whom you work with",
    "max_unknown_tokens": 20,
    "unknown_token_window_minutes": 10,
}

BODY = """Hello{name},

{survey}: a short survey asks whom you turn to at work (advice, information, trust, energy,
collaboration). It takes about five minutes; your progress is saved as you go, and you can
change your answers until the survey closes.

Your personal link (please do not forward it: it answers for you only):

{url}

Thank you.
"""


@dataclass(frozen=True)
class SurveySettings:
    """The ``[survey]`` settings of a workspace (defaults in :data:`DEFAULTS`)."""

    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password_env: str
    smtp_timeout_seconds: int
    from_address: str
    subject: str
    reminder_subject: str
    max_unknown_tokens: int
    unknown_token_window_minutes: int

    def password(self) -> str | None:
        """The SMTP password from the environment (None when no username is set)."""
        if not self.smtp_username:
            return None
        value = os.environ.get(self.smtp_password_env)
        if not value:
            raise ConfigError(
                f"survey.smtp_username is set but the environment variable "
                f"{self.smtp_password_env} (survey.smtp_password_env) holding the SMTP password "
                "is empty or missing"
            )
        return value


def settings(ws: Store) -> SurveySettings:
    """The validated ``[survey]`` settings (defaults for an older workspace without them)."""
    raw = {**DEFAULTS, **ws.settings.raw.get("survey", {})}
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"groundswell.toml: unknown setting(s) survey.{unknown[0]}")
    for key in (
        "smtp_host",
        "smtp_username",
        "smtp_password_env",
        "from_address",
        "subject",
        "reminder_subject",
    ):
        if not isinstance(raw[key], str):
            raise ConfigError(f"groundswell.toml: 'survey.{key}' must be text; got {raw[key]!r}")
    for key in (
        "smtp_port",
        "smtp_timeout_seconds",
        "max_unknown_tokens",
        "unknown_token_window_minutes",
    ):
        v = raw[key]
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ConfigError(
                f"groundswell.toml: 'survey.{key}' must be an integer >= 1; got {v!r}"
            )
    if not isinstance(raw["smtp_starttls"], bool):
        raise ConfigError(
            f"groundswell.toml: 'survey.smtp_starttls' must be true or false; "
            f"got {raw['smtp_starttls']!r}"
        )
    return SurveySettings(**raw)


def addresses(ws: Store, path: str | Path) -> dict[str, str]:
    """person_id -> email address, from an addresses file (see the module docstring)."""
    path = Path(path)
    table = common.read_table(path)
    cols = {c.strip().lower(): c for c in table.columns}
    if "email" not in cols:
        raise InputError(
            path, "no email column", expected="a column named email", found=list(table.columns)
        )
    email = table[cols["email"]].astype("string").fillna("").str.strip()
    ident = email
    if "person" in cols:
        ident = table[cols["person"]].astype("string").fillna("").str.strip()
    bad = ~email.str.contains(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", regex=True)
    if bad.any():
        k = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            "not an email address",
            expected="name@domain",
            found=email.iloc[k],
            **common.locate(path, k),
        )
    ids = pd.Series(ws.pseudonymiser.people(ident), dtype=object)
    aliases = dict(ws.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
    resolved = ids.map(lambda i: aliases.get(i, i))
    return dict(zip(resolved, email, strict=True))


def send_links(
    ws: Store,
    survey_id: int,
    survey_name: str,
    links: list[Link],
    to: dict[str, str],
    *,
    reminder: bool = False,
) -> dict[str, int]:
    """Email each link to its person's address over one SMTP session.

    Returns ``{"sent": n, "no_address": m}``; people without an address in ``to`` are
    counted, not sent. Raises ConfigError when the SMTP server refuses the session.
    """
    cfg = settings(ws)
    if not cfg.from_address:
        raise ConfigError(
            "survey.from_address is empty: set the sender address in groundswell.toml "
            '([survey] from_address = "ona@example.com")'
        )
    password = cfg.password()
    sent: list[str] = []
    missing = 0
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_seconds) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_username:
                smtp.login(cfg.smtp_username, password or "")
            for link in links:
                address = to.get(link.person_id)
                if not address:
                    missing += 1
                    continue
                msg = EmailMessage()
                msg["From"] = cfg.from_address
                msg["To"] = address
                msg["Subject"] = cfg.reminder_subject if reminder else cfg.subject
                name = f" {link.display_name}" if link.display_name else ""
                msg.set_content(BODY.format(name=name, survey=survey_name, url=link.url))
                smtp.send_message(msg)
                sent.append(link.person_id)
    except (OSError, smtplib.SMTPException) as exc:
        mark_sent(ws, survey_id, sent)
        raise ConfigError(
            f"sending survey links through {cfg.smtp_host}:{cfg.smtp_port} failed after "
            f"{len(sent)} emails: {exc}"
        ) from None
    mark_sent(ws, survey_id, sent)
    return {"sent": len(sent), "no_address": missing}
