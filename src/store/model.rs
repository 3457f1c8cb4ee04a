//! Writing the derived model of one audience from its
//! [`View`]: entries with their authors and places,
//! figures and estimates, events and their places, the gazetteer with its
//! names, the works and every citation. Nothing here reads the corpus, so
//! nothing the view left out can reach the database.

use std::collections::HashSet;

use sqlx::{Sqlite, Transaction};

use super::{audience_name, day_key, sql, Store, StoreError};
use crate::access::View;
use crate::model::{Access, DateField, Unit};

/// The EDTF text of a valid date with its bounds as `yyyymmdd` keys.
fn date_cols(d: Option<&DateField>) -> (Option<&str>, Option<i64>, Option<i64>) {
    match d.and_then(|d| d.edtf.as_ref().map(|e| (d.raw.as_str(), e))) {
        Some((raw, e)) => (Some(raw), e.earliest().and_then(day_key), e.latest().and_then(day_key)),
        None => (None, None, None),
    }
}

fn restricted(a: Access) -> bool {
    a == Access::Restricted
}

/// Keeps the first of items sharing an id (the checker reports the others),
/// so a duplicate in the sources cannot make the whole write fail.
fn first_of<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut seen = HashSet::new();
    items.iter().filter(|x| seen.insert(id(x).to_string())).collect()
}

/// Which part of a stored model a write replaces.
#[derive(Debug, Clone, Copy)]
pub enum ModelChange<'a> {
    /// Everything: entries, works and places.
    All,
    /// Only these entries (by slug), each written as the view now has it or
    /// removed when the view no longer has it. For an edit that touched
    /// entry files only: one row set per entry instead of the whole model.
    Entries(&'a [&'a str]),
}

impl Store {
    /// Replaces the stored model of `view`'s audience with what the view
    /// holds, in one transaction: readers see the old model or the new one,
    /// never a mixture.
    pub async fn replace_model(&self, view: &View) -> Result<(), StoreError> {
        self.update_model(view, ModelChange::All).await
    }

    /// Writes the part of `view`'s model that `change` names, in one
    /// transaction. With [`ModelChange::Entries`] the caller vouches that
    /// nothing else changed since the last write (works, places, other
    /// entries); the server knows this from the files an edit touched.
    pub async fn update_model(&self, view: &View, change: ModelChange<'_>) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        let aud = audience_name(view.audience);
        let mut tx = self.pool.begin().await?;
        let entries = first_of(&view.entries, |s| s.entry.slug.as_str());
        let entries = match change {
            ModelChange::All => {
                for delete in sql::MODEL_TABLES {
                    sqlx::query(*delete).bind(aud).execute(&mut *tx).await?;
                }
                write_places(&mut tx, aud, view).await?;
                write_works(&mut tx, aud, view).await?;
                entries
            }
            ModelChange::Entries(slugs) => {
                for slug in slugs {
                    for delete in sql::ENTRY_TABLES {
                        sqlx::query(*delete).bind(aud).bind(*slug).execute(&mut *tx).await?;
                    }
                }
                entries.into_iter().filter(|s| slugs.contains(&s.entry.slug.as_str())).collect()
            }
        };
        for site in entries {
            let e = &site.entry;
            let slug = e.slug.as_str();
            let (period, earliest, latest) = date_cols(e.period.as_ref());
            sqlx::query(sql::INSERT_ENTRY)
                .bind(aud)
                .bind(slug)
                .bind(&e.title.v)
                .bind(e.kind.as_ref().map(|k| k.v.as_str()))
                .bind(e.status.as_ref().map(|s| s.v.as_str()))
                .bind(&e.language)
                .bind(date_cols(e.published.as_ref()).0)
                .bind(period)
                .bind(earliest)
                .bind(latest)
                .bind(e.summary.as_deref())
                .bind(restricted(e.access))
                .bind(&site.markdown)
                .execute(&mut *tx)
                .await?;
            for (i, a) in e.authors.iter().enumerate() {
                sqlx::query(sql::INSERT_ENTRY_AUTHOR)
                    .bind(aud)
                    .bind(slug)
                    .bind(i as i64)
                    .bind(&a.name)
                    .bind(a.affiliation.as_deref())
                    .bind(a.orcid.as_deref())
                    .execute(&mut *tx)
                    .await?;
            }
            for p in &e.places {
                sqlx::query(sql::INSERT_ENTRY_PLACE).bind(aud).bind(slug).bind(&p.v).execute(&mut *tx).await?;
            }
            write_figures(&mut tx, aud, slug, e).await?;
            write_events(&mut tx, aud, slug, e).await?;
            for (position, c) in e.citations().into_iter().enumerate() {
                for (item, it) in c.items.iter().enumerate() {
                    let locator = it.locator.as_ref().map(|l| format!("{} {}", l.label.csl_name(), l.value));
                    sqlx::query(sql::INSERT_CITATION)
                        .bind(aud)
                        .bind(slug)
                        .bind(position as i64)
                        .bind(item as i64)
                        .bind(&it.key)
                        .bind(locator)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn write_places(tx: &mut Transaction<'static, Sqlite>, aud: &str, view: &View) -> Result<(), StoreError> {
    for p in first_of(&view.places, |p| p.id.v.as_str()) {
        let coords = p.coordinates.as_ref().map(|c| c.v);
        sqlx::query(sql::INSERT_PLACE)
            .bind(aud)
            .bind(&p.id.v)
            .bind(p.kind.map(|k| k.as_str()))
            .bind(coords.map(|c| c.lat))
            .bind(coords.map(|c| c.lon))
            .bind(p.precision.map(|x| x.as_str()))
            .bind(p.verified)
            .bind(p.part_of.as_ref().map(|x| x.v.as_str()))
            .bind(date_cols(p.period.as_ref()).0)
            .bind(p.note.as_deref())
            .execute(&mut **tx)
            .await?;
        for (i, n) in p.names.iter().enumerate() {
            sqlx::query(sql::INSERT_PLACE_NAME)
                .bind(aud)
                .bind(&p.id.v)
                .bind(i as i64)
                .bind(&n.name)
                .bind(n.lang.as_deref())
                .bind(n.script.as_deref())
                .bind(n.romanization.as_deref())
                .bind(n.preferred)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

async fn write_works(tx: &mut Transaction<'static, Sqlite>, aud: &str, view: &View) -> Result<(), StoreError> {
    for w in first_of(&view.works, |w| w.key.v.as_str()) {
        let authors: Vec<String> = w
            .authors
            .iter()
            .map(|n| match &n.given {
                Some(g) => format!("{}, {g}", n.family),
                None => n.family.clone(),
            })
            .collect();
        sqlx::query(sql::INSERT_WORK)
            .bind(aud)
            .bind(&w.key.v)
            .bind(&w.kind)
            .bind(authors.join("; "))
            .bind(w.year)
            .bind(&w.title)
            .bind(restricted(w.access))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn write_figures(
    tx: &mut Transaction<'static, Sqlite>,
    aud: &str,
    slug: &str,
    e: &crate::model::Entry,
) -> Result<(), StoreError> {
    for f in first_of(&e.figures, |f| f.id.v.as_str()) {
        let m = &f.measure;
        let (period, earliest, latest) = date_cols(m.period.as_ref());
        let unit = match &f.unit {
            Unit::Percent => "percent",
            Unit::Share => "share",
            Unit::Count(what) => what.as_str(),
        };
        sqlx::query(sql::INSERT_FIGURE)
            .bind(aud)
            .bind(slug)
            .bind(&f.id.v)
            .bind(&m.what)
            .bind(m.who.as_deref())
            .bind(m.where_.as_deref())
            .bind(unit)
            .bind(period)
            .bind(earliest)
            .bind(latest)
            .bind(f.note.as_deref())
            .bind(restricted(f.access))
            .execute(&mut **tx)
            .await?;
        for x in first_of(&f.estimates, |x| x.id.v.as_str()) {
            let (period, earliest, latest) = date_cols(x.period.as_ref());
            sqlx::query(sql::INSERT_ESTIMATE)
                .bind(aud)
                .bind(slug)
                .bind(&f.id.v)
                .bind(&x.id.v)
                .bind(x.value.as_ref().map(|v| v.v))
                .bind(x.low.as_ref().map(|v| v.v))
                .bind(x.high.as_ref().map(|v| v.v))
                .bind(x.approximate)
                .bind(period)
                .bind(earliest)
                .bind(latest)
                .bind(x.source.as_ref().map(|s| s.v.to_pandoc()))
                .bind(x.attribution.as_deref())
                .bind(x.basis.map(|b| b.as_str()))
                .bind(x.wording.as_deref())
                .bind(x.reliability.map(|r| r.as_str()))
                .bind(x.reliability_note.as_deref())
                .bind(x.note.as_deref())
                .bind(x.rank.as_str())
                .bind(x.verified)
                .bind(restricted(x.access))
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

async fn write_events(
    tx: &mut Transaction<'static, Sqlite>,
    aud: &str,
    slug: &str,
    e: &crate::model::Entry,
) -> Result<(), StoreError> {
    for ev in first_of(&e.events, |x| x.id.v.as_str()) {
        let (date, earliest, latest) = date_cols(ev.date.as_ref());
        sqlx::query(sql::INSERT_EVENT)
            .bind(aud)
            .bind(slug)
            .bind(&ev.id.v)
            .bind(date)
            .bind(earliest)
            .bind(latest)
            .bind(&ev.label)
            .bind(ev.description.as_deref())
            .bind(ev.attribution.as_deref())
            .bind(ev.verified)
            .bind(restricted(ev.access))
            .execute(&mut **tx)
            .await?;
        for p in &ev.places {
            sqlx::query(sql::INSERT_EVENT_PLACE)
                .bind(aud)
                .bind(slug)
                .bind(&ev.id.v)
                .bind(&p.v)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
