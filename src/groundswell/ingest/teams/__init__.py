"""Microsoft Teams: channel and chat messages as Microsoft Graph returns them.

Input: Graph ``chatMessage`` resources (https://learn.microsoft.com/graph/api/resources/chatmessage)
in one file or a folder of ``.json`` / ``.jsonl`` / ``.ndjson`` files, each holding JSON Lines
(one object a line), a JSON array, one object, or Graph's paged envelope
``{"value": [...], "@odata.nextLink": ...}`` (also an array of such pages). Messages listed with
``$expand=replies`` have their ``replies`` read too. The same folder may hold Graph ``chat``
resources (``GET /chats?$expand=members``), ``channel`` resources (``GET /teams/{id}/channels``)
and a channel's member list (``conversationMember`` resources, ``GET /teams/{id}/channels/{id}/
members``, or a channel's ``members``): they tell who is in a chat, which channels are private,
and each member's email, which links their messages to the HR file.

chatMessage fields read
=======================  ===================================================================
id                       the message (unique within its channel or chat) — required
createdDateTime          when (ISO 8601, UTC) — required
replyToId                the root message a channel reply answers: parent and thread
channelIdentity          {teamId, channelId}: the channel of a channel message
chatId                   the chat of a chat message
messageType              ``message`` is a person's post; ``systemEventMessage``, ``chatEvent``,
                         ``typing`` and anything else are system messages (is_bot, no ties)
from                     {user {id, displayName, userIdentityType}} a person (AAD object id);
                         {application {id}} a bot or app (is_bot); neither: the initiator in
                         ``eventDetail`` (system messages), else the message is skipped
mentions                 [{mentioned {user {id, displayName}}}]: mention ties to users; mentions
                         of apps, conversations (@channel, @team) and tags make none
reactions                [{user {user {id}}, createdDateTime}]: reaction ties, reactor ->
                         author, dated by the reaction's own createdDateTime
deletedDateTime          set: a deleted message, skipped and counted (still answers "who wrote
                         the message this reply answers")
lastModifiedDateTime     when a message appears twice, the latest version is kept
body.content             text (tags stripped) only when the workspace stores content; a root
                         post whose text asks (``?`` before a space or the end) is a question
=======================  ===================================================================

Ignored: etag, subject, summary, importance, locale, webUrl, attachments, hostedContents,
policyViolation, messageHistory, lastEditedDateTime, eventDetail (except its initiator), and
any ``@odata.*`` annotation.

Channels: a channel message's channel is ``channelIdentity.channelId`` — kind ``public``
unless a channel resource in the input says ``membershipType`` private or shared (Graph
exposes membershipType on the channel resource only, never on the message). A chat message's
channel is its ``chatId`` — ``dm`` for a one-on-one chat (``chatType`` oneOnOne, two members,
or the one-on-one id form ``19:{user}_{user}@unq.gbl.spaces`` used in Graph's examples),
``meeting`` for a meeting chat, else ``group_dm``. When the members of a chat are known (a
chat resource with ``members``, or a one-on-one id), every message in it is a ``dm`` from
its author to each other member; without a member list a chat makes ties only through
replies and mentions.

People: user ids are AAD object ids, pseudonymised as they are (so an HR file keyed by AAD
id links directly). chatMessage carries no email; when a chat member (``email``) or an
identity (``userPrincipalName``, ``email``, ``mail``) gives one, the person is keyed by the
email and the user id becomes an alias. ``userIdentityType`` other than aadUser /
onPremiseAadUser (guests, federated, personal accounts, phone, email users) marks the person
external; with ``ingest.internal_domains`` set, the email domain decides. Display names are
kept only in identified mode. Bots and apps get no people row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundswell.ingest import batch, common, damage
from groundswell.ingest.teams.files import SUFFIXES, Loc, _files, _records
from groundswell.ingest.teams.frames import (
    COLUMNS,
    INTERNAL_IDENTITY_TYPES,
    ONE_ON_ONE,
    QUESTION,
    _build,
)
from groundswell.ingest.teams.messages import CHANNEL_KINDS, CHAT_KINDS, HUMAN_MESSAGE, _Reader
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

KIND = "teams"

# the reader and its constants (these were defined here before the module was split)
__all__ = [
    "CHANNEL_KINDS",
    "CHAT_KINDS",
    "COLUMNS",
    "HUMAN_MESSAGE",
    "INTERNAL_IDENTITY_TYPES",
    "KIND",
    "ONE_ON_ONE",
    "QUESTION",
    "SUFFIXES",
    "Loc",
    "ingest",
]


def ingest(
    ws: Store, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load Teams messages into ``messages``, ``interactions``, ``channels`` and ``people``.

    One transaction; the same input twice adds nothing; ``dry_run`` writes nothing.
    """
    path = Path(path)
    with steps(4, enabled=progress) as bar:
        bar.step("reading the messages")
        files = _files(path)
        options: dict[str, Any] = {}
        sha = batch.sha256_path(path)
        if (seen := common.earlier_ingest(ws, KIND, path, sha, options)) is not None:
            return seen
        summary = common.IngestSummary(str(path), KIND, None)
        reader = _Reader()
        for f in files:
            for rec, loc, parent in _records(f):
                reader.add(rec, loc, parent)
        summary.rows_read = reader.n_records
        damage.require_records(
            path,
            len(reader.rows),
            what="chatMessage in the input",
            expected="Graph chatMessage objects (JSON, a Graph page or JSON Lines)",
        )
        bar.step("pseudonymising")
        out = _build(ws, reader, summary)
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)
