-- attest storage, version 1.
--
-- Types are chosen so the same queries run on PostgreSQL later: INTEGER
-- (BIGINT there), TEXT, BLOB (BYTEA there), booleans as INTEGER 0/1
-- compared with NOT/=, times as integer milliseconds since 1970 (UTC).
-- Dates are stored as the EDTF text plus sortable integer bounds
-- yyyymmdd (year * 10000 + month * 100 + day; NULL for an open end).

-- Every revision of every source file (entries, bibliography, gazetteer,
-- attest.toml). Holds restricted text as written: never served to
-- unauthenticated requests.
CREATE TABLE source_revision (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL,
    hash        TEXT,               -- hex SHA-256 of content; NULL when deleted
    content     BLOB,               -- NULL when deleted
    deleted     INTEGER NOT NULL,   -- 0 or 1
    created_ms  INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    message     TEXT    NOT NULL
);
CREATE INDEX source_revision_path ON source_revision (path, id);

-- Small settings: where the search index lives, when it was built.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The derived model, one copy per audience ('public' or 'internal'),
-- always written from an access::View of that audience.
CREATE TABLE entry (
    audience  TEXT    NOT NULL,
    slug      TEXT    NOT NULL,
    title     TEXT    NOT NULL,
    kind      TEXT,
    status    TEXT,
    language  TEXT    NOT NULL,
    published TEXT,
    period    TEXT,
    earliest  INTEGER,
    latest    INTEGER,
    summary   TEXT,
    restricted INTEGER NOT NULL,
    markdown  TEXT    NOT NULL,
    PRIMARY KEY (audience, slug)
);

CREATE TABLE entry_author (
    audience    TEXT    NOT NULL,
    entry       TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    affiliation TEXT,
    orcid       TEXT,
    PRIMARY KEY (audience, entry, position),
    FOREIGN KEY (audience, entry) REFERENCES entry (audience, slug) ON DELETE CASCADE
);

CREATE TABLE entry_place (
    audience TEXT NOT NULL,
    entry    TEXT NOT NULL,
    place    TEXT NOT NULL,
    PRIMARY KEY (audience, entry, place),
    FOREIGN KEY (audience, entry) REFERENCES entry (audience, slug) ON DELETE CASCADE
);

CREATE TABLE figure (
    audience   TEXT    NOT NULL,
    entry      TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    what       TEXT    NOT NULL,
    who        TEXT,
    where_text TEXT,
    unit       TEXT    NOT NULL,   -- 'percent', 'share' or the counted thing
    period     TEXT,
    earliest   INTEGER,
    latest     INTEGER,
    note       TEXT,
    restricted INTEGER NOT NULL,
    PRIMARY KEY (audience, entry, id),
    FOREIGN KEY (audience, entry) REFERENCES entry (audience, slug) ON DELETE CASCADE
);

CREATE TABLE estimate (
    audience         TEXT    NOT NULL,
    entry            TEXT    NOT NULL,
    figure           TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    value            REAL,
    low              REAL,
    high             REAL,
    approximate      INTEGER NOT NULL,
    period           TEXT,
    earliest         INTEGER,
    latest           INTEGER,
    source           TEXT,              -- the citation in Pandoc syntax
    attribution      TEXT,
    basis            TEXT,
    wording          TEXT,
    reliability      TEXT,
    reliability_note TEXT,
    note             TEXT,
    rank             TEXT    NOT NULL,
    verified         INTEGER NOT NULL,
    restricted       INTEGER NOT NULL,
    PRIMARY KEY (audience, entry, figure, id),
    FOREIGN KEY (audience, entry, figure) REFERENCES figure (audience, entry, id) ON DELETE CASCADE
);

CREATE TABLE event (
    audience    TEXT    NOT NULL,
    entry       TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    date        TEXT,               -- EDTF as written; NULL when undated or invalid
    earliest    INTEGER,
    latest      INTEGER,
    label       TEXT    NOT NULL,
    description TEXT,
    attribution TEXT,
    verified    INTEGER NOT NULL,
    restricted  INTEGER NOT NULL,
    PRIMARY KEY (audience, entry, id),
    FOREIGN KEY (audience, entry) REFERENCES entry (audience, slug) ON DELETE CASCADE
);
CREATE INDEX event_bounds ON event (audience, earliest, latest);

CREATE TABLE event_place (
    audience TEXT NOT NULL,
    entry    TEXT NOT NULL,
    event    TEXT NOT NULL,
    place    TEXT NOT NULL,
    PRIMARY KEY (audience, entry, event, place),
    FOREIGN KEY (audience, entry, event) REFERENCES event (audience, entry, id) ON DELETE CASCADE
);
CREATE INDEX event_place_place ON event_place (audience, place);

CREATE TABLE place (
    audience  TEXT    NOT NULL,
    id        TEXT    NOT NULL,
    kind      TEXT,
    lat       REAL,
    lon       REAL,
    precision TEXT,
    verified  INTEGER NOT NULL,
    part_of   TEXT,
    period    TEXT,
    note      TEXT,
    PRIMARY KEY (audience, id)
);
CREATE INDEX place_part_of ON place (audience, part_of);

CREATE TABLE place_name (
    audience     TEXT    NOT NULL,
    place        TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    lang         TEXT,
    script       TEXT,
    romanization TEXT,
    preferred    INTEGER NOT NULL,
    PRIMARY KEY (audience, place, position),
    FOREIGN KEY (audience, place) REFERENCES place (audience, id) ON DELETE CASCADE
);

CREATE TABLE work (
    audience   TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    authors    TEXT    NOT NULL,   -- "Family, Given; Family, Given"
    year       INTEGER,
    title      TEXT    NOT NULL,
    restricted INTEGER NOT NULL,
    PRIMARY KEY (audience, key)
);

-- Every citation of an entry, one row per cited work, in reading order
-- (prose first, then the data), as Entry::citations gives them.
CREATE TABLE citation (
    audience TEXT    NOT NULL,
    entry    TEXT    NOT NULL,
    position INTEGER NOT NULL,
    item     INTEGER NOT NULL,
    work     TEXT    NOT NULL,
    locator  TEXT,
    PRIMARY KEY (audience, entry, position, item),
    FOREIGN KEY (audience, entry) REFERENCES entry (audience, slug) ON DELETE CASCADE
);
CREATE INDEX citation_work ON citation (audience, work);
