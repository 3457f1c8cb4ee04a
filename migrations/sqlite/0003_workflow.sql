-- attest storage, version 3: the editorial workflow of `attest serve`.
--
-- Same conventions as versions 1 and 2.

-- Per entry file, the revision the public sees while a newer draft of the
-- entry is written and reviewed: the one last published (by an editor in
-- the browser, or found published on disk before an author's draft
-- replaced it).
CREATE TABLE publication (
    path       TEXT    PRIMARY KEY,
    revision   INTEGER NOT NULL REFERENCES source_revision (id),
    created_ms INTEGER NOT NULL
);

-- Reviewers' and editors' comments, each on one revision of an entry's
-- file. Kept with the revisions: they may quote restricted text.
CREATE TABLE review_comment (
    id         INTEGER PRIMARY KEY,
    path       TEXT    NOT NULL,
    revision   INTEGER NOT NULL REFERENCES source_revision (id),
    author     TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX review_comment_path ON review_comment (path, id);
