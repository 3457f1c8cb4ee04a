-- attest storage, version 2: accounts, sessions, login throttling and the
-- audit log of `attest serve`.
--
-- Same conventions as version 1: times are integer milliseconds since 1970
-- (UTC), flags are INTEGER 0/1, and nothing here is specific to SQLite
-- except the triggers at the end (PostgreSQL gets its own).

-- One row per person. There is no default account: the first one is made
-- with `attest user add`.
CREATE TABLE account (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    role                TEXT    NOT NULL
                        CHECK (role IN ('reader', 'author', 'reviewer', 'editor', 'admin')),
    password_hash       TEXT    NOT NULL,   -- PHC string, Argon2id
    created_ms          INTEGER NOT NULL,
    password_changed_ms INTEGER NOT NULL
);

-- Restricted material a reader may see: an entry's slug, or '*' for all.
CREATE TABLE reader_grant (
    account    INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    target     TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, target)
);

-- Signed-in browsers. The cookie holds a random token; only its SHA-256
-- is stored, so a copy of the database does not let anyone sign in.
CREATE TABLE session (
    token_hash   TEXT    PRIMARY KEY,   -- hex SHA-256 of the cookie's token
    account      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL       -- the absolute limit
);
CREATE INDEX session_account ON session (account);

-- Failed sign-ins, counted per account name as typed ('account') and per
-- client address ('address'), so a restart does not forget a lock.
CREATE TABLE login_throttle (
    kind            TEXT    NOT NULL,   -- 'account' or 'address'
    key             TEXT    NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_ms INTEGER NOT NULL,
    locked_until_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX login_throttle_last ON login_throttle (last_failure_ms);

-- What was done, by whom, from where. Append-only: the triggers below
-- refuse every change and every deletion, whoever asks.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    actor   TEXT    NOT NULL,   -- an account name, or who ran the command
    action  TEXT    NOT NULL,   -- e.g. 'login.success', 'user.add'
    target  TEXT,               -- the account or thing acted on
    address TEXT,               -- the client's address, or 'command line'
    detail  TEXT
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
