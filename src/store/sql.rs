//! The query texts, in SQL that SQLite and PostgreSQL both accept: `$n`
//! placeholders, `WITH RECURSIVE`, `ON CONFLICT`, `NOT` on 0/1 flags, no
//! SQLite-only functions. A backend whose dialect differs gets a module of
//! its own beside this one; the schema itself is per backend, in
//! `migrations/<backend>/`. The one exception is marked below.

/// SQLite's own consistency check (PostgreSQL has no equivalent to run).
pub(super) const INTEGRITY_CHECK: &str = "PRAGMA integrity_check";

/// A consistent, compacted copy of the database into a new file (SQLite only).
pub(super) const VACUUM_INTO: &str = "VACUUM INTO $1";

/// The schema versions applied, from sqlx's own table.
pub(super) const APPLIED_MIGRATIONS: &str = "SELECT version FROM _sqlx_migrations WHERE success";

/// Path and hash (NULL when deleted) of each file's latest revision.
pub(super) const LATEST_HASHES: &str = "SELECT r.path, r.hash FROM source_revision r \
     WHERE r.id = (SELECT MAX(x.id) FROM source_revision x WHERE x.path = r.path)";

/// Path and content of each file's latest revision, deleted files left out.
pub(super) const LATEST_CONTENTS: &str = "SELECT r.path, r.content FROM source_revision r \
     WHERE r.id = (SELECT MAX(x.id) FROM source_revision x WHERE x.path = r.path) \
     AND NOT r.deleted ORDER BY r.path";

/// `$1` path, `$2` hash, `$3` content, `$4` deleted, `$5` time, `$6` author, `$7` message.
pub(super) const INSERT_REVISION: &str = "INSERT INTO source_revision \
     (path, hash, content, deleted, created_ms, author, message) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Revisions of `$1`, newest first.
pub(super) const REVISIONS_OF: &str = "SELECT id, path, hash, created_ms, author, message \
     FROM source_revision WHERE path = $1 ORDER BY id DESC";

/// Content of revision `$1`.
pub(super) const REVISION_CONTENT: &str = "SELECT content FROM source_revision WHERE id = $1";

/// Sets meta `$1` to `$2`.
pub(super) const SET_META: &str =
    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// Meta `$1`.
pub(super) const GET_META: &str = "SELECT value FROM meta WHERE key = $1";

/// Events of audience `$1` that may fall on or after day `$2` and on or
/// before day `$3` (yyyymmdd; NULL: no bound), at place `$4` or a place
/// inside it (NULL: anywhere). Undated events only when no bound is given.
pub(super) const EVENTS: &str = "WITH RECURSIVE inside (id) AS ( \
         SELECT CAST($4 AS TEXT) WHERE $4 IS NOT NULL \
         UNION \
         SELECT p.id FROM place p JOIN inside i ON p.part_of = i.id WHERE p.audience = $1 \
     ) \
     SELECT e.entry, e.id, e.date, e.earliest, e.latest, e.label, e.description, e.restricted \
     FROM event e \
     WHERE e.audience = $1 \
     AND ($2 IS NULL OR (e.date IS NOT NULL AND (e.latest IS NULL OR e.latest >= $2))) \
     AND ($3 IS NULL OR (e.date IS NOT NULL AND (e.earliest IS NULL OR e.earliest <= $3))) \
     AND ($4 IS NULL OR EXISTS (SELECT 1 FROM event_place ep \
         WHERE ep.audience = e.audience AND ep.entry = e.entry AND ep.event = e.id \
         AND ep.place IN (SELECT id FROM inside))) \
     ORDER BY e.date IS NULL, e.earliest, e.latest, e.entry, e.id";

/// Places of every event of audience `$1`.
pub(super) const EVENT_PLACES: &str =
    "SELECT entry, event, place FROM event_place WHERE audience = $1 ORDER BY entry, event, place";

/// The tables of the derived model, children before parents, each with an
/// `audience` column: emptied for one audience before it is written again.
pub(super) const MODEL_TABLES: &[&str] = &[
    "DELETE FROM citation WHERE audience = $1",
    "DELETE FROM event_place WHERE audience = $1",
    "DELETE FROM event WHERE audience = $1",
    "DELETE FROM estimate WHERE audience = $1",
    "DELETE FROM figure WHERE audience = $1",
    "DELETE FROM entry_place WHERE audience = $1",
    "DELETE FROM entry_author WHERE audience = $1",
    "DELETE FROM entry WHERE audience = $1",
    "DELETE FROM place_name WHERE audience = $1",
    "DELETE FROM place WHERE audience = $1",
    "DELETE FROM work WHERE audience = $1",
];

/// Deletes one entry of one audience, with every row that belongs to it.
pub(super) const ENTRY_TABLES: &[&str] = &[
    "DELETE FROM citation WHERE audience = $1 AND entry = $2",
    "DELETE FROM event_place WHERE audience = $1 AND entry = $2",
    "DELETE FROM event WHERE audience = $1 AND entry = $2",
    "DELETE FROM estimate WHERE audience = $1 AND entry = $2",
    "DELETE FROM figure WHERE audience = $1 AND entry = $2",
    "DELETE FROM entry_place WHERE audience = $1 AND entry = $2",
    "DELETE FROM entry_author WHERE audience = $1 AND entry = $2",
    "DELETE FROM entry WHERE audience = $1 AND slug = $2",
];

/// One entry row.
pub(super) const INSERT_ENTRY: &str = "INSERT INTO entry \
     (audience, slug, title, kind, status, language, published, period, earliest, latest, summary, restricted, markdown) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// One author of an entry.
pub(super) const INSERT_ENTRY_AUTHOR: &str = "INSERT INTO entry_author \
     (audience, entry, position, name, affiliation, orcid) VALUES ($1, $2, $3, $4, $5, $6)";

/// One place of an entry.
pub(super) const INSERT_ENTRY_PLACE: &str =
    "INSERT INTO entry_place (audience, entry, place) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// One figure.
pub(super) const INSERT_FIGURE: &str = "INSERT INTO figure \
     (audience, entry, id, what, who, where_text, unit, period, earliest, latest, note, restricted) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// One estimate.
pub(super) const INSERT_ESTIMATE: &str = "INSERT INTO estimate \
     (audience, entry, figure, id, value, low, high, approximate, period, earliest, latest, source, attribution, \
      basis, wording, reliability, reliability_note, note, rank, verified, restricted) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

/// One event.
pub(super) const INSERT_EVENT: &str = "INSERT INTO event \
     (audience, entry, id, date, earliest, latest, label, description, attribution, verified, restricted) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// One place of an event.
pub(super) const INSERT_EVENT_PLACE: &str =
    "INSERT INTO event_place (audience, entry, event, place) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// One gazetteer place.
pub(super) const INSERT_PLACE: &str = "INSERT INTO place \
     (audience, id, kind, lat, lon, precision, verified, part_of, period, note) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// One name of a place.
pub(super) const INSERT_PLACE_NAME: &str = "INSERT INTO place_name \
     (audience, place, position, name, lang, script, romanization, preferred) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// One work of the bibliography.
pub(super) const INSERT_WORK: &str = "INSERT INTO work \
     (audience, key, kind, authors, year, title, restricted) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// One cited work of an entry.
pub(super) const INSERT_CITATION: &str = "INSERT INTO citation \
     (audience, entry, position, item, work, locator) VALUES ($1, $2, $3, $4, $5, $6)";

// ---------------------------------------------------------------------------
// Accounts, sessions, throttling and the audit log (migration 2)

/// The account named `$1`.
pub(super) const ACCOUNT_BY_NAME: &str =
    "SELECT id, name, role, password_hash, totp_secret, totp_last_step FROM account WHERE name = $1";

/// Sets the TOTP secret of account `$1` to `$2` (NULL: none), forgetting the last step.
pub(super) const SET_TOTP: &str = "UPDATE account SET totp_secret = $2, totp_last_step = NULL WHERE id = $1";

/// Records step `$2` as used by account `$1`, unless it or a later one was.
pub(super) const USE_TOTP_STEP: &str = "UPDATE account SET totp_last_step = $2 \
     WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)";

/// `$1` name, `$2` role, `$3` password hash, `$4` time (created and password set).
pub(super) const INSERT_ACCOUNT: &str = "INSERT INTO account \
     (name, role, password_hash, created_ms, password_changed_ms) VALUES ($1, $2, $3, $4, $4)";

/// Account `$1` gets password hash `$2` at time `$3`.
pub(super) const SET_PASSWORD: &str = "UPDATE account SET password_hash = $2, password_changed_ms = $3 WHERE id = $1";

/// Every account, by name.
pub(super) const ACCOUNTS: &str = "SELECT name, role, created_ms, password_changed_ms FROM account ORDER BY name";

/// Account `$1` is granted `$2` at time `$3`.
pub(super) const INSERT_GRANT: &str =
    "INSERT INTO reader_grant (account, target, created_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// Every grant with its account's name.
pub(super) const GRANTS: &str = "SELECT a.name, g.target FROM reader_grant g \
     JOIN account a ON a.id = g.account ORDER BY a.name, g.target";

/// The grants of account `$1`.
pub(super) const GRANTS_OF: &str = "SELECT target FROM reader_grant WHERE account = $1 ORDER BY target";

/// `$1` token hash, `$2` account, `$3` now (created and last seen), `$4` limit.
pub(super) const INSERT_SESSION: &str = "INSERT INTO session \
     (token_hash, account, created_ms, last_seen_ms, expires_ms) VALUES ($1, $2, $3, $3, $4)";

/// The session with token hash `$1` and its account.
pub(super) const SESSION: &str = "SELECT s.last_seen_ms, s.expires_ms, s.account, a.name, a.role \
     FROM session s JOIN account a ON a.id = s.account WHERE s.token_hash = $1";

/// Session `$1` was seen at `$2`.
pub(super) const TOUCH_SESSION: &str = "UPDATE session SET last_seen_ms = $2 WHERE token_hash = $1";

/// Ends session `$1`.
pub(super) const DELETE_SESSION: &str = "DELETE FROM session WHERE token_hash = $1";

/// Ends every session of account `$1`.
pub(super) const DELETE_SESSIONS_OF: &str = "DELETE FROM session WHERE account = $1";

/// Sessions past their limit at `$1`, or last seen before `$2`.
pub(super) const DELETE_ENDED_SESSIONS: &str = "DELETE FROM session WHERE expires_ms <= $1 OR last_seen_ms <= $2";

/// The failures counted against key `$2` of kind `$1`.
pub(super) const THROTTLE: &str =
    "SELECT failures, last_failure_ms, locked_until_ms FROM login_throttle WHERE kind = $1 AND key = $2";

/// `$1` kind, `$2` key, `$3` failures, `$4` time of the last, `$5` locked until.
pub(super) const UPSERT_THROTTLE: &str = "INSERT INTO login_throttle \
     (kind, key, failures, last_failure_ms, locked_until_ms) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (kind, key) DO UPDATE SET failures = excluded.failures, \
     last_failure_ms = excluded.last_failure_ms, locked_until_ms = excluded.locked_until_ms";

/// Forgets failures older than `$1` whose lock ended before `$2`.
pub(super) const FORGET_FAILURES: &str =
    "DELETE FROM login_throttle WHERE last_failure_ms < $1 AND locked_until_ms <= $2";

/// Forgets the failures of key `$2` of kind `$1`.
pub(super) const CLEAR_THROTTLE: &str = "DELETE FROM login_throttle WHERE kind = $1 AND key = $2";

/// `$1` time, `$2` actor, `$3` action, `$4` target, `$5` address, `$6` detail.
pub(super) const INSERT_AUDIT: &str = "INSERT INTO audit \
     (time_ms, actor, action, target, address, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// The newest `$1` rows of the audit log, newest first.
pub(super) const AUDIT_LOG: &str = "SELECT id, time_ms, actor, action, target, address, detail \
     FROM audit ORDER BY id DESC LIMIT $1";

/// Id and hash of the latest revision of `$1`.
pub(super) const LATEST_OF: &str = "SELECT id, hash FROM source_revision WHERE path = $1 ORDER BY id DESC LIMIT 1";

/// [`INSERT_REVISION`], answering the new revision's `id`.
pub(super) const INSERT_REVISION_RETURNING: &str = "INSERT INTO source_revision \
     (path, hash, content, deleted, created_ms, author, message) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";

/// Makes revision `$2` the publication of `$1` at time `$3`.
pub(super) const SET_PUBLICATION: &str = "INSERT INTO publication (path, revision, created_ms) VALUES ($1, $2, $3) \
     ON CONFLICT (path) DO UPDATE SET revision = excluded.revision, created_ms = excluded.created_ms";

/// Path and content of every file's published revision.
pub(super) const PUBLICATIONS: &str = "SELECT p.path, r.content FROM publication p \
     JOIN source_revision r ON r.id = p.revision WHERE NOT r.deleted ORDER BY p.path";

/// The published revision of `$1`.
pub(super) const PUBLICATION_OF: &str = "SELECT revision FROM publication WHERE path = $1";

/// `$1` path, `$2` revision, `$3` author, `$4` time, `$5` body.
pub(super) const INSERT_COMMENT: &str = "INSERT INTO review_comment (path, revision, author, created_ms, body) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

/// Comments on the revisions of `$1`, oldest first.
pub(super) const COMMENTS_OF: &str =
    "SELECT id, revision, author, created_ms, body FROM review_comment WHERE path = $1 ORDER BY id";
