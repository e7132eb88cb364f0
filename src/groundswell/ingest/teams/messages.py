"""Collecting Teams records: chatMessages, chats and channels, column by column (see
:mod:`groundswell.ingest.teams`)."""

from __future__ import annotations

from typing import Any

from groundswell.ingest.teams.files import Loc, _error, _list, _obj, _text

HUMAN_MESSAGE = "message"
CHAT_KINDS = {"oneonone": "dm", "group": "group_dm", "meeting": "meeting"}
CHANNEL_KINDS = {"standard": "public", "private": "private", "shared": "private"}


class _Reader:
    """Collects messages, chats and channels from records, column by column."""

    def __init__(self) -> None:
        self.n_records = 0
        self.rows: list[tuple[Any, ...]] = []
        self.locs: list[Loc] = []
        self.mentions: list[tuple[int, str]] = []
        self.reactions: list[tuple[int, str, str, int]] = []
        self.people: list[tuple[str, str, str, str]] = []  # id, name, identity type, email
        self.named: set[Any] = set()  # ids already recorded with a display name
        self.chat_members: dict[str, set[str]] = {}
        self.chat_kind: dict[str, str] = {}
        self.channel_kind: dict[str, tuple[str, str, str]] = {}  # id -> kind, name, created
        self.channel_locs: dict[str, Loc] = {}  # id -> where its createdDateTime is

    def add(self, rec: dict[str, Any], loc: Loc, parent: str) -> None:
        self.n_records += 1
        if "chatType" in rec:
            self._chat(rec, loc)
        elif "userId" in rec and not ({"messageType", "body", "from"} & rec.keys()):
            self._member(rec, loc, "")  # a conversationMember: a channel's member list
        elif "membershipType" in rec:
            for j, m in enumerate(_list(rec.get("members"), loc, "members")):
                self._member(_obj(m, loc, f"members[{j}]"), loc, f"members[{j}].")
            cid = _text(rec.get("id"), loc, "id")
            kind = CHANNEL_KINDS.get(
                _text(rec.get("membershipType"), loc, "membershipType").lower(), "public"
            )
            name = _text(rec.get("displayName"), loc, "displayName")
            self.channel_locs[cid] = loc
            self.channel_kind[cid] = (
                kind,
                name,
                _text(rec.get("createdDateTime"), loc, "createdDateTime"),
            )
        else:
            self._message(rec, loc, parent)

    def _member(self, m: dict[str, Any], loc: Loc, at: str) -> None:
        """A conversationMember of a channel (``GET /teams/{id}/channels/{id}/members``, or a
        channel's ``members``): its email links the user id to the person."""
        uid = _text(m.get("userId"), loc, f"{at}userId")
        if uid:
            email = _text(m.get("email"), loc, f"{at}email")
            aad = "aadUserConversationMember" in str(m.get("@odata.type", ""))
            self.people.append(
                (uid, _text(m.get("displayName"), loc, f"{at}displayName"),
                 "aaduser" if aad else "", email if "@" in email else "")
            )  # fmt: skip

    def _chat(self, rec: dict[str, Any], loc: Loc) -> None:
        cid = _text(rec.get("id"), loc, "id")
        if not cid:
            raise _error(loc, "id", "chat without an id", "the chat's id")
        ctype = _text(rec.get("chatType"), loc, "chatType").lower()
        members = set()
        for j, m in enumerate(_list(rec.get("members"), loc, "members")):
            m = _obj(m, loc, f"members[{j}]")
            uid = _text(m.get("userId"), loc, f"members[{j}].userId")
            if uid:
                members.add(uid)
                self.people.append(
                    (uid, _text(m.get("displayName"), loc, f"members[{j}].displayName"), "",
                     _text(m.get("email"), loc, f"members[{j}].email"))
                )  # fmt: skip
        if members:
            self.chat_members[cid] = members
        self.chat_kind[cid] = CHAT_KINDS.get(ctype, "")

    def _message(self, rec: dict[str, Any], loc: Loc, parent: str) -> None:
        mid = _text(rec.get("id"), loc, "id")
        if not mid:
            raise _error(loc, "id", "message without an id", "the chatMessage id")
        if not ({"messageType", "body", "from", "createdDateTime"} & rec.keys()):
            raise _error(
                loc, "", "not a chatMessage", "a Microsoft Graph chatMessage "
                "(id, createdDateTime, messageType, from, body, ...)", sorted(rec)[:8],
            )  # fmt: skip
        created = _text(rec.get("createdDateTime"), loc, "createdDateTime")
        if not created:
            raise _error(loc, "createdDateTime", "missing", "an ISO 8601 timestamp")
        ident = _obj(rec.get("channelIdentity"), loc, "channelIdentity")
        channel = _text(ident.get("channelId"), loc, "channelIdentity.channelId")
        chat = _text(rec.get("chatId"), loc, "chatId")
        mtype = _text(rec.get("messageType"), loc, "messageType") or HUMAN_MESSAGE
        sender = _obj(rec.get("from"), loc, "from")
        user = _obj(sender.get("user"), loc, "from.user")
        app = _obj(sender.get("application"), loc, "from.application")
        author, is_app = _text(user.get("id"), loc, "from.user.id"), False
        if author:
            self._person(user, loc, "from.user")
        else:
            author, is_app = _text(app.get("id"), loc, "from.application.id"), True
        if not author:
            detail = _obj(rec.get("eventDetail"), loc, "eventDetail")
            init = _obj(detail.get("initiator"), loc, "eventDetail.initiator")
            iu = _obj(init.get("user"), loc, "eventDetail.initiator.user")
            ia = _obj(init.get("application"), loc, "eventDetail.initiator.application")
            author = _text(iu.get("id"), loc, "eventDetail.initiator.user.id")
            is_app = not author
            author = author or _text(ia.get("id"), loc, "eventDetail.initiator.application.id")
        body = _obj(rec.get("body"), loc, "body")
        content = body.get("content")
        k = len(self.rows)
        self.rows.append(
            (
                mid, channel, chat, _text(rec.get("replyToId"), loc, "replyToId") or parent,
                created, _text(rec.get("lastModifiedDateTime"), loc, "lastModifiedDateTime"),
                rec.get("deletedDateTime") not in (None, ""), mtype, author, is_app,
                content if isinstance(content, str) else "",
            )
        )  # fmt: skip
        self.locs.append(loc)
        for j, m in enumerate(_list(rec.get("mentions"), loc, "mentions")):
            try:  # the common shape, without a check per level
                mu = m["mentioned"]["user"]
                if type(mu["id"]) is str and mu["id"]:
                    self.mentions.append((k, mu["id"].strip()))
                    self._person(mu, loc, f"mentions[{j}].mentioned.user")
                    continue
            except (KeyError, TypeError):
                pass
            m = _obj(m, loc, f"mentions[{j}]")
            who = _obj(m.get("mentioned"), loc, f"mentions[{j}].mentioned")
            mu = _obj(who.get("user"), loc, f"mentions[{j}].mentioned.user")
            uid = _text(mu.get("id"), loc, f"mentions[{j}].mentioned.user.id")
            if uid:
                self.mentions.append((k, uid))
                self._person(mu, loc, f"mentions[{j}].mentioned.user")
        for j, r in enumerate(_list(rec.get("reactions"), loc, "reactions")):
            try:  # the common shape, without a check per level
                ru = r["user"]["user"]
                ts = r.get("createdDateTime") or ""
                if type(ru["id"]) is str and ru["id"] and type(ts) is str:
                    self.reactions.append((k, ru["id"].strip(), ts.strip(), j))
                    self._person(ru, loc, f"reactions[{j}].user.user")
                    continue
            except (KeyError, TypeError):
                pass
            r = _obj(r, loc, f"reactions[{j}]")
            ru = _obj(_obj(r.get("user"), loc, f"reactions[{j}].user").get("user"), loc,
                      f"reactions[{j}].user.user")  # fmt: skip
            uid = _text(ru.get("id"), loc, f"reactions[{j}].user.user.id")
            if uid:
                ts = _text(r.get("createdDateTime"), loc, f"reactions[{j}].createdDateTime")
                self.reactions.append((k, uid, ts, j))
                self._person(ru, loc, f"reactions[{j}].user.user")

    def _person(self, ident: dict[str, Any], loc: Loc, field: str) -> None:
        if ident.get("id") in self.named:
            return
        if ident.get("displayName"):
            self.named.add(ident.get("id"))
        email = ""
        for key in ("email", "mail", "userPrincipalName"):
            email = email or _text(ident.get(key), loc, f"{field}.{key}")
        self.people.append(
            (
                _text(ident.get("id"), loc, f"{field}.id"),
                _text(ident.get("displayName"), loc, f"{field}.displayName"),
                _text(ident.get("userIdentityType"), loc, f"{field}.userIdentityType").lower(),
                email if "@" in email else "",
            )
        )
