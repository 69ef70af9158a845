"""The database schema and its forward migrations.

``MIGRATIONS[i]`` takes a database from schema version ``i`` to ``i + 1``; the version lives in
``PRAGMA user_version``. Migrations only ever move forward. A new, empty file gets the whole
schema when it is first opened (``regdesk init``, the demo); an existing file of an older version
is migrated only by ``regdesk upgrade`` (after a verified backup, with an audit record), never by
the first desk that opens it: the desks and the other commands refuse it in words
(``SchemaTooOldError``). All the missing migrations run in one ``BEGIN IMMEDIATE`` transaction,
so an upgrade interrupted half-way leaves the file as it was, and a second terminal that opens a
new file at the same moment waits and then finds the work done. A file whose version is newer
than this code knows is refused rather than guessed at.

To change the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATION_1 = """
CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    iin TEXT UNIQUE NOT NULL,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('receptionist', 'admin')),
    password_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    key_store_path TEXT,
    lang TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    number TEXT UNIQUE,
    number_year INTEGER,
    number_seq INTEGER,
    applicant_iin TEXT NOT NULL,
    surname TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    patronymic TEXT NOT NULL DEFAULT '',
    -- casefolded "surname first patronymic", for the prefix search (journal.name_key)
    name_key TEXT NOT NULL DEFAULT '',
    birth_date TEXT,
    representative_iin TEXT,
    basis TEXT,
    district INTEGER,
    effective_date TEXT,
    refusal_code TEXT,
    refusal_note TEXT,
    -- JSON snapshot of the registry's answer
    registry_data TEXT,
    -- JSON of the draft form as typed
    form TEXT,
    portal_id TEXT UNIQUE,
    deadline TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    registered_at TEXT,
    decided_at TEXT
);
CREATE INDEX applications_iin ON applications (applicant_iin);
CREATE INDEX applications_name_key ON applications (name_key);
CREATE INDEX applications_created_at ON applications (created_at);
CREATE INDEX applications_state_created ON applications (state, created_at);
CREATE INDEX applications_created_by_state ON applications (created_by, state);

CREATE TABLE number_counters (
    clinic_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (clinic_code, year)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at TEXT NOT NULL,
    actor_iin TEXT NOT NULL,
    role TEXT NOT NULL,
    -- 'transition' | 'step_start' | 'step_end'
    kind TEXT NOT NULL,
    -- time-norm step id, e.g. 'registry_request'
    step TEXT,
    from_state TEXT,
    to_state TEXT,
    reason_code TEXT,
    note TEXT
);
CREATE INDEX events_application_at ON events (application_id, at);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    doc_kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
CREATE INDEX attachments_application ON attachments (application_id);

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    signer_iin TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_issuer TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    canonical BLOB NOT NULL,
    cms BLOB NOT NULL
);
CREATE INDEX signatures_application ON signatures (application_id);

CREATE TABLE prints (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    -- 'talon' | 'refusal'
    document TEXT NOT NULL,
    printer TEXT NOT NULL,
    format TEXT NOT NULL,
    at TEXT NOT NULL,
    by_iin TEXT NOT NULL,
    -- 'queued' | 'written' | 'failed'
    status TEXT NOT NULL,
    detail TEXT,
    duplicate INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX prints_application ON prints (application_id);

CREATE TABLE survey_answers (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    q1 INTEGER CHECK (q1 BETWEEN 1 AND 3),
    q2 INTEGER CHECK (q2 BETWEEN 1 AND 3),
    at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_iin TEXT,
    action TEXT NOT NULL,
    object TEXT,
    -- canonical JSON
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_key TEXT UNIQUE NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, id);
"""

MIGRATION_2 = """
-- Journal search (issue 11, item 9): names folded across Kazakh and Russian letters, so every
-- stored key is recomputed by the current make_name_key (registered as regdesk_name_key by
-- migrate); a number found by its tail (the sequence, with or without the year).
UPDATE applications SET name_key = regdesk_name_key(surname, first_name, patronymic);
CREATE INDEX applications_number_seq ON applications (number_seq, number_year);
"""

MIGRATION_3 = """
-- A registration annulled after the fact (issue 11): why, by whom, and the employee's EDS over
-- the annulment's canonical bytes. One per application: an annulled application stays annulled.
CREATE TABLE annulments (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    number TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL,
    by_iin TEXT NOT NULL,
    signer_iin TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_issuer TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    canonical BLOB NOT NULL,
    cms BLOB NOT NULL
);
"""

MIGRATION_4 = """
-- The portal's channel (issue 12, Table 1 actions 5-8). On applications: when the desk received
-- a portal application (UTC), the result of checking it before it entered the journal (JSON
-- {"ok", "failures": [{"code", ...}], "signer"}; see store/journal/portal.py), and when the
-- portal confirmed the result sent back. The index serves the inbox: pending portal
-- applications in deadline order, and the counts of pending and overdue ones.
ALTER TABLE applications ADD COLUMN received_at TEXT;
ALTER TABLE applications ADD COLUMN portal_check TEXT;
ALTER TABLE applications ADD COLUMN delivered_at TEXT;
CREATE INDEX applications_channel_state_deadline ON applications (channel, state, deadline);
-- What the applicant sent, kept as it came: the exact signed bytes and the detached CMS over
-- them (empty when the application could not be fetched whole, e.g. too large), the portal's
-- envelope facts that are not columns of applications. The files are attachments in the vault.
CREATE TABLE portal_payloads (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    submitted_at TEXT NOT NULL,
    -- 'self' or the applicant's relation to the person to be attached (core.representation)
    relation TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    requested_district INTEGER,
    payload BLOB NOT NULL,
    signature BLOB NOT NULL
);
"""

MIGRATION_5 = """
-- Reports (issue 13). step_times: one row per application and time-norm step, its first start
-- and the first end at or after it (core.report_rules), kept by triggers on events so that no
-- writer changes and the time-norm report reads durations instead of pairing events. Existing
-- events are copied in first. The indexes serve the reports' ranges: steps by start, state
-- changes by when they happened, portal applications by when they were received.
CREATE TABLE step_times (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    step TEXT NOT NULL,
    actor_iin TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    -- ended_at - started_at in seconds (ms precision); NULL while unfinished
    seconds REAL,
    PRIMARY KEY (application_id, step)
) WITHOUT ROWID;
INSERT OR IGNORE INTO step_times (application_id, step, actor_iin, started_at)
SELECT application_id, step, actor_iin, at FROM events
WHERE kind = 'step_start' AND step IS NOT NULL ORDER BY at, id;
UPDATE step_times SET ended_at = (
    SELECT min(e.at) FROM events e WHERE e.application_id = step_times.application_id
    AND e.step = step_times.step AND e.kind = 'step_end' AND e.at >= step_times.started_at);
UPDATE step_times
SET seconds = round((julianday(ended_at) - julianday(started_at)) * 86400.0, 3)
WHERE ended_at IS NOT NULL;
CREATE INDEX step_times_step_started ON step_times (step, started_at, seconds, actor_iin);
CREATE TRIGGER step_times_start AFTER INSERT ON events
WHEN NEW.kind = 'step_start' AND NEW.step IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO step_times (application_id, step, actor_iin, started_at)
    VALUES (NEW.application_id, NEW.step, NEW.actor_iin, NEW.at);
END;
CREATE TRIGGER step_times_end AFTER INSERT ON events
WHEN NEW.kind = 'step_end' AND NEW.step IS NOT NULL
BEGIN
    UPDATE step_times
    SET ended_at = NEW.at,
        seconds = round((julianday(NEW.at) - julianday(started_at)) * 86400.0, 3)
    WHERE application_id = NEW.application_id AND step = NEW.step AND ended_at IS NULL
    AND started_at <= NEW.at;
END;
CREATE INDEX events_to_state_at ON events (to_state, at) WHERE kind = 'transition';
CREATE INDEX applications_created_channel ON applications (created_at, channel);
"""

MIGRATION_6 = """
-- The outbox retried with backoff across restarts (issue 12): when an item is next due (NULL:
-- now; also the lease of a desk that is sending it), and why it stopped and waits for a person
-- (the portal holds another result, or would not take this one); a held item is not sent.
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN held TEXT;
CREATE INDEX outbox_kind_due ON outbox (kind, sent_at, next_attempt_at);
"""

MIGRATION_7 = """
-- Reports (issue 13): registrations by when they were made, applications by when they were
-- opened, portal applications by when they were received, each with what the reports count
-- them by, so that a year of them is read from an index alone; a step's slowest cases from the
-- longest down. applications_created_channel (MIGRATION_5; on a file made by its first form on
-- main, for a few minutes, applications_channel_created, which misled the inbox) is replaced.
CREATE INDEX applications_registered ON applications (registered_at, channel, basis, district);
CREATE INDEX applications_opened
ON applications (created_at, channel, created_by, district, deadline);
CREATE INDEX applications_portal_received
ON applications (created_at, deadline, registered_at, decided_at, delivered_at, state, district)
WHERE channel = 'portal';
CREATE INDEX step_times_step_seconds ON step_times (step, seconds DESC, started_at, actor_iin);
DROP INDEX IF EXISTS applications_created_channel;
DROP INDEX IF EXISTS applications_channel_created;
"""

MIGRATION_8 = """
-- Roles and staff administration (issue 15). The role CHECK of MIGRATION_1 allows no 'head',
-- and SQLite cannot alter a CHECK: the table is rebuilt under the same name, every row copied
-- with its id. Nothing references staff by a foreign key (the journal and the audit name
-- employees by IIN), so the drop and the rename leave the other tables as they are.
-- New: the password is a one-time one to change at the next sign-in; the last sign-in; the
-- account deactivated (an employee who left: never deleted, the journal keeps their name).
CREATE TABLE staff_rebuilt (
    id INTEGER PRIMARY KEY,
    iin TEXT UNIQUE NOT NULL,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('receptionist', 'head', 'admin')),
    password_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    key_store_path TEXT,
    lang TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    last_sign_in_at TEXT,
    deactivated_at TEXT
);
INSERT INTO staff_rebuilt (id, iin, full_name, role, password_hash, failed_attempts,
    locked_until, disabled, key_store_path, lang, created_at, password_changed_at)
SELECT id, iin, full_name, role, password_hash, failed_attempts, locked_until, disabled,
    key_store_path, lang, created_at, password_changed_at
FROM staff;
DROP TABLE staff;
ALTER TABLE staff_rebuilt RENAME TO staff;
"""

MIGRATION_9 = """
-- Reports (issue 13): state changes by when they happened, with what the outcomes and the
-- survey read of them, so that a year of services is read from the index alone (the narrower
-- index of MIGRATION_5 sent every row to the table).
DROP INDEX IF EXISTS events_to_state_at;
CREATE INDEX events_moves
ON events (to_state, at, application_id, actor_iin, from_state, reason_code, kind)
WHERE kind = 'transition';
"""

MIGRATION_10 = """
-- The printer each workstation prints on by default (issue 15, "Printers"): the printers
-- themselves stay in the workstation's config; only the choice among them is the clinic's.
CREATE TABLE workstation_printers (
    workstation TEXT PRIMARY KEY,
    printer TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
"""

MIGRATION_11 = """
-- Sign-in throttling (issue 14, OWASP ASVS 2.2.1) replaces the lock-out: failures are counted per
-- IIN typed (existing or not) and per terminal, under keyed hashes (store/signin_throttle.py),
-- never the IINs in clear. The staff table's failed_attempts and locked_until are no longer
-- written; lock-outs running at the upgrade end with it.
CREATE TABLE signin_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL CHECK (failures >= 0),
    last_failure_at TEXT NOT NULL,
    blocked_until TEXT
) WITHOUT ROWID;
CREATE TABLE signin_throttle_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
);
UPDATE staff SET failed_attempts = 0, locked_until = NULL
WHERE failed_attempts != 0 OR locked_until IS NOT NULL;
"""

MIGRATION_12 = """
-- Who has a person open at a desk now (issue 14, "same person at two desks"): one row per
-- running desk, replaced when it opens the next person, deleted when the case ends, its seen_at
-- refreshed by the desk's heartbeat. A row whose seen_at is old belongs to a desk that died; it
-- is ignored by readers and removed by the next writer (store.journal.open_cases).
CREATE TABLE open_cases (
    desk_id TEXT PRIMARY KEY,
    applicant_iin TEXT NOT NULL,
    actor_iin TEXT NOT NULL,
    workstation TEXT NOT NULL,
    application_id INTEGER,
    opened_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX open_cases_person ON open_cases (applicant_iin, seen_at);
"""

MIGRATION_13 = """
-- The keyed audit chain (issue 14): from which record on the hashes are HMACs under the audit
-- key kept outside the database (regdesk.store.audit), and which key (its id, not the key).
-- One row at most; the same number is in the checkpoint file beside the key, so that a writer of
-- this file cannot "downgrade" keyed records to the public formula by removing this row.
CREATE TABLE audit_seal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    keyed_from INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

MIGRATION_14 = """
-- Districts and their people in the database (issue 15): the config's [[districts]] are
-- imported once (store/districts.py), then the desk is the place. A district's streets are
-- ranges: the street's name in Kazakh and in Russian (either may be empty, not both) and the
-- house numbers ('' for the whole street), read only by core.districts. Its doctor and nurse
-- are periods: [valid_from, valid_to) in clinic dates, valid_from NULL for "since before the
-- database knew", valid_to NULL while serving; a change closes the open period and adds one,
-- so a talon reprinted names whoever served on its day. One row of district_import says when
-- the config was imported and the fingerprint of what was, and of the config last said to differ.
CREATE TABLE districts (
    number INTEGER PRIMARY KEY CHECK (number BETWEEN 1 AND 9999),
    name TEXT NOT NULL DEFAULT '',
    target INTEGER CHECK (target IS NULL OR target > 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE district_ranges (
    district INTEGER NOT NULL REFERENCES districts (number),
    position INTEGER NOT NULL,
    street_kk TEXT NOT NULL DEFAULT '',
    street_ru TEXT NOT NULL DEFAULT '',
    houses TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (district, position)
) WITHOUT ROWID;
CREATE TABLE district_staff (
    id INTEGER PRIMARY KEY,
    district INTEGER NOT NULL REFERENCES districts (number),
    post TEXT NOT NULL CHECK (post IN ('doctor', 'nurse')),
    full_name TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);
CREATE INDEX district_staff_post ON district_staff (district, post, valid_from);
CREATE TABLE district_import (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    imported_at TEXT NOT NULL,
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    noticed TEXT
);
-- The attached counts (store.districts.counts) read from these two alone: each IIN's newest
-- standing registration, and its newest registry answer with the clinic and district it names
-- (without them a million applications took a minute; bench/districts.py).
CREATE INDEX applications_attached ON applications (applicant_iin, registered_at, district, state)
WHERE state IN ('registered', 'issued') AND district IS NOT NULL;
CREATE INDEX applications_answers ON applications (applicant_iin, created_at,
    json_extract(registry_data, '$.attachment.clinic_bin'),
    json_extract(registry_data, '$.attachment.district'))
WHERE registry_data IS NOT NULL;
"""

MIGRATION_15 = """
-- The sign-in throttle's secret out of the database (issue 14): its keys are HMACs under a
-- secret derived from the audit key kept beside the vault key (store/signin_throttle.py), so a
-- reader of the whole database cannot test IINs against the table. The records kept under the
-- old secret cannot be matched any more: delays running at the upgrade end with it.
DROP TABLE signin_throttle_secret;
DELETE FROM signin_throttle;
"""

MIGRATIONS: tuple[str, ...] = (
    MIGRATION_1,
    MIGRATION_2,
    MIGRATION_3,
    MIGRATION_4,
    MIGRATION_5,
    MIGRATION_6,
    MIGRATION_7,
    MIGRATION_8,
    MIGRATION_9,
    MIGRATION_10,
    MIGRATION_11,
    MIGRATION_12,
    MIGRATION_13,
    MIGRATION_14,
    MIGRATION_15,
)
"""SQL scripts in order; the schema version of a database is how many of them it has had."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code writes and expects."""


def statements(script: str) -> list[str]:
    """``script`` cut into complete SQL statements.

    ``sqlite3.executescript`` would commit the migration's transaction before running, so each
    statement is executed on its own inside it.
    """
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                out.append(pending.strip())
            pending = ""
    if pending.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in pending.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {pending!r}")
    return out


def version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the file (0 for a new, empty file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path | str = "") -> int:
    """Apply the missing migrations in one transaction; return how many were applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Raises ``SchemaTooNewError``
    for a file from a newer regdesk. Interrupted or failing, it leaves the file as it was.
    """
    from regdesk.store.db import SchemaTooNewError

    if version(conn) > SCHEMA_VERSION:
        raise SchemaTooNewError(path=str(path), found=version(conn), known=SCHEMA_VERSION)
    if version(conn) == SCHEMA_VERSION:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while this one waited for the lock.
        applied = apply_missing(conn, path)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return applied


def apply_missing(conn: sqlite3.Connection, path: Path | str = "") -> int:
    """Apply the missing migrations inside the caller's open write transaction; how many.

    ``regdesk upgrade`` calls it between its backup and its audit record, in one transaction.
    """
    from regdesk.store.db import SchemaTooNewError
    from regdesk.store.journal.names import make_name_key

    current = version(conn)
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(path=str(path), found=current, known=SCHEMA_VERSION)
    # Migrations that recompute a derived column call the code that derives it now.
    conn.create_function("regdesk_name_key", 3, make_name_key, deterministic=True)
    applied = 0
    while current < SCHEMA_VERSION:
        for statement in statements(MIGRATIONS[current]):
            conn.execute(statement)
        current += 1
        applied += 1
    conn.execute(f"PRAGMA user_version = {current}")
    return applied


def is_new(conn: sqlite3.Connection) -> bool:
    """Whether the file is new: version 0 and no table at all (SQLite's empty file)."""
    if version(conn) != 0:
        return False
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def file_version(path: Path) -> int | None:
    """The schema version of the database at ``path``, read without changing the file (None
    when it cannot be read: the command that opens it says why)."""
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return version(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
