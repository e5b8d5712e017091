-- The portal's first schema: accounts, their sign-in secrets, uploads and the audit log.
-- Secrets (passwords, invitation links, sessions, API tokens) are stored only as hashes.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('coordinator', 'secretariat')),
    community_code TEXT,
    language       TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
    active         INTEGER NOT NULL DEFAULT 1,
    password_hash  TEXT,              -- Argon2id; NULL until the invitation is used
    created_at     TEXT NOT NULL,
    CHECK ((role = 'coordinator') = (community_code IS NOT NULL))
);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,      -- SHA-256 of the link's secret
    user_id    INTEGER NOT NULL REFERENCES users (id),
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),  -- one token an account
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE sign_in_failures (
    email TEXT NOT NULL COLLATE NOCASE,
    at    TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at);

CREATE TABLE uploads (
    id             TEXT PRIMARY KEY,  -- u_ and 16 random hex digits
    file_name      TEXT NOT NULL,     -- as uploaded: shown, never used as a path
    sha256         TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    uploaded_by    INTEGER NOT NULL REFERENCES users (id),
    community_code TEXT,              -- NULL only for a secretariat's unreadable file
    period         TEXT,
    submitted_on   TEXT,              -- the workbook's own Submitted on (the supersede rule)
    language       TEXT NOT NULL,
    status         TEXT NOT NULL
                   CHECK (status IN ('checked', 'rejected', 'submitted', 'superseded')),
    reason         TEXT,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    errors         INTEGER NOT NULL DEFAULT 0,
    warnings       INTEGER NOT NULL DEFAULT 0,
    tracks_jobs    INTEGER,
    issues         TEXT NOT NULL DEFAULT '[]',  -- JSON: every Issue field
    impact         TEXT,                         -- JSON: new/changed/withdrawn per sheet
    submitted_at   TEXT,
    submitted_by   INTEGER REFERENCES users (id),
    blocked        TEXT               -- why it cannot be submitted although checked, else NULL
);
CREATE INDEX uploads_by_community ON uploads (community_code, period, uploaded_at);

-- Append-only: who did what, when, to which community, quarter and file.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    who            TEXT,              -- an email, or NULL for an unknown person
    action         TEXT NOT NULL,
    community_code TEXT,
    period         TEXT,
    sha256         TEXT,
    detail         TEXT
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
