"""Reading one member of a zip export, or an InputError naming it.

Python's :mod:`zipfile` raises ``RuntimeError`` for a member that is encrypted (it asks for a
password), ``NotImplementedError`` for a compression method it cannot inflate (AES, 99, and
others), and ``BadZipFile``, ``zlib.error``, ``EOFError`` or ``OSError`` for a damaged one.
Every reader that opens a zip (:mod:`~groundswell.ingest.slack`,
:mod:`~groundswell.ingest.engage`) reads its members through :func:`read_member`, so each of
these is an :class:`~groundswell.errors.InputError` naming the member inside the zip, what was
expected and what was found.
"""

from __future__ import annotations

import zipfile
import zlib

from groundswell.errors import InputError

__all__ = ["read_member"]

#: the compression methods zipfile can inflate (with the standard library's modules)
METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
_UNZIP = "or unzip the export and ingest its folder"


def read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """The bytes of the member ``info`` of ``z``; ``where`` names it in errors (the zip's path
    and the member's name, as ``export.zip/users.json``).

    Raises InputError for a member that is encrypted, compressed with a method zipfile cannot
    inflate, or damaged (bad data, wrong CRC-32, cut short).
    """
    if info.flag_bits & 0x1:
        raise InputError(
            where,
            "encrypted (password-protected) inside the zip",
            expected=f"a member without a password: export again without one, {_UNZIP}",
            found="an encrypted member",
        )
    if info.compress_type not in METHODS:
        raise _method_error(where, info.compress_type)
    try:
        return z.read(info)
    except NotImplementedError as exc:  # a method this Python was built without
        raise _method_error(where, info.compress_type, exc) from None
    except RuntimeError as exc:  # zipfile's "password required" and the like
        raise InputError(
            where,
            f"cannot be read from the zip ({exc})",
            expected=f"a member without a password, {_UNZIP}",
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise InputError(
            where,
            f"damaged inside the zip ({exc})",
            expected="a member that unpacks intact: download the export again",
        ) from None


def _method_error(where: str, method: int, exc: Exception | None = None) -> InputError:
    name = METHODS.get(method, "AES encryption" if method == 99 else "unknown")
    return InputError(
        where,
        "compressed inside the zip with a method that cannot be read"
        + (f" ({exc})" if exc is not None else ""),
        expected=f"a member stored or compressed with deflate, bzip2 or lzma, {_UNZIP}",
        found=f"compression method {method} ({name})",
    )
