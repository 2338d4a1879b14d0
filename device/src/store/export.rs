//! The repair ledger (维修台帐) as CSV, with the column names the office already uses. UTF-8 with a
//! byte-order mark so Excel opens Chinese text correctly. Owners' phone numbers are masked
//! (138****0000) unless the caller asks for them in full.

use super::Store;
use super::query::ListFilter;
use crate::error::{Error, Result};
use chrono::{DateTime, FixedOffset};
use signoff_core::model::{Channel, OrderKind, Urgency};
use signoff_core::rules::sla::DeadlineState;
use signoff_core::rules::status::Attention;
use signoff_core::rules::warranty::Party;
use signoff_core::view::OrderView;
use std::io::Write;

/// Ledger columns, in order.
pub const LEDGER_COLUMNS: [&str; 37] = [
    "序号",
    "报修单号",
    "临时单号",
    "类型",
    "报修时间",
    "项目",
    "楼栋",
    "房号",
    "报修人",
    "联系电话",
    "报修渠道",
    "类别",
    "紧急程度",
    "报修内容",
    "部位",
    "原因",
    "维修方",
    "付费方",
    "维修人员/单位",
    "派工时间",
    "预约时间",
    "到场时间",
    "完工时间",
    "检查情况",
    "维修内容",
    "材料明细",
    "材料费(元)",
    "工时(小时)",
    "人工费(元)",
    "合计(元)",
    "状态",
    "是否超时",
    "超时项目",
    "业主签认",
    "满意度",
    "回访时间",
    "回访结果",
];

/// Mask the middle of a phone number: `13800001234` → `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let keep_end = 4;
    let keep_start = 3;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep_start || i >= chars.len() - keep_end { *c } else { '*' })
        .collect()
}

fn when(ms: Option<i64>, tz: FixedOffset) -> String {
    ms.and_then(DateTime::from_timestamp_millis)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn channel_zh(c: Channel) -> &'static str {
    match c {
        Channel::Hotline => "电话",
        Channel::WalkIn => "来访",
        Channel::Written => "书面",
        Channel::App => "APP",
        Channel::Inspection => "巡查/验收",
    }
}

fn urgency_zh(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "紧急",
        Urgency::Important => "重要",
        Urgency::Normal => "一般",
    }
}

fn cause_zh(c: Option<signoff_core::model::Cause>) -> &'static str {
    use signoff_core::model::Cause;
    match c {
        Some(Cause::OwnerCaused) => "业主自身原因",
        Some(Cause::Misuse) => "使用不当",
        Some(Cause::NotOwnersFault) => "非业主原因",
        Some(Cause::Unknown) | None => "待查",
    }
}

fn hours(minutes: u32) -> String {
    let tenths = (u64::from(minutes) * 10 + 30) / 60;
    format!("{}.{}", tenths / 10, tenths % 10)
}

impl Store {
    /// One ledger row for an order.
    fn ledger_row(&self, n: usize, v: &OrderView, full_phone: bool) -> Vec<String> {
        let tz = self.settings.tz();
        let o = &v.order;
        let r = &self.reference;
        let project = r.project(&o.unit.project_id).map_or(o.unit.project_id.to_string(), |p| p.name.clone());
        let building = r.building(&o.unit.building_id).map_or(o.unit.building_id.to_string(), |b| b.name.clone());
        let category = r.category(&o.category).map_or(o.category.clone(), |c| c.name_zh.clone());
        let (repairer, payer) =
            v.routing.as_ref().map_or((Party::Undetermined, Party::Undetermined), |ro| (ro.repairer, ro.payer));
        let materials = o
            .materials
            .iter()
            .map(|m| {
                format!(
                    "{}{} {}{}×{}",
                    m.name,
                    if m.spec.is_empty() { String::new() } else { format!("({})", m.spec) },
                    m.quantity,
                    m.unit,
                    m.unit_price
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let late: Vec<&str> = v
            .deadlines
            .iter()
            .filter(|d| match d.state {
                DeadlineState::Met { late } => late,
                DeadlineState::Overdue { .. } => true,
                DeadlineState::Open { .. } => false,
            })
            .map(|d| d.deadline.kind.label_zh())
            .collect();
        let signed: Vec<String> = v.derived.signoffs.iter().map(|s| s.role.clone()).collect();
        let changed_after = v.attention.iter().any(|a| matches!(a, Attention::ChangedAfterSignoff { .. }));
        let last_callback = o.callbacks().last();
        let callback_result = last_callback.map_or(String::new(), |(_, c)| match (c.reached, c.satisfied) {
            (false, _) => "未接通".to_owned(),
            (true, Some(true)) => "满意".to_owned(),
            (true, Some(false)) => "不满意".to_owned(),
            (true, None) => "已回访".to_owned(),
        });
        let rating = last_callback.and_then(|(_, c)| c.rating).map_or(String::new(), |r| r.to_string());
        let assignee = v.derived.assignee.as_ref().map(|a| r.assignee_name(a)).unwrap_or_default();
        let phone = if full_phone { o.reporter.phone.clone() } else { mask_phone(&o.reporter.phone) };
        vec![
            n.to_string(),
            o.official_no.clone().unwrap_or_default(),
            o.provisional_no.clone(),
            if o.kind == OrderKind::Complaint { "投诉".into() } else { "报修".into() },
            when(v.derived.reported_ms, tz),
            project,
            building,
            o.unit.label.clone(),
            o.reporter.name.clone(),
            phone,
            channel_zh(o.channel).into(),
            category,
            urgency_zh(o.urgency).into(),
            o.description.clone(),
            o.location.clone(),
            cause_zh(o.cause).into(),
            repairer.label_zh().into(),
            payer.label_zh().into(),
            assignee,
            when(v.derived.assigned_ms, tz),
            when(v.derived.appointment.map(|a| a.from_ms), tz),
            when(v.derived.first_arrived_ms, tz),
            when(v.derived.completed_ms, tz),
            o.findings.clone(),
            o.work_done.clone(),
            materials,
            o.materials_total().to_string(),
            hours(o.labour_minutes()),
            o.labour_total().to_string(),
            o.total_cost().to_string(),
            v.status.label_zh().into(),
            if late.is_empty() { "否".into() } else { "是".into() },
            late.join("、"),
            match (signed.is_empty(), changed_after) {
                (true, _) => String::new(),
                (false, false) => format!("已签认({})", signed.join("、")),
                (false, true) => format!("已签认({}),签认后有改动", signed.join("、")),
            },
            rating,
            when(last_callback.map(|(e, _)| e.at_ms), tz),
            callback_result,
        ]
    }

    /// The ledger row of a quarantined order: its numbers, unit and summary as last indexed, and the
    /// status column saying it is damaged.
    fn damaged_row(&self, n: usize, id: &str, number: &str) -> Result<Vec<String>> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {} FROM order_index WHERE id = ?1", super::index::ROW_COLUMNS))?
            .query_row([id], super::index::read_row)?;
        let mut cells = vec![String::new(); LEDGER_COLUMNS.len()];
        cells[0] = n.to_string();
        cells[1] = row.official_no.unwrap_or_default();
        cells[2] = row.provisional_no;
        cells[7] = row.unit_label;
        cells[13] = row.summary;
        if let Some(c) = cells.get_mut(LEDGER_COLUMNS.iter().position(|c| *c == "状态").unwrap_or(27)) {
            *c = format!("数据损坏,待同步恢复({number})");
        }
        Ok(cells)
    }

    /// Write the ledger of the orders matching `filter`, oldest report first.
    pub fn export_ledger(
        &mut self,
        out: &mut dyn Write,
        filter: &ListFilter,
        full_phone: bool,
        now_ms: i64,
    ) -> Result<usize> {
        let mut ids: Vec<(Option<i64>, String)> =
            self.list(filter, now_ms)?.into_iter().map(|s| (s.row.reported_ms, s.row.id)).collect();
        ids.sort();
        let io = |e: std::io::Error| Error::Io { path: "ledger".into(), source: e };
        out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
        let mut w = csv::Writer::from_writer(out);
        let csv_err = |e: csv::Error| Error::Io { path: "ledger".into(), source: e.into() };
        w.write_record(LEDGER_COLUMNS).map_err(csv_err)?;
        let mut n = 0;
        for (_, id) in ids {
            n += 1;
            let row = match self.view_of(&id, now_ms) {
                Ok(v) => self.ledger_row(n, &v, full_phone),
                // A damaged order stays in the ledger, from what the index last knew, marked as such.
                Err(Error::Quarantined { number, .. }) => self.damaged_row(n, &id, &number)?,
                Err(e) => return Err(e),
            };
            // No cell may start a spreadsheet formula (owners and staff type the text).
            w.write_record(row.iter().map(|c| signoff_core::validate::neutralise_cell(c).into_owned()))
                .map_err(csv_err)?;
        }
        w.flush().map_err(io)?;
        Ok(n)
    }
}
