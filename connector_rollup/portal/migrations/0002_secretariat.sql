-- The secretariat's quarter (issue 10): sent-back submissions, Connector decisions,
-- roll-ups started from the portal, reminders sent, and an index of the raw folder.

-- An upload may now be sent back: SQLite changes a CHECK only by rebuilding the table.
CREATE TABLE uploads_v2 (
    id             TEXT PRIMARY KEY,
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    uploaded_by    INTEGER NOT NULL REFERENCES users (id),
    community_code TEXT,
    period         TEXT,
    submitted_on   TEXT,
    language       TEXT NOT NULL,
    status         TEXT NOT NULL
                   CHECK (status IN ('checked', 'rejected', 'submitted', 'superseded', 'sent_back')),
    reason         TEXT,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    errors         INTEGER NOT NULL DEFAULT 0,
    warnings       INTEGER NOT NULL DEFAULT 0,
    tracks_jobs    INTEGER,
    issues         TEXT NOT NULL DEFAULT '[]',
    impact         TEXT,
    submitted_at   TEXT,
    submitted_by   INTEGER REFERENCES users (id),
    blocked        TEXT,
    sent_back_at   TEXT,
    sent_back_by   INTEGER REFERENCES users (id),
    sent_back_comment TEXT
);
INSERT INTO uploads_v2 (id, file_name, sha256, uploaded_at, uploaded_by, community_code, period,
    submitted_on, language, status, reason, rows_read, rows_rejected, errors, warnings,
    tracks_jobs, issues, impact, submitted_at, submitted_by, blocked)
SELECT id, file_name, sha256, uploaded_at, uploaded_by, community_code, period, submitted_on,
    language, status, reason, rows_read, rows_rejected, errors, warnings, tracks_jobs, issues,
    impact, submitted_at, submitted_by, blocked
FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_v2 RENAME TO uploads;
CREATE INDEX uploads_by_community ON uploads (community_code, period, uploaded_at);

-- The secretariat's Connector decisions; every roll-up applies them (exported beside the
-- warehouse as connector-decisions.csv, the file `connector-rollup run` reads).
CREATE TABLE decisions (
    record_a   TEXT NOT NULL,     -- "<community>:<connector ID>", the review file's form
    record_b   TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('same', 'different')),
    note       TEXT NOT NULL DEFAULT '',
    decided_by TEXT,              -- an email, or 'imported' for the decisions file's rows
    decided_at TEXT NOT NULL,
    PRIMARY KEY (record_a, record_b)
);

CREATE TABLE rollups (
    id          TEXT PRIMARY KEY,  -- r_ and 12 random hex digits
    quarter     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'completed', 'failed')),
    started_by  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    pid         INTEGER,
    flow_run_id TEXT,              -- when run through a Prefect deployment
    log_path    TEXT,
    figures     TEXT,              -- JSON: the quarter's national connectees, connectors, jobs
    message     TEXT
);

-- Reminders sent, so each coordinator gets each reminder of a quarter once.
CREATE TABLE reminders_sent (
    period         TEXT NOT NULL,
    community_code TEXT NOT NULL,
    email          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('before', 'after')),
    sent_at        TEXT NOT NULL,
    PRIMARY KEY (period, community_code, email, kind)
);

-- Workbooks found in the raw folder (the portal's and any put there by hand), by file:
-- read once per file version, so the board does not open 200 workbooks per page.
CREATE TABLE raw_index (
    path           TEXT PRIMARY KEY,  -- relative to --raw
    mtime          REAL NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT,
    community_code TEXT,
    period         TEXT,
    submitted_on   TEXT,
    status         TEXT,              -- accepted or rejected, as validated
    errors         INTEGER,
    warnings       INTEGER,
    tracks_jobs    INTEGER
);
