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


def load_key(env: Mapping[str, str] | None = None) -> tuple[bytes, bool]:
    """The pseudonymisation key and whether it is the public demo key.

    ``CONNECTOR_ROLLUP_KEY`` (the key as text) wins over
    ``CONNECTOR_ROLLUP_KEY_FILE`` (a file holding it; surrounding whitespace is
    ignored). An empty ``CONNECTOR_ROLLUP_KEY`` counts as unset. A key file
    that is named but unreadable or empty is an error rather than a silent
    fall-back, since a different key would change every pseudonym.
    """
    env = os.environ if env is None else env
    text = env.get(KEY_ENV, "")
    if text.strip():
        return text.strip().encode("utf-8"), False
    file_name = env.get(KEY_FILE_ENV, "")
    if file_name.strip():
        path = Path(file_name.strip())
        try:
            key = path.read_bytes().strip()
        except OSError as exc:
            raise PseudonymKeyError(
                f"The key file {path} ({KEY_FILE_ENV}) cannot be read: {exc}."
            ) from None
        if not key:
            raise PseudonymKeyError(f"The key file {path} ({KEY_FILE_ENV}) is empty.")
        return key, False
    return DEMO_KEY, True
