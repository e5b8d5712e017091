"""Pseudonyms for people: a keyed hash stands in for every internal person id.

The internal person id may hold an email; only ``person_key`` (HMAC-SHA256
of it under a secret key, 16 hex digits) ever reaches the warehouse. Without
the key nobody can recompute a person's pseudonym from their email, and the
same key gives the same pseudonym in every roll-up, so analysts can follow a
person across quarters without knowing who they are.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

KEY_ENV = "CONNECTOR_ROLLUP_KEY"
KEY_FILE_ENV = "CONNECTOR_ROLLUP_KEY_FILE"
# Documented, public, and therefore no protection at all: it lets the sample
# and the tests run without a secret. Runs that use it say so in their report.
DEMO_KEY = b"connector-rollup-demo-key-not-secret"
KEY_LENGTH = 16  # hex digits kept from the HMAC: 64 bits, no collisions at our scale


class PseudonymKeyError(ValueError):
    """The configured pseudonymisation key cannot be used; the message says why."""


def person_key(person_id: str, key: bytes) -> str:
    """The pseudonym of one internal person id: HMAC-SHA256 under ``key``, 16 hex digits."""
    return hmac.new(key, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:KEY_LENGTH]


def pseudonymise(person_ids: pd.Series, key: bytes) -> pd.Series:
    """``person_key`` of every value of a Series; missing values stay missing."""
    keys = {value: person_key(value, key) for value in person_ids.dropna().unique()}
    out = person_ids.map(keys)
    return out.astype("str") if len(out) else pd.Series([], index=person_ids.index, dtype="str")


def record_key(record: str, key: bytes) -> str:
    """The pseudonym of a record named ``CODE:id``: ``CODE:`` and the ``person_key`` of the name.

    The community code stays readable (it names no one); the ID a community
    typed (an email, a phone number) does not. The hash is the same as for a
    person whose internal id is that record, so a Connectee's record key ends
    in their ``job_outcomes.person_key``.
    """
    code, colon, _ = record.partition(":")
    return f"{code}:{person_key(record, key)}" if colon else person_key(record, key)


def load_key(env: Mapping[str, str] | None = None) -> tuple[bytes, bool]:
    """The pseudonymisation key and whether it is the public demo key.

    ``CONNECTOR_ROLLUP_KEY`` (the key as text) or ``CONNECTOR_ROLLUP_KEY_FILE``
    (a file holding it; surrounding whitespace is ignored); an empty variable
    counts as unset. Both set, or a key file that is named but missing,
    unreadable or empty, is a ``PseudonymKeyError`` with a one-sentence
    message rather than a silent choice or fall-back, since a different key
    would change every pseudonym.
    """
    env = os.environ if env is None else env
    text = env.get(KEY_ENV, "")
    file_name = env.get(KEY_FILE_ENV, "")
    if text.strip() and file_name.strip():
        # Two keys may differ; guessing would silently change every person key.
        raise PseudonymKeyError(
            f"Both {KEY_ENV} and {KEY_FILE_ENV} are set, and only one key may be used: "
            f"unset {KEY_ENV} to use the key file {file_name.strip()}, or unset {KEY_FILE_ENV} "
            f"to use the key in {KEY_ENV}."
        )
    if text.strip():
        return text.strip().encode("utf-8"), False
    if file_name.strip():
        path = Path(file_name.strip())
        try:
            key = path.read_bytes().strip()
        except FileNotFoundError:
            raise PseudonymKeyError(
                f"There is no key file {path} ({KEY_FILE_ENV}): give the path of the file "
                f"that holds the key, or unset {KEY_FILE_ENV}."
            ) from None
        except IsADirectoryError:
            raise PseudonymKeyError(
                f"The key file {path} ({KEY_FILE_ENV}) is a folder: give the path of the "
                "file that holds the key."
            ) from None
        except OSError as exc:
            raise PseudonymKeyError(
                f"The key file {path} ({KEY_FILE_ENV}) cannot be read "
                f"({(exc.strerror or str(exc)).lower()}): check its path and permissions."
            ) from None
        if not key:
            raise PseudonymKeyError(
                f"The key file {path} ({KEY_FILE_ENV}) is empty: put the secretariat's key in it."
            )
        return key, False
    return DEMO_KEY, True


def key_file_warning(env: Mapping[str, str] | None = None) -> str | None:
    """A sentence when the configured key file is open to other users, else None.

    Anyone who can read the key can recompute a person key from an email, so
    the file should be its owner's alone. Says nothing when no key file is
    set or it cannot be examined (``load_key`` reports that).
    """
    env = os.environ if env is None else env
    file_name = env.get(KEY_FILE_ENV, "").strip()
    if not file_name:
        return None
    try:
        mode = stat.S_IMODE(Path(file_name).stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    who = "every local user" if mode & 0o007 else "its group"
    can = " or ".join(
        verb for bits, verb in ((0o044, "read"), (0o022, "changed"), (0o011, "run")) if mode & bits
    )
    return (
        f"The key file {file_name} can be {can} by {who} (mode {mode:04o}), who could then "
        f"recompute person keys: make it yours alone with chmod 600 {file_name}"
    )
