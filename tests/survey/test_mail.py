"""Sending links over SMTP, against a tiny SMTP server this test starts on loopback."""

from __future__ import annotations

import base64
import email
import socketserver
import threading

import pytest

from groundswell.errors import ConfigError
from groundswell.survey import mail, model, respond
from tests.conftest import write_csv
from tests.survey.conftest import token_of


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) to receive mail."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server = self.server
        self.reply("220 test ESMTP")
        rcpt: list[str] = []
        while line := self.rfile.readline():
            cmd = line.decode().rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                server.auth.append(base64.b64decode(cmd.split()[2]).decode())  # type: ignore[attr-defined]
                self.reply("235 ok")
            elif verb == "MAIL":
                rcpt = []
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpt.append(cmd.split(":", 1)[1].strip("<> "))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                server.messages.append((rcpt, b"".join(data)))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.daemon_threads = True
    server.messages, server.auth = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _configure(org, port: int, username: str = "") -> None:
    cfg = org.path / "groundswell.toml"
    text = cfg.read_text()
    for old, new in [
        ("smtp_port = 587", f"smtp_port = {port}"),
        ("smtp_starttls = true", "smtp_starttls = false"),
        ('smtp_username = ""', f'smtp_username = "{username}"'),
        ('from_address = ""', 'from_address = "ona@x.com"'),
        ('smtp_host = "localhost"', 'smtp_host = "127.0.0.1"'),
    ]:
        assert old in text
        text = text.replace(old, new)
    cfg.write_text(text)


def test_launch_links_are_emailed_and_work(org, smtp_server, tmp_path, monkeypatch) -> None:
    _configure(org, smtp_server.server_address[1], username="ona")
    monkeypatch.setenv("GROUNDSWELL_SMTP_PASSWORD", "s3cret-from-env")
    book = write_csv(
        tmp_path / "addresses.csv", ["email"], [[f"e{i:02d}@x.com"] for i in range(1, 23)]
    )  # fmt: skip  (E23, E24: none)
    with org.open() as ws:
        assert "s3cret" not in (org.path / "groundswell.toml").read_text()
        s = model.create(ws, "Spring")
        links = model.launch(ws, s, base_url="https://ona.example.com")
        out = mail.send_links(ws, s.survey_id, s.name, links, mail.addresses(ws, book))
        assert out == {"sent": 22, "no_address": 2}
        assert smtp_server.auth == ["\0ona\0s3cret-from-env"]
        assert len(smtp_server.messages) == 22
        rcpt, raw = smtp_server.messages[0]
        msg = email.message_from_bytes(raw)
        assert msg["Subject"] == "A five-minute survey: whom do you work with?"
        assert msg["From"] == "ona@x.com" and rcpt == [msg["To"]]
        url = next(w for w in msg.get_payload(decode=True).decode().split() if "/s/" in w)
        who = respond.resolve(ws, token_of(url))
        assert ws.pseudonymiser.person(msg["To"]) in {who.person_id} | set(
            ws.query("SELECT alias_id FROM aliases WHERE person_id = ?", [who.person_id])[
                "alias_id"
            ]
        )
        sent = ws.query("SELECT count(last_sent_at) AS n FROM survey_invitations")["n"][0]
        assert sent == 22
        fresh = model.remind(ws, s, base_url="https://ona.example.com")
        mail.send_links(ws, s.survey_id, s.name, fresh, mail.addresses(ws, book), reminder=True)
        subjects = [email.message_from_bytes(m[1])["Subject"] for m in smtp_server.messages]
        assert subjects.count("Reminder: a five-minute survey on whom you work with") == 22


def test_missing_password_and_unreachable_server_are_clear_errors(org, monkeypatch) -> None:
    _configure(org, 1, username="ona")  # port 1: nothing listens
    monkeypatch.delenv("GROUNDSWELL_SMTP_PASSWORD", raising=False)
    with org.open() as ws:
        with pytest.raises(ConfigError, match="GROUNDSWELL_SMTP_PASSWORD"):
            mail.send_links(ws, 1, "S", [], {})
        monkeypatch.setenv("GROUNDSWELL_SMTP_PASSWORD", "x")
        with pytest.raises(ConfigError, match="failed after 0 emails"):
            mail.send_links(ws, 1, "S", [], {})
