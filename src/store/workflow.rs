//! The editorial workflow's tables: which revision of each entry file the
//! public sees while a newer draft is written ([`Store::publish`],
//! [`Store::publications`]), and reviewers' comments on revisions.

use sqlx::Row;

use super::{hash_hex, now_ms, sql, Store, StoreError};

/// A reviewer's or editor's comment on one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Comment number.
    pub id: i64,
    /// The revision it is about.
    pub revision: i64,
    /// Who wrote it (an account name).
    pub author: String,
    /// When, in milliseconds since 1970.
    pub time_ms: i64,
    /// What it says (plain text).
    pub body: String,
}

impl Store {
    /// Records `content` as the public version of `path`: stored as a
    /// revision first when it is not the file's latest one. Returns the
    /// revision's number. One transaction.
    pub async fn publish(&self, path: &str, content: &[u8], author: &str, message: &str) -> Result<i64, StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let hash = hash_hex(content);
        let latest = sqlx::query(sql::LATEST_OF).bind(path).fetch_optional(&mut *tx).await?;
        let time = now_ms();
        let revision: i64 = match latest {
            Some(r) if r.try_get::<Option<String>, _>("hash")?.as_deref() == Some(hash.as_str()) => r.try_get("id")?,
            _ => sqlx::query(sql::INSERT_REVISION_RETURNING)
                .bind(path)
                .bind(Some(&hash))
                .bind(Some(content))
                .bind(false)
                .bind(time)
                .bind(author)
                .bind(message)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?,
        };
        sqlx::query(sql::SET_PUBLICATION).bind(path).bind(revision).bind(time).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// The last published content of every entry file that has one, by
    /// path. Contains restricted text.
    pub async fn publications(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(sql::PUBLICATIONS).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("path")?, r.try_get("content")?))).collect()
    }

    /// The revision last published of `path`, if any.
    pub async fn published_revision(&self, path: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(sql::PUBLICATION_OF).bind(path).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("revision")?),
            None => None,
        })
    }

    /// Adds a comment on revision `revision` of `path`.
    pub async fn add_comment(&self, path: &str, revision: i64, author: &str, body: &str) -> Result<i64, StoreError> {
        let _one_writer = self.write.lock().await;
        let row = sqlx::query(sql::INSERT_COMMENT)
            .bind(path)
            .bind(revision)
            .bind(author)
            .bind(now_ms())
            .bind(body)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("id")?)
    }

    /// The comments on `path`'s revisions, oldest first.
    pub async fn comments(&self, path: &str) -> Result<Vec<Comment>, StoreError> {
        let rows = sqlx::query(sql::COMMENTS_OF).bind(path).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: r.try_get("id")?,
                    revision: r.try_get("revision")?,
                    author: r.try_get("author")?,
                    time_ms: r.try_get("created_ms")?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }
}
