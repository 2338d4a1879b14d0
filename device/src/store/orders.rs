//! The typed work-order API: create, apply edits, read, and merge changes from elsewhere.
//!
//! Each call is one SQLite transaction: the document change, its index row, the write log entry and
//! the device counters commit together or not at all. The in-memory document is only kept when the
//! transaction committed, so a failed write (a full disk, say) leaves nothing half-done anywhere.

use super::KeyRegistry;
use super::docs::{Genuine, Loaded};
use super::{Ctx, Source, Store, index, photos};
use crate::error::{Error, Result};
use automerge::transaction::CommitOptions;
use automerge::{AutoCommit, ChangeHash};
use rusqlite::params;
use signoff_core::doc::{self, EventHeader};
use signoff_core::edit::{self, Edit};
use signoff_core::hlc::Hlc;
use signoff_core::ids::{EventId, OrderId};
use signoff_core::model::{Assignee, NewOrder, WorkOrder};
use signoff_core::msg::{Key, Msg, Text};
use signoff_core::rules::{permission, status};
use signoff_core::signoff::Verdicts;
use signoff_core::validate::{self, Field};
use signoff_core::view::{self, OrderView};

impl Store {
    fn header(&self, ctx: &Ctx, prev: Option<EventId>, doc_max: Option<Hlc>) -> EventHeader {
        let base = doc_max.map_or(self.hlc, |m| m.max(self.hlc));
        let at_ms = ctx.now.timestamp_millis();
        EventHeader { hlc: base.tick(at_ms), device: self.device.id(), by: ctx.by.clone(), at_ms, prev }
    }

    /// The verdict of each statement of `order` (held in `doc`), checking only statements not in
    /// `genuine` yet.
    pub(crate) fn verdicts(&self, doc: &AutoCommit, order: &WorkOrder, genuine: &mut Genuine) -> Verdicts {
        verdicts_for(doc, order, genuine, &self.keys)
    }

    /// Move this device's clock past `hlc`, unless `hlc` is implausibly far ahead of the action's
    /// time (a mistyped `--now` on some device, a faulty clock): such a value stays in the order that
    /// holds it (its events must still sort after it) but never becomes the clock of every later edit.
    pub(crate) fn advance_clock(&mut self, hlc: Hlc, ctx: &Ctx) {
        let limit = ctx.now.timestamp_millis().saturating_add(validate::SERVER_AHEAD_MINUTES * 60_000);
        if hlc.wall_ms <= limit {
            self.hlc = self.hlc.max(hlc);
        } else {
            tracing::warn!(wall_ms = hlc.wall_ms, "not adopting a clock value far ahead of this device's time");
        }
    }

    fn build_view(&self, doc: &AutoCommit, order: WorkOrder, genuine: &mut Genuine, now_ms: i64) -> OrderView {
        let verdicts = self.verdicts(doc, &order, genuine);
        view::build(order, &verdicts, &self.reference, &self.settings, now_ms)
    }

    /// Read an order as it is now, with deadlines seen at `now_ms`.
    pub(crate) fn view_of(&mut self, id: &str, now_ms: i64) -> Result<OrderView> {
        let mut loaded = self.take_doc(id)?;
        let v = self.build_view(&loaded.doc, loaded.order.clone(), &mut loaded.genuine, now_ms);
        self.cache.put(id, loaded);
        Ok(v)
    }

    /// An order with everything derived from it, deadlines seen at `now`.
    pub fn get(&mut self, id: &OrderId, now: chrono::DateTime<chrono::Utc>) -> Result<OrderView> {
        self.view_of(id.as_str(), now.timestamp_millis())
    }

    fn check_new(&self, new: &mut NewOrder, ctx: &Ctx) -> Result<()> {
        if !self.reference.people.is_empty() {
            permission::staff(&self.reference, &ctx.by)?;
        }
        new.description = validate::text(Field::Description, &new.description)?;
        new.location = validate::text(Field::Location, &new.location)?;
        new.preferred_time = validate::text(Field::PreferredTime, &new.preferred_time)?;
        new.reporter.name = validate::text(Field::ReporterName, &new.reporter.name)?;
        new.reporter.phone = validate::text(Field::ReporterPhone, &new.reporter.phone)?;
        if self.reference.category(&new.category).is_none() {
            return Err(Error::Invalid(
                Msg::new(Key::UnknownCategory)
                    .arg("value", new.category.as_str())
                    .arg("known", self.known_categories()),
            ));
        }
        if new.unit.unit_id.as_str().trim().is_empty() {
            return Err(signoff_core::Rejection::empty(Field::UnitLabel).into());
        }
        validate::text(Field::Id, new.unit.unit_id.as_str())?;
        match self.reference.unit(&new.unit.unit_id) {
            Some(u) => {
                // Snapshot the unit's place so the order reads right even without reference data.
                new.unit.project_id = u.project_id.clone();
                new.unit.building_id = u.building_id.clone();
                if new.unit.label.is_empty() {
                    new.unit.label = u.label.clone();
                }
                if new.unit.address.is_empty() {
                    new.unit.address = u.address.clone();
                }
            }
            None if !self.reference.units.is_empty() => {
                return Err(Error::Invalid(Msg::new(Key::UnknownUnit).arg("value", new.unit.unit_id.as_str())));
            }
            None => {}
        }
        validate::text(Field::UnitLabel, &new.unit.label)
            .or_else(|e| if new.unit.label.is_empty() { Ok(String::new()) } else { Err(e) })?;
        validate::text(Field::Address, &new.unit.address)?;
        Ok(())
    }

    /// The categories, by code with their names, for messages.
    fn known_categories(&self) -> Text {
        let cats = &self.reference.categories;
        Text::new(
            cats.iter().map(|c| format!("{}（{}）", c.code, c.name_zh)).collect::<Vec<_>>().join("、"),
            cats.iter().map(|c| format!("{} ({})", c.code, c.name_en)).collect::<Vec<_>>().join(", "),
        )
    }

    /// Checks that need the reference data or the clock (the rest is in `signoff_core::edit::validate`).
    fn check_edit(&self, edit: &Edit, ctx: &Ctx) -> Result<()> {
        match edit {
            Edit::Assign { assignee: Assignee::Contractor(c), .. } if !self.reference.contractors.is_empty() => {
                match self.reference.contractor(c) {
                    Some(_) => Ok(()),
                    None => Err(Error::Invalid(Msg::new(Key::UnknownContractor).arg("id", c.as_str()))),
                }
            }
            Edit::Assign { assignee: Assignee::Technician(p), .. } if !self.reference.people.is_empty() => {
                permission::staff(&self.reference, p).map(drop).map_err(Error::from)
            }
            Edit::Schedule { from_ms, to_ms, .. } => {
                validate::time(Field::Appointment, *from_ms, ctx.now)?;
                if let Some(t) = to_ms {
                    validate::time(Field::Appointment, *t, ctx.now)?;
                }
                Ok(())
            }
            Edit::Pause { next_visit_ms: Some(t), .. } => Ok(validate::time(Field::NextVisit, *t, ctx.now)?),
            Edit::EditFields { fields } => {
                for f in fields {
                    if let edit::FieldEdit::Category(c) = f
                        && self.reference.category(c).is_none()
                    {
                        return Err(Error::Invalid(
                            Msg::new(Key::UnknownCategory)
                                .arg("value", c.as_str())
                                .arg("known", self.known_categories()),
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Open a new order (报修登记). Returns it as stored.
    pub fn create_order(&mut self, mut new: NewOrder, ctx: &Ctx) -> Result<OrderView> {
        self.check_new(&mut new, ctx)?;
        let number = self.next_number()?;
        let provisional_no = format!("{}-{number:05}", self.device.short_code());
        let id = OrderId::new(uuid::Uuid::new_v4().to_string());
        let header = self.header(ctx, None, None);
        let mut doc = AutoCommit::new().with_actor(self.device.actor());
        doc::create(&mut doc, &id, &provisional_no, &new, &header)?;
        doc.commit_with(CommitOptions::default().with_message("reported").with_time(header.at_ms / 1000));
        let order = doc::read(&doc)?;
        let mut genuine = Genuine::new();
        let view = self.build_view(&doc, order.clone(), &mut genuine, header.at_ms);
        let (row, body) = (index::derive(&view), index::search_body(&view, &self.reference));
        let tx = self.conn.transaction()?;
        let rowid = Store::persist(&tx, 0, id.as_str(), &mut doc, &[], ctx.source)?;
        let indexed = index::write(&tx, None, row, body)?;
        photos::sync_refs(&tx, rowid, &Default::default(), &photos::photo_blobs(&order))?;
        log_write(&tx, id.as_str(), ctx, "reported")?;
        Store::save_counters(&tx, header.hlc, number + 1)?;
        tx.commit()?;
        self.hlc = header.hlc;
        self.cache.put(id.as_str(), Loaded { rowid, doc, order, indexed: Some(indexed), genuine });
        Ok(view)
    }

    /// Apply one typed edit. Validated against the order's status first; on any failure nothing changes.
    pub fn apply(&mut self, id: &OrderId, edit: Edit, ctx: &Ctx) -> Result<OrderView> {
        self.check_edit(&edit, ctx)?;
        // A satisfied callback closes the order (回访封闭). A warranty job done by a contractor closes
        // only once every party has signed the work as it is (维修部, 业主, 监理, 项目部 by default);
        // otherwise a supervisor closes it with a recorded override. (A household job's owner may have
        // been away at completion: the satisfied callback is their word.)
        if let Edit::Callback(c) = &edit
            && c.reached
            && c.satisfied == Some(true)
            && let view = self.view_of(id.as_str(), 0)?
            && matches!(view.derived.assignee, Some(Assignee::Contractor(_)))
        {
            let missing = self.progress_of(&view).missing;
            if !missing.is_empty() {
                let zh: Vec<&str> = missing.iter().map(|r| r.label_zh()).collect();
                let en: Vec<&str> = missing.iter().map(|r| r.label_en()).collect();
                let roles = Text::new(zh.join("、"), en.join(", "));
                return Err(signoff_core::Rejection::new(Msg::new(Key::SignaturesMissing).arg("roles", roles)).into());
            }
        }
        let Loaded { rowid, mut doc, order, indexed, mut genuine } = self.take_doc(id.as_str())?;
        let fold = status::fold(&order.events, &self.verdicts(&doc, &order, &mut genuine));
        // What the edit says is checked first (a completion of an order nobody has reached is refused
        // for that), then who may record it.
        let checked = edit::validate(&order, &fold, &edit)
            .and_then(|()| permission::check(&self.reference, &ctx.by, &fold, &edit));
        if let Err(e) = checked {
            self.cache.put(id.as_str(), Loaded { rowid, doc, order, indexed, genuine });
            return Err(e.into());
        }
        let header = self.header(ctx, fold.head.clone(), order.events.iter().map(|e| e.hlc).max());
        let heads = doc.get_heads();
        let blobs_before = photos::photo_blobs(&order);
        if let Err(e) = edit::apply(&mut doc, &order, &fold, &header, &edit) {
            doc.rollback();
            self.cache.put(id.as_str(), Loaded { rowid, doc, order, indexed, genuine });
            return Err(e.into());
        }
        let what = edit.event_kind(&header.event_id()).type_name().to_owned();
        doc.commit_with(CommitOptions::default().with_message(what.clone()).with_time(header.at_ms / 1000));
        let change = match doc.get_last_local_change() {
            Some(c) => c.raw_bytes().to_vec(),
            None => doc.save_after(&heads),
        };
        let order = match doc::read(&doc) {
            Ok(o) => o,
            Err(e) => return Err(self.quarantine(id.as_str(), &e.to_string())),
        };
        let view = self.build_view(&doc, order.clone(), &mut genuine, header.at_ms);
        let (row, body) = (index::derive(&view), index::search_body(&view, &self.reference));
        let tx = self.conn.transaction()?;
        Store::persist(&tx, rowid, id.as_str(), &mut doc, &change, ctx.source)?;
        let indexed = index::write(&tx, indexed.as_ref(), row, body)?;
        photos::sync_refs(&tx, rowid, &blobs_before, &photos::photo_blobs(&order))?;
        log_write(&tx, id.as_str(), ctx, &what)?;
        tx.commit()?;
        self.advance_clock(header.hlc, ctx);
        self.cache.put(id.as_str(), Loaded { rowid, doc, order, indexed: Some(indexed), genuine });
        Ok(view)
    }

    /// Merge changes (or a whole saved document) that came from another replica. Bytes that do not load,
    /// or do not read as this work order, are refused and change nothing.
    pub fn receive(&mut self, id: &OrderId, bytes: &[u8], ctx: &Ctx) -> Result<OrderView> {
        self.receive_many(&[(id.clone(), bytes)], ctx)
            .pop()
            .unwrap_or_else(|| Err(Error::OrderNotFound(id.to_string())))
            .map(|(view, _)| view)
    }

    /// Merge several documents' changes in one transaction (one disk sync for a whole sync response).
    /// Each item has its own outcome (the order and its heads now): one that does not load is refused
    /// and the others are stored.
    pub fn receive_many(&mut self, items: &[(OrderId, &[u8])], ctx: &Ctx) -> Vec<Result<ReceivedAs>> {
        let mut outcomes: Vec<Option<Result<ReceivedAs>>> = Vec::with_capacity(items.len());
        let mut staged = Vec::new();
        // Orders this device has never had (a first sync brings hundreds) are decoded, read and indexed
        // on all cores; the rest merge one by one into the loaded documents.
        let mut fresh = self.merge_new_parallel(items, ctx);
        for (i, (id, bytes)) in items.iter().enumerate() {
            let merged = match fresh.remove(&i) {
                Some(r) => r.map(|m| Merged::Changed(Box::new(m))),
                None => self.merge_received(id, bytes, ctx),
            };
            match merged {
                Ok(Merged::Unchanged(view, heads)) => outcomes.push(Some(Ok((view, heads)))),
                Ok(Merged::Changed(m)) => {
                    staged.push((i, m));
                    outcomes.push(None);
                }
                Err(e) => outcomes.push(Some(Err(e))),
            }
        }
        if !staged.is_empty() {
            match self.write_received(&mut staged, ctx) {
                Ok(()) => {
                    for (i, m) in staged {
                        self.advance_clock(m.hlc, ctx);
                        let Received { id, rowid, mut doc, order, view, indexed, genuine, .. } = *m;
                        let heads = doc.get_heads();
                        self.cache.put(id.as_str(), Loaded { rowid, doc, order, indexed, genuine });
                        outcomes[i] = Some(Ok((view, heads)));
                    }
                }
                Err(e) => {
                    // Nothing was written; the documents are read again from disk next time. The first
                    // keeps the error itself (a full disk stays a full disk), the others say the same.
                    let message = e.msg();
                    let mut first = Some(e);
                    for (i, _) in staged {
                        let err = first.take().unwrap_or_else(|| Error::Invalid(message.clone()));
                        outcomes[i] = Some(Err(err));
                    }
                }
            }
        }
        outcomes.into_iter().map(|o| o.unwrap_or_else(|| Err(Error::Invalid(Msg::new(Key::Storage))))).collect()
    }

    /// Merge the items whose orders are not stored yet, on up to four threads: index → outcome.
    fn merge_new_parallel(
        &mut self,
        items: &[(OrderId, &[u8])],
        ctx: &Ctx,
    ) -> std::collections::HashMap<usize, Result<Received>> {
        let mut new = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, (id, _)) in items.iter().enumerate() {
            if seen.insert(id.as_str())
                && !self.cache.contains(id.as_str())
                && matches!(self.stored_rowid(id.as_str()), Ok(None))
            {
                new.push(i);
            }
        }
        let mut out = std::collections::HashMap::new();
        if new.len() < 8 {
            return out;
        }
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
        let (actor, reference, settings, keys) = (self.device.actor(), &self.reference, &self.settings, &self.keys);
        let now_ms = ctx.now.timestamp_millis();
        let chunk = new.len().div_ceil(workers);
        std::thread::scope(|scope| {
            let handles: Vec<_> = new
                .chunks(chunk)
                .map(|part| {
                    let actor = actor.clone();
                    scope.spawn(move || {
                        part.iter()
                            .map(|&i| {
                                let (id, bytes) = &items[i];
                                (i, merge_new(id, bytes, actor.clone(), reference, settings, keys, now_ms))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                // A worker that panicked leaves its items to the one-by-one path.
                if let Ok(results) = h.join() {
                    out.extend(results);
                }
            }
        });
        out
    }

    fn stored_rowid(&self, id: &str) -> Result<Option<i64>> {
        Ok(rusqlite::OptionalExtension::optional(
            self.conn.prepare_cached("SELECT rowid FROM documents WHERE id = ?1")?.query_row([id], |r| r.get(0)),
        )?)
    }

    fn merge_received(&mut self, id: &OrderId, bytes: &[u8], ctx: &Ctx) -> Result<Merged> {
        let now_ms = ctx.now.timestamp_millis();
        let Loaded { rowid, mut doc, order: old, indexed, mut genuine } = match self.take_doc(id.as_str()) {
            Ok(d) => d,
            Err(Error::OrderNotFound(_)) => {
                let fresh =
                    merge_new(id, bytes, self.device.actor(), &self.reference, &self.settings, &self.keys, now_ms)?;
                return Ok(Merged::Changed(Box::new(fresh)));
            }
            Err(e) => return Err(e),
        };
        let blobs_before = photos::photo_blobs(&old);
        let before = doc.get_heads();
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.load_incremental(bytes)));
        let fail = || Err(received_unreadable(id));
        match loaded {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(order = %id, error = %e, "changes from the server do not load");
                return fail();
            }
            Err(_) => return fail(),
        }
        let order = doc::read(&doc)?;
        if order.id != *id {
            return fail();
        }
        let view = self.build_view(&doc, order.clone(), &mut genuine, now_ms);
        let heads = doc.get_heads();
        if heads == before {
            self.cache.put(id.as_str(), Loaded { rowid, doc, order, indexed, genuine });
            return Ok(Merged::Unchanged(view, heads));
        }
        let change = doc.save_after(&before);
        let hlc = view.order.events.iter().map(|e| e.hlc).max().unwrap_or_default();
        let (row, body) = (index::derive(&view), index::search_body(&view, &self.reference));
        Ok(Merged::Changed(Box::new(Received {
            id: id.clone(),
            rowid,
            doc,
            order,
            view,
            indexed,
            genuine,
            blobs_before,
            change,
            row,
            body,
            hlc,
        })))
    }

    fn write_received(&mut self, staged: &mut [(usize, Box<Received>)], ctx: &Ctx) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (_, m) in staged.iter_mut() {
            let rowid = Store::persist(&tx, m.rowid, m.id.as_str(), &mut m.doc, &m.change, ctx.source)?;
            let row = m.row.clone();
            let body = std::mem::take(&mut m.body);
            m.indexed = Some(index::write(&tx, m.indexed.as_ref(), row, body)?);
            photos::sync_refs(&tx, rowid, &m.blobs_before, &photos::photo_blobs(&m.order))?;
            log_write(&tx, m.id.as_str(), ctx, "merged")?;
            m.rowid = rowid;
        }
        tx.commit()?;
        Ok(())
    }

    /// Find an order by id, official or provisional number, or an unambiguous part of one.
    pub fn find(&self, reference: &str) -> Result<OrderId> {
        let r = reference.trim();
        if r.is_empty() {
            return Err(Error::OrderNotFound(r.to_owned()));
        }
        let exact: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM order_index WHERE id = ?1 OR official_no = ?1 OR provisional_no = ?1")?
            .query_map([r], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        if let [one] = exact.as_slice() {
            return Ok(OrderId::new(one.clone()));
        }
        if exact.len() > 1 {
            return Err(Error::Ambiguous(r.to_owned()));
        }
        let doc_exists: Option<String> = rusqlite::OptionalExtension::optional(self.conn.query_row(
            "SELECT id FROM documents WHERE id = ?1",
            [r],
            |row| row.get(0),
        ))?;
        if let Some(id) = doc_exists {
            return Ok(OrderId::new(id));
        }
        if r.chars().count() < 4 {
            return Err(Error::OrderNotFound(r.to_owned()));
        }
        let pattern = r.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let partial: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM order_index WHERE id LIKE ?1 || '%' ESCAPE '\\' \
                 OR official_no LIKE '%' || ?1 || '%' ESCAPE '\\' OR provisional_no LIKE '%' || ?1 || '%' ESCAPE '\\' LIMIT 2",
            )?
            .query_map([pattern], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        match partial.as_slice() {
            [one] => Ok(OrderId::new(one.clone())),
            [] => Err(Error::OrderNotFound(r.to_owned())),
            _ => Err(Error::Ambiguous(r.to_owned())),
        }
    }
}

/// A whole order this device never had, merged in memory (no store access: runs on any thread).
fn merge_new(
    id: &OrderId,
    bytes: &[u8],
    actor: automerge::ActorId,
    reference: &signoff_core::model::ReferenceData,
    settings: &signoff_core::model::OrgSettings,
    keys: &KeyRegistry,
    now_ms: i64,
) -> Result<Received> {
    let mut doc = AutoCommit::new().with_actor(actor);
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.load_incremental(bytes)));
    match loaded {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(order = %id, error = %e, "an order from the server does not load");
            return Err(received_unreadable(id));
        }
        Err(_) => return Err(received_unreadable(id)),
    }
    let order = doc::read(&doc)?;
    if order.id != *id {
        return Err(received_unreadable(id));
    }
    let mut genuine = Genuine::new();
    let verdicts = verdicts_for(&doc, &order, &mut genuine, keys);
    let view = view::build(order.clone(), &verdicts, reference, settings, now_ms);
    // Stored as it came (a saved document, maybe followed by change chunks, loads as one).
    let change = if doc.get_missing_deps(&[]).is_empty() { bytes.to_vec() } else { doc.save_after(&[]) };
    let hlc = view.order.events.iter().map(|e| e.hlc).max().unwrap_or_default();
    let (row, body) = (index::derive(&view), index::search_body(&view, reference));
    Ok(Received {
        id: id.clone(),
        rowid: 0,
        doc,
        order,
        view,
        indexed: None,
        genuine,
        blobs_before: Default::default(),
        change,
        row,
        body,
        hlc,
    })
}

fn received_unreadable(id: &OrderId) -> Error {
    Error::Invalid(Msg::new(Key::ReceivedUnreadable).arg("id", id.as_str()))
}

/// Verdicts of an order's statements, checking only those not in `genuine` yet.
pub(crate) fn verdicts_for(doc: &AutoCommit, order: &WorkOrder, genuine: &mut Genuine, keys: &KeyRegistry) -> Verdicts {
    let key_of = |d: &str| keys.get(d).copied();
    signoff_core::signoff::verdicts_with(order, |s| {
        genuine
            .entry(s.id.clone())
            .or_insert_with(|| signoff_core::signoff::verify_genuine(doc, s, &key_of).map(std::sync::Arc::new))
            .clone()
    })
}

/// What a merge from elsewhere left: the order as it is now, and its heads.
pub type ReceivedAs = (OrderView, Vec<ChangeHash>);

/// A received document merged in memory, waiting for its transaction.
#[derive(Debug)]
pub(crate) struct Received {
    id: OrderId,
    rowid: i64,
    doc: AutoCommit,
    order: WorkOrder,
    view: OrderView,
    indexed: Option<index::Indexed>,
    genuine: Genuine,
    blobs_before: std::collections::BTreeSet<String>,
    change: Vec<u8>,
    row: index::IndexRow,
    body: String,
    hlc: Hlc,
}

pub(crate) enum Merged {
    Unchanged(OrderView, Vec<ChangeHash>),
    Changed(Box<Received>),
}

fn log_write(tx: &rusqlite::Transaction<'_>, id: &str, ctx: &Ctx, what: &str) -> Result<()> {
    tx.prepare_cached("INSERT INTO write_log(doc_id, source, at_ms, what) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![id, ctx.source.code(), ctx.now.timestamp_millis(), what])?;
    Ok(())
}

/// The source of each write to an order, oldest first (for the sync screen and audits).
impl Store {
    /// `(source, at_ms, what)` for the recent writes to `id` (the newest 10,000 writes are kept).
    pub fn write_log(&self, id: &OrderId) -> Result<Vec<(Source, i64, String)>> {
        let rows = self
            .conn
            .prepare_cached("SELECT source, at_ms, what FROM write_log WHERE doc_id = ?1 ORDER BY seq")?
            .query_map([id.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<(String, i64, String)>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(s, at, what)| {
                let source = match s.as_str() {
                    "sync" => Source::Sync,
                    "import" => Source::Import,
                    _ => Source::Ui,
                };
                (source, at, what)
            })
            .collect())
    }
}
