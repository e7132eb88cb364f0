"""New passwords must be hard to guess (``auth.check_password``: length and zxcvbn).

Which passwords are weak comes from zxcvbn 4.5 itself (the scores below were read from it:
"password1234" 1, "qwertyuiop12" 1, "aaaaaaaaaaaa" 0, "abcdefghijkl" 0; "quillfeather99"
scores 4 alone but 1 once the username "quillfeather" is known, "brightwater2024" 3 alone and
1 with the workspace name "brightwater"). All are 12 characters or more: the old rule
(length only) took every one of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.errors import ConfigError
from groundswell.web import auth


def _users(folder: Path) -> list[str]:
    with gs.open(folder) as ws:
        return [u["username"] for u in auth.list_users(ws)]


@pytest.mark.parametrize(
    ("username", "password", "why"),
    [
        ("kim", "password1234", "very common password"),
        ("kim", "qwertyuiop12", "commonly used password"),
        ("kim", "aaaaaaaaaaaa", 'repeats like "aaa"'),
        ("kim", "abcdefghijkl", 'sequences like "abc"'),
        ("quillfeather", "quillfeather99", "too easy to guess"),
        ("kim", "brightwater2024", "too easy to guess"),  # the workspace's name
    ],
)
def test_common_and_patterned_passwords_are_refused(tmp_path, username, password, why) -> None:
    folder = tmp_path / "brightwater"
    with gs.init(folder) as ws, pytest.raises(ConfigError) as err:
        auth.add_user(ws, username, password, "viewer")
    message = str(err.value)
    assert "too easy to guess" in message and why in message
    assert "three or four unrelated words" in message  # what would pass
    assert _users(folder) == []


def test_strong_passwords_pass_and_short_ones_still_fail(tmp_path) -> None:
    with gs.init(tmp_path / "ws") as ws:
        auth.add_user(ws, "kim", "lantern orbit pickle", "viewer")
        auth.add_user(ws, "lou", "k7#Qv9!xTz2m", "viewer")
        with pytest.raises(ConfigError, match="at least 10 characters; got 5"):
            auth.add_user(ws, "max", "Ab3!x", "viewer")
    assert _users(tmp_path / "ws") == ["kim", "lou"]


def test_check_password_knows_the_words_it_is_given() -> None:
    auth.check_password("quillfeather99")
    with pytest.raises(ConfigError, match="too easy to guess"):
        auth.check_password("quillfeather99", ["quillfeather"])


def test_user_add_refuses_a_weak_password_in_one_error_line(tmp_path) -> None:
    folder = tmp_path / "ws"
    gs.init(folder).close()
    r = CliRunner().invoke(
        app,
        ["user", "add", str(folder), "kim", "--role", "viewer", "--password-stdin"],
        input="password1234\n",
    )
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the password is too easy to guess")
    assert "Traceback" not in r.output
    assert _users(folder) == []
