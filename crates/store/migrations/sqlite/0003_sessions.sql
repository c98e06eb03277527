-- mibg registry schema, version 3 (sqlite); the same as ../postgres/0003_sessions.sql.
-- Server-side sessions of the web application (docs/reference/registry.md §7; OWASP ASVS 4.0.3
-- chapter 3), kept in the database so that they survive a restart of `mibg serve` and are
-- shared by every process on the same database. Only the SHA-256 of the 256-bit session id
-- is stored (the id itself is a bearer secret, like an API token). Not a record table: a
-- session is removed (DELETE) at sign-out, when its user changes the password (the other
-- sessions), when an administrator resets the password or disables the account, and when it
-- expires (idle timeout or absolute lifetime); it is neither audited nor backed up (the
-- sign-in and sign-out themselves are audit records).
-- password_change_required: the session may only change its password (an initial or reset
-- password, ASVS 4.0.3 section 2.3.1), decided at sign-in from the audit trail.

CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    password_change_required INTEGER NOT NULL DEFAULT 0 CHECK (password_change_required IN (0, 1))
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX sessions_created ON sessions (created_at);
