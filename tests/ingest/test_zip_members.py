"""A zip member that zipfile cannot read (encrypted, or compressed with a method it does not
know) is an InputError naming the member, in every reader that opens zips (Slack, Engage),
and the workspace is left as it was.

Before groundswell.ingest.zips, zipfile's RuntimeError (an encrypted member: "password
required") and, for Slack, its NotImplementedError (method 99, AES) escaped the readers; the
Engage reader turned the NotImplementedError into an InputError naming only the zip.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import engage, slack
from tests.conftest import TEST_DATA, snapshot

ENGAGE = TEST_DATA / "engage" / "export"


def _slack_zip(path: Path, method: int = zipfile.ZIP_DEFLATED) -> Path:
    msg = {"type": "message", "user": "U1", "text": "hi", "ts": "1699920000.000100"}
    files = {
        "users.json": [{"id": "U1", "name": "ann"}, {"id": "U2", "name": "bob"}],
        "channels.json": [{"id": "C1", "name": "general", "members": ["U1", "U2"]}],
        "general/2023-11-14.json": [msg, {**msg, "user": "U2", "ts": "1699920060.000100"}],
    }
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, value in files.items():
            zf.writestr(name, json.dumps(value))
    return path


def _engage_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(ENGAGE.iterdir()):
            zf.write(f, f.name)
    return path


def _damage(path: Path, member: str, *, flags: int = 0, method: int | None = None) -> None:
    """Set ``flags`` in the member's general-purpose bits (0x1: encrypted) and its
    compression method, in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    # (signature, offset of the flags, offset of the name length, header size)
    for sig, at_flags, at_len, size in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        pos = data.find(sig)
        while pos >= 0:
            (n,) = struct.unpack_from("<H", data, pos + at_len)
            if bytes(data[pos + size : pos + size + n]) == name:
                (bits,) = struct.unpack_from("<H", data, pos + at_flags)
                struct.pack_into("<H", data, pos + at_flags, bits | flags)
                if method is not None:
                    struct.pack_into("<H", data, pos + at_flags + 2, method)
                break
            pos = data.find(sig, pos + 1)
        else:
            raise AssertionError(f"{member} not found")
    path.write_bytes(bytes(data))


CASES = {
    "slack-encrypted": (slack, _slack_zip, "users.json", {"flags": 0x1}, "encrypted"),
    "slack-method-99": (slack, _slack_zip, "users.json", {"method": 99}, "method 99"),
    "engage-encrypted": (engage, _engage_zip, "Messages.csv", {"flags": 0x1}, "encrypted"),
    "engage-method-99": (engage, _engage_zip, "Messages.csv", {"method": 99}, "method 99"),
}


@pytest.mark.parametrize("case", CASES)
def test_an_unreadable_member_is_an_input_error_naming_it(case: str, tmp_path: Path) -> None:
    reader, build, member, damage, says = CASES[case]
    z = build(tmp_path / "export.zip")
    _damage(z, member, **damage)
    with gs.init(tmp_path / "ws") as ws:
        before = snapshot(ws)
        with pytest.raises(InputError) as info:
            reader.ingest(ws, z)
        assert snapshot(ws) == before
    message = str(info.value)
    assert message.startswith(f"{z}/{member}:"), message
    assert says in message


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_members_compressed_with_bzip2_or_lzma_are_read(method: int, tmp_path: Path) -> None:
    with gs.init(tmp_path / "ws") as ws:
        summary = slack.ingest(ws, _slack_zip(tmp_path / "export.zip", method))
    assert summary.messages == 2
