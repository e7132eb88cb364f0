"""A small organisation written in the documented layout of every source, with known raw names
and addresses: the input of the PII grep (tests/test_pii_grep.py) and of the sample matrix's
own fixtures (tests/e2e/test_sample_matrix.py).

Twelve employees in two departments (Vertrieb 6, Technik 6) and two outsiders (a customer, a
supplier). Every name and address is an invented word that appears nowhere else, so finding
one in a workspace means it was stored.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIRST = ["Zebediah", "Xanthippe", "Quillon", "Ysolde", "Barnabus", "Oriabel",
         "Thaddeus", "Wilhelmina", "Cosimo", "Perpetua", "Ignatius", "Eulalie"]  # fmt: skip
LAST = ["Vorpalsky", "Quuxley", "Brindlemoor", "Fennimoss", "Gargoyne", "Hollowbeck",
        "Jubbleworth", "Krakenfeld", "Lumpwhistle", "Mossgrave", "Nettlefold",
        "Oakenshaw"]  # fmt: skip
DOMAIN = "acme-pii.test"
OUTSIDE = [("Cunegonde", "Stroganova", "cunegonde@kundenhaus.test", "Kunde"),
           ("Ferdinand", "Zwickelbauer", "ferdinand@lieferwerk.test", "Lieferant")]  # fmt: skip
PHONES = [f"+49 171 55{i:05d}" for i in range(12)]
NOTE = "Sprach mit Zebediah Vorpalsky über die Beförderung im Frühjahr"
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    eid: str
    first: str
    last: str
    email: str
    dept: str
    manager: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def people() -> list[Person]:
    out = []
    for i, (f, la) in enumerate(zip(FIRST, LAST, strict=True)):
        dept = "Vertrieb" if i < 6 else "Technik"
        manager = "" if i in (0, 6) else ("P1000" if i < 6 else "P1006")
        if i == 6:
            manager = "P1000"
        out.append(
            Person(f"P{1000 + i}", f, la, f"{f.lower()}.{la.lower()}@{DOMAIN}", dept, manager)
        )
    return out


def raw_strings() -> list[str]:
    """Every raw name, address and phone number the files hold."""
    out = [NOTE]
    for p in people():
        out += [p.first, p.last, p.name, p.email]
    for f, la, mail, _ in OUTSIDE:
        out += [f, la, f"{f} {la}", mail]
    return out + PHONES


def hr_german(path: Path) -> Path:
    """An HR export as German Excel writes it: semicolons, day-first dates, UTF-8 with a BOM,
    German headers, a phone and a remarks column; the outsiders with a Beziehung column."""
    rows = [["Personalnummer", "Vorname", "Nachname", "E-Mail", "Abteilung", "Vorgesetzter",
             "Eintrittsdatum", "Telefon", "Bemerkung", "Beziehung"]]  # fmt: skip
    for i, p in enumerate(people()):
        rows.append([p.eid, p.first, p.last, p.email, p.dept, p.manager,
                     f"{13 + i:02d}.{(i % 12) + 1:02d}.2019", PHONES[i],
                     NOTE if i == 1 else "", "Mitarbeiter"])  # fmt: skip
    for k, (f, la, mail, rel) in enumerate(OUTSIDE):
        rows.append([f"X{k}", f, la, mail, "", "", "", "", "", rel])
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


def hr_plain(path: Path) -> Path:
    """The same HR file as a plain comma-separated UTF-8 export with English headers."""
    rows = [["EmployeeID", "First Name", "Last Name", "Email", "Department", "ManagerID",
             "HireDate", "Mobile", "Comments", "Relation"]]  # fmt: skip
    for i, p in enumerate(people()):
        rows.append([p.eid, p.first, p.last, p.email, p.dept, p.manager, "2019-04-01",
                     PHONES[i], NOTE if i == 1 else "", "employee"])  # fmt: skip
    for k, (f, la, mail, rel) in enumerate(OUTSIDE):
        rows.append([f"X{k}", f, la, mail, "", "", "", "", "",
                     "customer" if rel == "Kunde" else "supplier"])  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _acts() -> list[tuple[int, int, int]]:
    """(actor, target, hour offset): everyone writes to the next two colleagues of their
    department and one in the other, three times over three weeks; 0 and 6 to the outsiders
    (index 12, 13)."""
    out = []
    for rep in range(3):
        for i in range(12):
            base = 0 if i < 6 else 6
            for t in ((i + 1 - base) % 6 + base, (i + 2 - base) % 6 + base, (i + 6) % 12):
                out.append((i, t, rep * 168 + i * 3 + t))
        for i, o in ((0, 12), (0, 13), (6, 12)):
            out.append((i, o, rep * 168 + 100 + o))
            out.append((o, i, rep * 168 + 101 + o))
    return out


def _email_of(k: int) -> str:
    return people()[k].email if k < 12 else OUTSIDE[k - 12][2]


def _name_of(k: int) -> str:
    return people()[k].name if k < 12 else f"{OUTSIDE[k - 12][0]} {OUTSIDE[k - 12][1]}"


def events(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["actor", "targets", "timestamp", "kind"])
        for a, t, h in _acts():
            w.writerow([_email_of(a), _email_of(t), (T0 + timedelta(hours=h)).isoformat(), "dm"])
    return path


def mbox(path: Path) -> Path:
    parts = []
    for n, (a, t, h) in enumerate(_acts()):
        when = T0 + timedelta(hours=h)
        parts.append(
            f"From {_email_of(a)} {when:%a %b %d %H:%M:%S %Y}\n"
            f"From: {_name_of(a)} <{_email_of(a)}>\nTo: {_name_of(t)} <{_email_of(t)}>\n"
            f"Date: {when:%a, %d %b %Y %H:%M:%S +0000}\nSubject: Hallo {_name_of(t)}\n"
            f"Message-ID: <m{n}@{DOMAIN}>\n\nGruss, {_name_of(a)}\n\n"
        )
    path.write_text("".join(parts), encoding="utf-8")
    return path


def slack(root: Path) -> Path:
    """A Slack export folder (users.json with real and display names and emails)."""
    ids = [f"U{k:03d}" for k in range(14)]
    users = [
        {"id": ids[k], "team_id": "T1", "name": _email_of(k).split("@")[0],
         "real_name": _name_of(k), "deleted": False, "is_bot": False,
         "profile": {"real_name": _name_of(k), "display_name": _name_of(k).split()[0],
                     "email": _email_of(k), "phone": PHONES[k % 12], "title": "Berater"}}
        for k in range(14)
    ]  # fmt: skip
    channel = {"id": "C1", "name": "allgemein", "created": int(T0.timestamp()) - 86400,
               "members": ids}  # fmt: skip
    days: dict[str, list[dict[str, object]]] = {}
    for a, t, h in _acts():
        when = T0 + timedelta(hours=h)
        days.setdefault(f"{when:%Y-%m-%d}", []).append(
            {"type": "message", "user": ids[a], "ts": f"{when.timestamp():.6f}",
             "text": f"<@{ids[t]}> danke {_name_of(t)}"}
        )  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(json.dumps([channel]))
    (root / "allgemein").mkdir(exist_ok=True)
    for day, msgs in days.items():
        (root / "allgemein" / f"{day}.json").write_text(json.dumps(msgs))
    return root


def teams(root: Path) -> Path:
    """Graph chatMessages of one channel (authors by AAD id and display name, no email) and
    the channel's member list with emails (conversationMember resources)."""
    aad = [f"00000000-0000-4000-8000-{k:012d}" for k in range(14)]
    msgs = []
    for n, (a, t, h) in enumerate(_acts()):
        when = T0 + timedelta(hours=h)
        msgs.append({
            "id": str(n + 1), "messageType": "message", "createdDateTime": when.isoformat(),
            "channelIdentity": {"teamId": "t1", "channelId": "19:abc@thread.tacv2"},
            "from": {"user": {"id": aad[a], "displayName": _name_of(a),
                              "userIdentityType": "aadUser"}},
            "mentions": [{"id": 0, "mentionText": _name_of(t),
                          "mentioned": {"user": {"id": aad[t], "displayName": _name_of(t)}}}],
            "body": {"contentType": "html", "content": f"<at id=0>{_name_of(t)}</at> danke"},
        })  # fmt: skip
    members = [
        {"@odata.type": "#microsoft.graph.aadUserConversationMember", "id": f"m{k}",
         "roles": [], "displayName": _name_of(k), "userId": aad[k], "email": _email_of(k)}
        for k in range(14)
    ]  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    (root / "messages.json").write_text(json.dumps({"value": msgs}))
    (root / "members.json").write_text(json.dumps({"value": members}))
    return root


def survey(path: Path) -> Path:
    """Relationship survey answers: respondents and nominees by email."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["respondent", "question", "nominee", "strength", "timestamp"])
        for a, t, h in _acts()[:40]:
            w.writerow(
                [_email_of(a), "advice", _email_of(t), 3, (T0 + timedelta(hours=h)).isoformat()]
            )
    return path
