"""A Teams channel's member list (conversationMember resources with emails) links the authors
of its messages to the HR file (issue 15: it did not)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_csv

U1, U2 = "8b081ef6-4792-4def-b2c9-c363a1bf41d5", "5e8d2b1f-3b0a-4a4e-9d63-2f8e0c1c7a10"


def _message(mid: str, user: str, ts: str, reply_to: str | None = None) -> dict:
    return {
        "id": mid, "replyToId": reply_to, "messageType": "message", "createdDateTime": ts,
        "channelIdentity": {"teamId": "t1", "channelId": "19:general@thread.tacv2"},
        "from": {"user": {"id": user, "displayName": None, "userIdentityType": "aadUser"}},
        "body": {"contentType": "html", "content": "hi"},
    }  # fmt: skip


def _member(user: str, email: str) -> dict:
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember", "id": f"m-{user}",
        "roles": [], "displayName": "Someone", "userId": user, "email": email,
    }  # fmt: skip


@pytest.mark.parametrize("shape", ["member page", "channel with members"])
def test_channel_members_link_authors_to_the_hr_file(ws, tmp_path, shape) -> None:
    folder = tmp_path / "teams"
    folder.mkdir()
    msgs = [
        _message("1", U1, "2024-01-02T09:00:00Z"),
        _message("2", U2, "2024-01-02T09:05:00Z", "1"),
        _message("3", U2, "2024-01-03T09:05:00Z", "1"),
    ]
    (folder / "messages.json").write_text(json.dumps({"value": msgs}))
    members = [_member(U1, "ann@acme.com"), _member(U2, "bob@acme.com")]
    if shape == "member page":
        (folder / "members.json").write_text(json.dumps({"value": members}))
    else:
        channel = {"id": "19:general@thread.tacv2", "displayName": "General",
                   "membershipType": "standard", "createdDateTime": "2023-01-01T00:00:00Z",
                   "members": members}  # fmt: skip
        (folder / "channels.json").write_text(json.dumps([channel]))
    hr = write_csv(
        tmp_path / "hr.csv",
        ["EmployeeID", "Email"],
        [["E1", "ann@acme.com"], ["E2", "bob@acme.com"]],
    )
    ws.ingest_orgchart(hr)
    ws.ingest("teams", folder)
    p = ws.pseudonymiser.person
    resolved = ws.query(
        "SELECT coalesce(a1.person_id, i.actor_id) AS actor, "
        "coalesce(a2.person_id, i.target_id) AS target "
        "FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id "
        "LEFT JOIN aliases a2 ON a2.alias_id = i.target_id"
    )
    assert set(zip(resolved["actor"], resolved["target"], strict=True)) == {(p("E2"), p("E1"))}
    people = ws.query("SELECT person_id, is_internal FROM people")
    assert dict(zip(people["person_id"], people["is_internal"], strict=True)) == {
        p("E1"): True,
        p("E2"): True,
    }
