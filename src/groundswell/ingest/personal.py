"""Personal data in an HR file: composing display names, and keeping the rest out of a
pseudonymous workspace.

An HR export rarely has one name column: ``First Name`` / ``Last Name`` (or ``Vorname`` /
``Nachname``, ``given_name`` / ``surname``, with a ``Preferred Name`` beside them) is the
common layout. :func:`display_names` composes them: the preferred name, else the first
name, followed by the last name. ``Name`` / ``Full Name`` alone is used as it is.

In a pseudonymous workspace no name, email address, phone number, postal address, birth
date, national number or free text of the file may be stored in clear. The recognised
fields (name, email, employee and manager ids) are handled by the reader; every other
column would end up in ``attrs`` in clear, so :func:`screen` looks at each one:

- **dropped** when its name says it is personal (name, phone, address, birth, national
  id, bank account, salary, notes and comments ...), when its values hold a phone number,
  or when they are free text (long, several words, mostly distinct), or when a value is
  one of the file's own names;
- **pseudonymised** (the keyed hash a person identifier gets) when its values are email
  addresses (a private or second address, a manager's email): still a key that links,
  never readable;
- kept otherwise (grade, cost centre, contract type, ...).

The summary of the ingest lists every column dropped or pseudonymised, with the reason.
An identified workspace keeps every column as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: name-like columns (after squashing to a-z0-9): first, last, preferred (see FIELDS below)
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "firstname", "givenname", "forename", "vorname", "prenom", "prnom", "nombre",
        "voornaam", "first",
    ),
    "last_name": (
        "lastname", "surname", "familyname", "nachname", "familienname", "nom",
        "apellido", "apellidos", "achternaam", "last",
    ),
    "preferred_name": ("preferredname", "preferredfirstname", "nickname", "knownas", "rufname"),
}  # fmt: skip

#: words in a column's name that make it personal, and why (checked on the squashed name)
_PERSONAL_NAMES: tuple[tuple[str, str], ...] = (
    (r"e?mail|upn|userprincipal", "an email address"),
    (r"phone|mobile|telefon|handy|cell|fax|^tel$|^tel[^l]", "a phone number"),
    (r"name$|^name|vorname|nachname|surname|maiden|nick", "a name"),
    (r"address|adresse|street|strasse|zip|postcode|postal|^plz", "an address"),
    (r"birth|geburt|^dob|^age$|^alter$", "a birth date or age"),
    (r"ssn|socialsec|^national|passport|taxid|steuerid|svnr|idcard|ausweis", "a national id"),
    (r"iban|bank|konto|accountnumber|salary|gehalt|payroll|^pay$|wage|bonus", "pay or bank"),
    (r"note|comment|remark|bemerk|kommentar|descr|^bio$|about|freetext", "free text"),
    (r"gender|geschlecht|^sex$|religion|ethnic|health|disab", "a sensitive attribute"),
)
#: a column named like a name but about a group, not a person (Department Name, Team Name)
_GROUP_WORDS = re.compile(r"dep|dept|team|org|company|firma|cost|site|location|unit|group|bereich")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,}$")
#: free text: a column whose values average at least this many characters and mostly hold
#: a space and are distinct
FREE_TEXT_CHARS = 30


def squash(name: str) -> str:
    """A column name as matched against synonyms: lower case, a-z and 0-9 only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def display_names(
    full: pd.Series | None,
    first: pd.Series | None,
    last: pd.Series | None,
    preferred: pd.Series | None,
) -> pd.Series | None:
    """The display name of each row: the full name when the file has one, else the
    preferred (or first) name and the last name, joined by a space; '' when none is known.
    None when the file has no name column at all."""
    parts = [s for s in (full, first, last, preferred) if s is not None]
    if not parts:
        return None
    n = len(parts[0])
    empty = pd.Series([""] * n, index=parts[0].index, dtype="string")
    given = (
        preferred.where(preferred != "", first if first is not None else empty)
        if (preferred is not None)
        else (first if first is not None else empty)
    )
    family = last if last is not None else empty
    composed = (given + " " + family).str.strip()
    if full is None:
        return composed
    return full.where(full != "", composed)


@dataclass
class Screened:
    """What :func:`screen` decided: the columns kept in ``attrs`` in clear, those stored
    pseudonymised, and those dropped, each with its reason."""

    kept: list[str] = field(default_factory=list)
    pseudonymised: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """The lines of the ingest summary that say what was not stored in clear."""
        out = []
        if self.dropped:
            listed = ", ".join(f"{c!r} ({why})" for c, why in self.dropped.items())
            out.append(f"personal columns not stored (pseudonymous workspace): {listed}")
        if self.pseudonymised:
            listed = ", ".join(f"{c!r} ({why})" for c, why in self.pseudonymised.items())
            out.append(f"columns stored pseudonymised (keyed hash): {listed}")
        return out


def screen(df: pd.DataFrame, columns: Iterable[str], known: Iterable[str] = ()) -> Screened:
    """Decide, for each of ``columns`` of ``df`` (the HR columns no field claimed), whether it
    is kept in clear, pseudonymised or dropped; ``known`` are the file's own names and
    addresses (a column holding one of them is personal)."""
    out = Screened()
    known_set = {k.strip().lower() for k in known if k and k.strip()}
    for col in columns:
        text = df[col].astype("string").fillna("").str.strip()
        values = text[text != ""]
        low = values.str.lower()
        if len(values) and bool(low.map(lambda v: bool(_EMAIL.match(v))).mean() >= 0.5):
            out.pseudonymised[col] = "email addresses"
            continue
        reason = _by_name(col)
        if reason is None and len(values):
            if bool(values.map(lambda v: bool(_PHONE.match(v))).mean() >= 0.5) and bool(
                values.str.count(r"\d").mean() >= 7
            ):
                reason = "phone numbers"
            elif known_set and bool(low.isin(known_set).any()):
                reason = "holds names of people in the file"
            elif _free_text(values):
                reason = "free text"
        if reason is None:
            out.kept.append(col)
        else:
            out.dropped[col] = reason
    return out


def _by_name(col: str) -> str | None:
    s = squash(col)
    for pattern, why in _PERSONAL_NAMES:
        if why == "a name" and _GROUP_WORDS.search(s):
            continue
        if re.search(pattern, s):
            return why
    return None


def _free_text(values: pd.Series) -> bool:
    if values.str.len().mean() < FREE_TEXT_CHARS:
        return False
    spaced = float(values.str.contains(" ", regex=False).mean())
    distinct = values.nunique() / len(values)
    return spaced >= 0.5 and (distinct >= 0.5 or len(values) < 4)


def pseudonymise_emails(values: pd.Series, hash_many: object) -> np.ndarray:
    """The values of an email column through ``hash_many`` (the workspace's person
    pseudonymiser), '' kept empty."""
    text = values.astype("string").fillna("").str.strip().to_numpy(dtype=object)
    has = text != ""
    out = np.array([""] * len(text), dtype=object)
    if has.any():
        out[has] = hash_many(text[has])  # type: ignore[operator]
    return out
