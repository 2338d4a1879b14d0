//! The materialised index: one row per order (status, urgency, assignee, unit, deadlines, numbers,
//! updated) plus a full-text body for trigram search. Rows are a pure function of the document and
//! the reference data, so replicas with the same documents have the same rows, and
//! [`Store::rebuild_index`] reproduces exactly what incremental updates wrote.

use super::Store;
use crate::error::Result;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use signoff_core::doc::code_of;
use signoff_core::model::{Assignee, EventKind, ReferenceData, Urgency};
use signoff_core::view::OrderView;

/// One row of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IndexRow {
    /// Order id.
    pub id: String,
    /// Provisional number.
    pub provisional_no: String,
    /// Official number.
    pub official_no: Option<String>,
    /// `repair` or `complaint`.
    pub kind: String,
    /// Status code.
    pub status: String,
    /// Urgency code.
    pub urgency: String,
    /// 0 emergency, 1 important, 2 normal.
    pub urgency_rank: i64,
    /// Category code.
    pub category: String,
    /// `technician` or `contractor`.
    pub assignee_kind: Option<String>,
    /// Person or contractor id.
    pub assignee_id: Option<String>,
    /// Unit.
    pub unit_id: String,
    /// Unit label.
    pub unit_label: String,
    /// Project.
    pub project_id: String,
    /// Building.
    pub building_id: String,
    /// Reporter's name.
    pub reporter_name: String,
    /// The start of the description.
    pub summary: String,
    /// When reported.
    pub reported_ms: Option<i64>,
    /// When assigned to the current assignee.
    pub assigned_ms: Option<i64>,
    /// Next appointment.
    pub appointment_ms: Option<i64>,
    /// Completion.
    pub completed_ms: Option<i64>,
    /// Closing.
    pub closed_ms: Option<i64>,
    /// Earliest unmet deadline.
    pub next_due_ms: Option<i64>,
    /// When that deadline's window started.
    pub next_due_start_ms: Option<i64>,
    /// Which deadline.
    pub next_due_kind: Option<String>,
    /// Open conflicts and flags.
    pub attention: i64,
    /// Time of the latest event.
    pub updated_ms: i64,
    /// The largest HLC in the document (fixed-width text, sorts like the clock).
    pub max_hlc: String,
    /// The document does not load whole: quarantined until a sync restores it (the row is the last
    /// one written from it).
    pub damaged: bool,
}

/// What the index holds for one order: its row id, row and search text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Indexed {
    pub(crate) rid: i64,
    pub(crate) row: IndexRow,
    pub(crate) body: String,
}

impl IndexRow {
    /// `(column, value)` pairs in table order, for writing only what changed.
    fn columns(&self) -> [(&'static str, Value); 28] {
        let t = |s: &str| Value::Text(s.to_owned());
        let ot = |s: &Option<String>| s.as_ref().map_or(Value::Null, |v| Value::Text(v.clone()));
        let oi = |i: Option<i64>| i.map_or(Value::Null, Value::Integer);
        [
            ("id", t(&self.id)),
            ("provisional_no", t(&self.provisional_no)),
            ("official_no", ot(&self.official_no)),
            ("kind", t(&self.kind)),
            ("status", t(&self.status)),
            ("urgency", t(&self.urgency)),
            ("urgency_rank", Value::Integer(self.urgency_rank)),
            ("category", t(&self.category)),
            ("assignee_kind", ot(&self.assignee_kind)),
            ("assignee_id", ot(&self.assignee_id)),
            ("unit_id", t(&self.unit_id)),
            ("unit_label", t(&self.unit_label)),
            ("project_id", t(&self.project_id)),
            ("building_id", t(&self.building_id)),
            ("reporter_name", t(&self.reporter_name)),
            ("summary", t(&self.summary)),
            ("reported_ms", oi(self.reported_ms)),
            ("assigned_ms", oi(self.assigned_ms)),
            ("appointment_ms", oi(self.appointment_ms)),
            ("completed_ms", oi(self.completed_ms)),
            ("closed_ms", oi(self.closed_ms)),
            ("next_due_ms", oi(self.next_due_ms)),
            ("next_due_start_ms", oi(self.next_due_start_ms)),
            ("next_due_kind", ot(&self.next_due_kind)),
            ("attention", Value::Integer(self.attention)),
            ("updated_ms", Value::Integer(self.updated_ms)),
            ("max_hlc", t(&self.max_hlc)),
            ("damaged", Value::Integer(i64::from(self.damaged))),
        ]
    }
}

fn urgency_rank(u: Urgency) -> i64 {
    match u {
        Urgency::Emergency => 0,
        Urgency::Important => 1,
        Urgency::Normal => 2,
    }
}

/// Derive the index row of an order.
pub fn derive(view: &OrderView) -> IndexRow {
    let o = &view.order;
    let d = &view.derived;
    let next = view.deadlines.iter().map(|d| d.deadline).filter(|d| d.is_open()).min_by_key(|d| (d.due_ms, d.kind));
    let (assignee_kind, assignee_id) = match &d.assignee {
        Some(Assignee::Technician(p)) => (Some("technician".to_owned()), Some(p.to_string())),
        Some(Assignee::Contractor(c)) => (Some("contractor".to_owned()), Some(c.to_string())),
        None => (None, None),
    };
    IndexRow {
        id: o.id.to_string(),
        provisional_no: o.provisional_no.clone(),
        official_no: o.official_no.clone(),
        kind: code_of(&o.kind),
        status: view.status.code().to_owned(),
        urgency: code_of(&o.urgency),
        urgency_rank: urgency_rank(o.urgency),
        category: o.category.clone(),
        assignee_kind,
        assignee_id,
        unit_id: o.unit.unit_id.to_string(),
        unit_label: o.unit.label.clone(),
        project_id: o.unit.project_id.to_string(),
        building_id: o.unit.building_id.to_string(),
        reporter_name: o.reporter.name.clone(),
        summary: o.description.chars().take(40).collect(),
        reported_ms: d.reported_ms,
        assigned_ms: d.assigned_ms,
        appointment_ms: d.appointment.map(|a| a.from_ms),
        completed_ms: d.completed_ms,
        closed_ms: d.closed_ms,
        next_due_ms: next.map(|n| n.due_ms),
        next_due_start_ms: next.map(|n| n.start_ms),
        next_due_kind: next.map(|n| n.kind.code().to_owned()),
        attention: (view.attention.len() + view.field_conflicts.len()) as i64,
        updated_ms: o.events.iter().map(|e| e.at_ms).max().unwrap_or(0),
        max_hlc: o.events.iter().map(|e| e.hlc).max().unwrap_or_default().to_string(),
        damaged: false,
    }
}

/// The searchable text of an order: numbers, place, people, what is wrong and what was done.
pub fn search_body(view: &OrderView, reference: &ReferenceData) -> String {
    let o = &view.order;
    // The address usually contains the unit label; index the label separately only when it does not.
    let label = if o.unit.address.contains(&o.unit.label) { "" } else { o.unit.label.as_str() };
    let mut parts: Vec<&str> = vec![
        &o.provisional_no,
        o.official_no.as_deref().unwrap_or(""),
        &o.unit.address,
        label,
        &o.reporter.name,
        &o.reporter.phone,
        &o.description,
        &o.location,
        &o.findings,
        &o.work_done,
    ];
    let category = reference.category(&o.category);
    if let Some(c) = category {
        parts.push(&c.name_zh);
    }
    for m in &o.materials {
        parts.push(&m.name);
        parts.push(&m.spec);
    }
    for e in &o.events {
        // What people search by: notes, reasons, and a complaint's plan, handling and outcome.
        let searched = matches!(
            e.kind,
            EventKind::Note { .. }
                | EventKind::Paused { .. }
                | EventKind::Cancelled { .. }
                | EventKind::Reopened { .. }
                | EventKind::SignoffRefused { .. }
                | EventKind::Replied { .. }
                | EventKind::ComplaintHandling { .. }
                | EventKind::ComplaintDone { .. }
                | EventKind::ComplaintReturned { .. }
                | EventKind::ClaimFiled { .. }
        );
        if let Some(text) = e.kind.text().filter(|_| searched) {
            parts.push(text);
        }
    }
    let assignee = view.derived.assignee.as_ref().map(|a| reference.assignee_name(a)).unwrap_or_default();
    let mut body = parts.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n");
    if !assignee.is_empty() {
        body.push('\n');
        body.push_str(&assignee);
    }
    // Searches are case-insensitive; the text is only searched, never shown.
    body.to_lowercase()
}

/// Write an order's row and search text, touching only what differs from what the index holds (an
/// unchanged row or text is not rewritten, and an update sets only the changed columns, so indexes on
/// other columns are left alone). Part of the caller's transaction.
pub(crate) fn write(tx: &Transaction<'_>, old: Option<&Indexed>, row: IndexRow, body: String) -> Result<Indexed> {
    let rid = match old {
        Some(old) => {
            let changed: Vec<(&'static str, Value)> = row
                .columns()
                .into_iter()
                .zip(old.row.columns())
                .filter(|((_, new), (_, was))| new != was)
                .map(|(new, _)| new)
                .collect();
            if !changed.is_empty() {
                let sets: Vec<String> =
                    changed.iter().enumerate().map(|(i, (c, _))| format!("{c} = ?{}", i + 2)).collect();
                let sql = format!("UPDATE order_index SET {} WHERE rid = ?1", sets.join(", "));
                let mut values: Vec<Value> = vec![Value::Integer(old.rid)];
                values.extend(changed.into_iter().map(|(_, v)| v));
                tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
            }
            old.rid
        }
        None => {
            let cols = row.columns();
            let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            let updates: Vec<String> = names.iter().skip(1).map(|c| format!("{c} = excluded.{c}")).collect();
            let sql = format!(
                "INSERT INTO order_index({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {} RETURNING rid",
                names.join(", "),
                marks.join(", "),
                updates.join(", ")
            );
            tx.prepare_cached(&sql)?
                .query_row(rusqlite::params_from_iter(cols.into_iter().map(|(_, v)| v)), |r| r.get(0))?
        }
    };
    if old.is_none_or(|o| o.body != body) {
        tx.prepare_cached("DELETE FROM order_fts WHERE rowid = ?1")?.execute([rid])?;
        tx.prepare_cached("INSERT INTO order_fts(rowid, body) VALUES (?1, ?2)")?.execute(params![rid, body])?;
    }
    Ok(Indexed { rid, row, body })
}

pub(crate) const ROW_COLUMNS: &str = "id, provisional_no, official_no, kind, status, urgency, urgency_rank, category, \
    assignee_kind, assignee_id, unit_id, unit_label, project_id, building_id, reporter_name, summary, reported_ms, \
    assigned_ms, appointment_ms, completed_ms, closed_ms, next_due_ms, next_due_start_ms, next_due_kind, attention, \
    updated_ms, max_hlc, damaged";

pub(crate) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IndexRow> {
    Ok(IndexRow {
        id: r.get(0)?,
        provisional_no: r.get(1)?,
        official_no: r.get(2)?,
        kind: r.get(3)?,
        status: r.get(4)?,
        urgency: r.get(5)?,
        urgency_rank: r.get(6)?,
        category: r.get(7)?,
        assignee_kind: r.get(8)?,
        assignee_id: r.get(9)?,
        unit_id: r.get(10)?,
        unit_label: r.get(11)?,
        project_id: r.get(12)?,
        building_id: r.get(13)?,
        reporter_name: r.get(14)?,
        summary: r.get(15)?,
        reported_ms: r.get(16)?,
        assigned_ms: r.get(17)?,
        appointment_ms: r.get(18)?,
        completed_ms: r.get(19)?,
        closed_ms: r.get(20)?,
        next_due_ms: r.get(21)?,
        next_due_start_ms: r.get(22)?,
        next_due_kind: r.get(23)?,
        attention: r.get(24)?,
        updated_ms: r.get(25)?,
        max_hlc: r.get(26)?,
        damaged: r.get(27)?,
    })
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RebuildReport {
    /// Orders indexed.
    pub indexed: usize,
    /// Orders that could not be read (id, reason); they stay quarantined.
    pub quarantined: Vec<(String, String)>,
}

impl Store {
    /// Recreate the index and search tables from the documents, in one transaction.
    pub fn rebuild_index(&mut self) -> Result<RebuildReport> {
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM documents WHERE quarantined IS NULL ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut views = Vec::with_capacity(ids.len());
        let mut report = RebuildReport::default();
        self.cache.clear();
        for id in &ids {
            match self.view_of(id, 0) {
                Ok(v) => views.push(v),
                Err(crate::Error::Quarantined { id, reason, .. }) => report.quarantined.push((id, reason)),
                Err(e) => return Err(e),
            }
        }
        let rowids: std::collections::HashMap<String, i64> = self
            .conn
            .prepare("SELECT id, rowid FROM documents")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let tx = self.conn.transaction()?;
        // Quarantined orders keep their last index row (flagged) and search text: they stay listed.
        tx.execute(
            "DELETE FROM order_fts WHERE rowid IN (SELECT rid FROM order_index WHERE id NOT IN \
             (SELECT id FROM documents WHERE quarantined IS NOT NULL))",
            [],
        )?;
        tx.execute(
            "DELETE FROM order_index WHERE id NOT IN (SELECT id FROM documents WHERE quarantined IS NOT NULL)",
            [],
        )?;
        tx.execute(
            "UPDATE order_index SET damaged = 1 WHERE id IN (SELECT id FROM documents WHERE quarantined IS NOT NULL)",
            [],
        )?;
        tx.execute(
            "DELETE FROM blob_refs WHERE doc NOT IN (SELECT rowid FROM documents WHERE quarantined IS NOT NULL)",
            [],
        )?;
        for v in &views {
            write(&tx, None, derive(v), search_body(v, &self.reference))?;
            if let Some(&rowid) = rowids.get(v.order.id.as_str()) {
                super::photos::sync_refs(&tx, rowid, &Default::default(), &super::photos::photo_blobs(&v.order))?;
            }
        }
        tx.commit()?;
        report.indexed = views.len();
        for (id, _, reason) in self.quarantined()? {
            if !report.quarantined.iter().any(|(q, _)| q == &id) {
                report.quarantined.push((id, reason));
            }
        }
        Ok(report)
    }

    /// What the index holds for one order, if anything.
    pub(crate) fn indexed(&self, id: &str) -> Result<Option<Indexed>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS}, i.rid, f.body FROM order_index i JOIN order_fts f ON f.rowid = i.rid WHERE i.id = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], |r| Ok(Indexed { row: read_row(r)?, rid: r.get(28)?, body: r.get(29)? }))
            .optional()?)
    }

    /// Every index row with its search body, ordered by id: what lists and searches see.
    pub fn materialised_view(&self) -> Result<Vec<(IndexRow, String)>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS}, f.body FROM order_index i JOIN order_fts f ON f.rowid = i.rid ORDER BY i.id"
        );
        let rows = self
            .conn
            .prepare(&sql)?
            .query_map([], |r| Ok((read_row(r)?, r.get::<_, String>(28)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
