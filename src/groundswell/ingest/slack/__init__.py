"""Slack's workspace export, as its export tool writes it: a .zip or the folder it unpacks to.

Layout read (day files in order, and the conversation lists, parsed with msgspec into typed
structs of the fields read; users files, and lists and day files of any other shape, with
orjson)::

    users.json             the members (org_users.json in an Enterprise Grid org export)
    channels.json          public channels; their folders are named after the channel
    groups.json            private channels; folders named after the channel
    dms.json               direct messages; folders named after the conversation id (D...)
    mpims.json             group DMs; folders named after the conversation (mpdm-a--b-1)
    <folder>/YYYY-MM-DD.json   one JSON array of messages per conversation per day

Enterprise Grid: an export whose users cover several workspaces (``team_id`` on each user)
is read as one organisation. Org-level exports whose files sit in per-workspace subfolders
are read too: every folder holding a users file or a conversation list is an export root,
and a day file belongs to the conversation its folder is named after in the lists of the
root two levels above it (else in any root's lists). Users from every users file are
merged. Slack documents only that an org export has ``org_users.json`` instead of
``users.json``; the nested shape is handled generically, not from a published example.

Fields read
-----------
users: ``id``, ``team_id``, ``is_bot``, ``deleted``, ``is_restricted``,
``is_ultra_restricted``, ``is_stranger``, ``profile.email``, ``profile.title``,
``profile.bot_id`` (a bot user's messages are attributed to it), ``real_name`` /
``profile.real_name`` / ``name`` (display_name, only in identified mode).
conversation lists: ``id``, ``name``, ``created``, ``members``.
messages: ``ts`` (required), ``user`` (else ``comment.user`` of a file comment, else
``bot_id``, else ``username``), ``subtype``, ``bot_id``, ``thread_ts``, ``parent_user_id``,
``text`` (mentions ``<@U…>``, "?" for is_question, stored only when the workspace stores
content), ``blocks`` (rich-text ``user`` elements are mentions), ``reactions[].users``,
``edited`` (counted only).

Ignored: attachments, files (a file share is a post like any other), ``user_profile``,
``replies`` / ``reply_users`` (the replies themselves are in the day files), topics and
purposes, pins, ``integration_logs.json``, ``canvases.json``, uploads, any other file.

Mapping
-------
- channels: ``channel_id`` = pseudonym of the Slack id; kind public / private / dm /
  group_dm from the list naming it; ``name`` only for public channels; ``created_at`` from
  ``created`` (else the first message). A folder in no list is read with a warning, its kind
  guessed from its name (``D…`` a DM, ``mpdm-…`` a group DM, else public).
- messages: ``message_id`` = pseudonym of ``<channel id>:<ts>`` (ts is unique in a
  channel), so the zip and its unpacked folder give the same ids; ``thread_id`` the same
  scheme on ``thread_ts``; a message whose ``thread_ts`` differs from its ``ts`` is a
  ``reply`` with ``parent_id`` = the thread root, else a ``post``. ``is_question`` is a
  metadata-level heuristic: the text contains "?". ``is_bot`` for subtypes bot_message and
  slackbot_response, a ``bot_id``, an author flagged is_bot in users.json, USLACKBOT, and
  system messages.
- System subtypes (joins, leaves, topic / purpose / name changes, archive, bot_add,
  tombstone, pins, reminders, ...) are stored as ``is_bot`` messages and make no
  interaction at all (no mention, reply or reaction), so they count as activity only.
- interactions: a reply -> the thread root's author (``parent_user_id``, else the root
  found in this export or already in the workspace), kind ``reply``; each user mentioned
  in the text or the blocks, kind ``mention``; in a DM or group DM every other member of the
  conversation (``members`` of dms.json / mpims.json, else the people who wrote in it),
  kind ``dm``; each user in ``reactions[].users`` -> the message's author, kind
  ``reaction``: a reaction is the reactor's own act, stored with the message's id and, as
  exports carry no reaction time, the message's time. An interaction is ``is_bot`` when its
  actor or its target is a bot.
- people (added only when absent: an HR file wins): ``person_id`` = pseudonym of the email
  when ``profile.email`` is known, else of the user id, with an alias user id -> email;
  ``is_internal`` = not a bot, not a guest (is_restricted / is_ultra_restricted) and not a
  stranger (a Slack Connect user of another organisation); when ``ingest.internal_domains``
  is set, an email outside those domains is external too. ``title`` from profile.title;
  ``attrs`` holds team_id, deleted, is_bot, guest and stranger flags. Deleted users are
  kept with their messages. User ids seen in messages but absent from users.json are kept
  as external people with ``attrs.unknown`` (counted in a warning); bot ids (B…) as bots.

The day files of a large export are read by worker processes on the idle cores, with the
same rows, order, ids and errors as in one process (:mod:`~groundswell.ingest.slack.workers`);
a zip's central directory is walked from the mapped file, zipfile reading the unusual ones,
and its names, when all ASCII or UTF-8 flagged as such, are listed and matched to their
conversations as arrays (:class:`~groundswell.ingest.slack.archive._Listing`); the export's
hash and the compiled pseudonym loop's loading run on threads meanwhile.

Bad input raises :class:`~groundswell.errors.InputError` naming the file inside the export
and the JSON path of the record (``general/2016-01-14.json[3].ts``); nothing is written.
So does damaged input: a zip or member cut short or failing its CRC, invalid or incomplete
JSON (a NUL byte included), an export with neither users nor messages.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundswell import _loading
from groundswell.ingest import batch, common, damage
from groundswell.ingest.slack.archive import DAY_FILE, EXPECTED_LAYOUT, LISTS, USERS_FILES, _Export
from groundswell.ingest.slack.frames import BOT_SUBTYPES, SYSTEM_SUBTYPES, _build, _give_back
from groundswell.ingest.slack.messages import CHUNK, MENTION, _Reader
from groundswell.ingest.slack.workers import preload, preload_zip, read_days
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

KIND = "slack"
#: DuckDB's memory while the rows are stored (:data:`groundswell.ingest.batch.WRITE_MEMORY`;
#: None: DuckDB's default, 80% of the machine's memory)
STORE_MEMORY: str | None = batch.WRITE_MEMORY

# the reader and its constants (these were defined here before the module was split)
__all__ = [
    "BOT_SUBTYPES",
    "CHUNK",
    "DAY_FILE",
    "EXPECTED_LAYOUT",
    "KIND",
    "LISTS",
    "MENTION",
    "SYSTEM_SUBTYPES",
    "USERS_FILES",
    "ingest",
]


# -- loading the export --------------------------------------------------------------------------
class _Hashing:
    """:func:`batch.sha256_path` of an export: of a zip on a thread, started at once, while
    its directory is read (hashing lets go of the GIL), of a folder when asked for."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._sha: str | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if path.is_file():
            self._thread = threading.Thread(
                target=self._run, name="groundswell-sha256", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        try:
            self._sha = batch.sha256_path(self._path)
        except BaseException as exc:  # raised by result(), in the caller's thread
            self._error = exc

    def wait(self) -> None:
        """Wait for the thread, if any, to end."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> str:
        """The hash, or the error hashing raised."""
        if self._thread is None:
            return batch.sha256_path(self._path)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._sha is not None
        return self._sha


def ingest(
    ws: Store, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load a Slack export (.zip or unpacked folder) in one transaction; see the module doc.

    With ``dry_run`` the export is read and the summary computed; nothing is written.
    """
    path = Path(path)
    with steps(5, enabled=progress) as bar, contextlib.ExitStack() as uncollected:
        bar.step("checking the export")
        hashing = _Hashing(path)
        early = preload_zip(path)  # the compiled HMAC loop, loaded while the directory is read
        try:
            ex = _Export(path)
        except BaseException:
            hashing.wait()  # (the export's error is the one raised)
            if early is not None:
                early.join()
            raise
        try:
            options: dict[str, Any] = {}
            sha = hashing.result()
            if (seen := common.earlier_ingest(ws, KIND, path, sha, options)) is not None:
                return seen
            summary = common.IngestSummary(str(path), KIND, None)
            rd = _Reader(ws, ex, summary)
            # (else, for a folder as large, loaded while the layout is found)
            loading = early if early is not None else preload(ex)
            try:
                users, days = rd.layout()
            finally:
                if loading is not None:
                    loading.join()
            bar.step(f"reading {len(days):,} day files")
            # the collector off until the rows are stored: reading the day files, building
            # the frames and storing them make next to no reference cycles, and its passes
            # over their objects cost more than they free (about 980 passes, 0.6 s, while the
            # frames of the synthetic 5,000-person export are built)
            uncollected.enter_context(_loading.paused())
            read_days(rd, days)
            rd.flush()
            del days
        finally:
            ex.close()
        damage.require_records(
            path,
            summary.rows_read + len(users),
            what="message and no user in the export",
            expected="users in users.json, or day files (<conversation>/YYYY-MM-DD.json) "
            "holding messages",
        )
        bar.step("pseudonymising")
        _give_back()  # (the peak is then the largest stage, not the sum of them)
        out = _build(ws, rd, users)
        del rd, users
        _give_back()
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run, memory=STORE_MEMORY)
