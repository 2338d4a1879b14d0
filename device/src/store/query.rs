//! Lists, search and statistics, answered from the materialised index alone (no document loads).

use super::Store;
use super::index::{IndexRow, ROW_COLUMNS, read_row};
use crate::error::Result;
use rusqlite::types::Value;
use serde::Serialize;
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::rules::dispatch::{self, DispatchSuggestion, Workload};
use signoff_core::rules::status::Status;
use std::collections::{BTreeMap, HashMap};

/// Which orders to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Assigned to this person or contractor.
    pub assignee: Option<String>,
    /// Only these statuses (any when empty).
    pub statuses: Vec<Status>,
    /// Only open orders (not closed or cancelled).
    pub open_only: bool,
    /// Only orders with a deadline past due.
    pub overdue: bool,
    /// Only orders needing attention.
    pub attention: bool,
    /// In this unit.
    pub unit: Option<String>,
    /// In this project.
    pub project: Option<String>,
    /// Only repairs or only complaints.
    pub kind: Option<signoff_core::model::OrderKind>,
    /// Reported at or after (ms).
    pub reported_from_ms: Option<i64>,
    /// Reported before (ms).
    pub reported_to_ms: Option<i64>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// The next deadline of a listed order, seen at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Due {
    /// Which deadline.
    pub kind: String,
    /// When due (ms).
    pub due_ms: i64,
    /// Time left (negative when overdue).
    pub left_ms: i64,
    /// Past due.
    pub overdue: bool,
    /// Less than the configured share of the window left.
    pub at_risk: bool,
}

/// One order in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderSummary {
    /// The index row.
    #[serde(flatten)]
    pub row: IndexRow,
    /// Its next deadline.
    pub due: Option<Due>,
}

impl OrderSummary {
    /// The number to show: official if assigned, else provisional.
    pub fn number(&self) -> &str {
        self.row.official_no.as_deref().unwrap_or(&self.row.provisional_no)
    }
}

/// Counts for `signoff stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stats {
    /// Orders in the index.
    pub orders: i64,
    /// Open orders.
    pub open: i64,
    /// Orders with a deadline past due.
    pub overdue: i64,
    /// Orders needing attention.
    pub attention: i64,
    /// Orders per status code.
    pub by_status: BTreeMap<String, i64>,
    /// Orders quarantined.
    pub quarantined: i64,
    /// Bytes of document snapshots.
    pub snapshot_bytes: i64,
    /// Changes waiting for compaction, and their bytes.
    pub tail_changes: i64,
    /// Bytes of those changes.
    pub tail_bytes: i64,
    /// The store file's size (pages × page size).
    pub file_bytes: i64,
}

impl Store {
    fn summaries(&self, sql: &str, params: Vec<Value>, now_ms: i64) -> Result<Vec<OrderSummary>> {
        let frac = self.settings.sla.at_risk_fraction;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), read_row)?;
        let mut out = Vec::new();
        for row in rows {
            let row = row?;
            let due = match (row.next_due_ms, &row.next_due_kind) {
                (Some(due_ms), Some(kind)) => {
                    let left_ms = due_ms - now_ms;
                    let window = (due_ms - row.next_due_start_ms.unwrap_or(due_ms)).max(1) as f64;
                    Some(Due {
                        kind: kind.clone(),
                        due_ms,
                        left_ms,
                        overdue: left_ms < 0,
                        at_risk: left_ms >= 0 && (left_ms as f64) < window * frac,
                    })
                }
                _ => None,
            };
            out.push(OrderSummary { row, due });
        }
        Ok(out)
    }

    /// Orders matching `filter`, the most urgent deadline first.
    pub fn list(&self, filter: &ListFilter, now_ms: i64) -> Result<Vec<OrderSummary>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        let bind = |clause: &str, v: Value, params: &mut Vec<Value>| {
            params.push(v);
            clause.replace('?', &format!("?{}", params.len()))
        };
        if let Some(a) = &filter.assignee {
            clauses.push(bind("assignee_id = ?", Value::Text(a.clone()), &mut params));
        }
        if !filter.statuses.is_empty() {
            let list: Vec<String> = filter.statuses.iter().map(|s| format!("'{}'", s.code())).collect();
            clauses.push(format!("status IN ({})", list.join(", ")));
        }
        if filter.open_only {
            clauses.push("status NOT IN ('closed', 'cancelled')".into());
        }
        if filter.overdue {
            clauses.push(bind("next_due_ms < ?", Value::Integer(now_ms), &mut params));
        }
        if filter.attention {
            clauses.push("attention > 0".into());
        }
        if let Some(u) = &filter.unit {
            clauses.push(bind("unit_id = ?", Value::Text(u.clone()), &mut params));
        }
        if let Some(p) = &filter.project {
            clauses.push(bind("project_id = ?", Value::Text(p.clone()), &mut params));
        }
        if let Some(k) = filter.kind {
            clauses.push(bind("kind = ?", Value::Text(signoff_core::doc::code_of(&k)), &mut params));
        }
        if let Some(t) = filter.reported_from_ms {
            clauses.push(bind("reported_ms >= ?", Value::Integer(t), &mut params));
        }
        if let Some(t) = filter.reported_to_ms {
            clauses.push(bind("reported_ms < ?", Value::Integer(t), &mut params));
        }
        let where_ = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let limit = filter.limit.map_or(String::new(), |l| format!(" LIMIT {l}"));
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM order_index {where_} \
             ORDER BY next_due_ms IS NULL, next_due_ms, appointment_ms IS NULL, appointment_ms, urgency_rank, \
             reported_ms, id{limit}"
        );
        self.summaries(&sql, params, now_ms)
    }

    /// A technician's jobs for today: open field work assigned to them, by appointment, then deadline.
    pub fn today(&self, person: &PersonId, now_ms: i64) -> Result<Vec<OrderSummary>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM order_index WHERE assignee_id = ?1 \
             AND status IN ('assigned', 'on_site', 'paused', 'reopened') \
             ORDER BY status <> 'on_site', appointment_ms IS NULL, appointment_ms, next_due_ms IS NULL, next_due_ms, \
             urgency_rank, id"
        );
        self.summaries(&sql, vec![Value::Text(person.to_string())], now_ms)
    }

    /// The callback queue (回访): orders completed and not yet closed, the soonest callback deadline first
    /// (the same day for household repairs). A callback that did not reach the owner leaves the order
    /// here; a satisfied one closes it, an unsatisfied one reopens it to whoever did the work.
    pub fn callbacks(&self, now_ms: i64) -> Result<Vec<OrderSummary>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM order_index \
             WHERE status IN ('completed', 'signoff_refused', 'signed_off') \
             ORDER BY next_due_ms IS NULL, next_due_ms, urgency_rank, completed_ms, id LIMIT 500"
        );
        self.summaries(&sql, Vec::new(), now_ms)
    }

    /// Orders whose text contains every word of `query` (numbers, unit, names, description, notes…),
    /// case-insensitively. Words of three or more characters narrow the candidates through the trigram
    /// index; every word is then checked against the text itself, which is also how words shorter than
    /// three characters (漏水) are found.
    pub fn search(&self, query: &str, limit: usize, now_ms: i64) -> Result<Vec<OrderSummary>> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut trigrams: Vec<String> = Vec::new();
        for w in &words {
            let chars: Vec<char> = w.chars().collect();
            for t in chars.windows(3) {
                let t: String = t.iter().collect();
                let quoted = format!("\"{}\"", t.replace('"', "\"\""));
                if !trigrams.contains(&quoted) {
                    trigrams.push(quoted);
                }
            }
        }
        let mut params: Vec<Value> = Vec::new();
        let mut clauses = Vec::new();
        if !trigrams.is_empty() {
            params.push(Value::Text(trigrams.join(" AND ")));
            clauses.push(format!("order_fts MATCH ?{}", params.len()));
        }
        for w in words {
            params.push(Value::Text(w));
            clauses.push(format!("instr(lower(f.body), ?{}) > 0", params.len()));
        }
        let cols: Vec<String> = ROW_COLUMNS.split(',').map(|c| format!("i.{}", c.trim())).collect();
        let sql = format!(
            "SELECT {} FROM order_fts f JOIN order_index i ON i.rid = f.rowid WHERE {} \
             ORDER BY i.updated_ms DESC, i.id LIMIT {limit}",
            cols.join(", "),
            clauses.join(" AND ")
        );
        self.summaries(&sql, params, now_ms)
    }

    /// Counts by status, overdue, attention and storage use.
    pub fn stats(&self, now_ms: i64) -> Result<Stats> {
        let mut s = Stats::default();
        let mut stmt = self.conn.prepare("SELECT status, count(*) FROM order_index GROUP BY status")?;
        for r in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (status, n) = r?;
            s.orders += n;
            if !matches!(status.as_str(), "closed" | "cancelled") {
                s.open += n;
            }
            s.by_status.insert(status, n);
        }
        s.overdue =
            self.conn.query_row("SELECT count(*) FROM order_index WHERE next_due_ms < ?1", [now_ms], |r| r.get(0))?;
        s.attention = self.conn.query_row("SELECT count(*) FROM order_index WHERE attention > 0", [], |r| r.get(0))?;
        (s.quarantined, s.snapshot_bytes) = self.conn.query_row(
            "SELECT count(quarantined), coalesce(sum(snapshot_len), 0) FROM documents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        (s.tail_changes, s.tail_bytes) =
            self.conn.query_row("SELECT count(*), coalesce(sum(length(bytes)), 0) FROM changes", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        s.file_bytes = pages * size;
        Ok(s)
    }

    /// Bytes of file pages used by each table and index (from SQLite's `dbstat`), largest first.
    pub fn space(&self) -> Result<Vec<(String, i64)>> {
        Ok(self
            .conn
            .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Each technician's last assignment, current on-site job and open job count.
    pub fn workloads(&self) -> Result<HashMap<PersonId, Workload>> {
        let mut out: HashMap<PersonId, Workload> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT assignee_id, max(assigned_ms), \
             sum(status IN ('assigned', 'on_site', 'paused', 'reopened')), \
             max(CASE WHEN status = 'on_site' THEN coalesce(official_no, provisional_no) END) \
             FROM order_index WHERE assignee_kind = 'technician' GROUP BY assignee_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for row in rows {
            let (id, last, open, on_site) = row?;
            out.insert(
                PersonId::new(id),
                Workload { last_assigned_ms: last, on_site, open_jobs: u32::try_from(open).unwrap_or(u32::MAX) },
            );
        }
        Ok(out)
    }

    /// Who should take an order: round-robin among technicians with the category's skill.
    pub fn dispatch_suggestion(&mut self, id: &OrderId) -> Result<DispatchSuggestion> {
        let v = self.view_of(id.as_str(), 0)?;
        let skill = self.reference.category(&v.order.category).map(|c| c.skill.clone()).unwrap_or_default();
        Ok(dispatch::suggest(&self.reference.people, &skill, &self.workloads()?))
    }
}
