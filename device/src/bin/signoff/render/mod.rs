//! Human-readable and JSON output, in Chinese (default) or English: orders here, photos and sign-offs
//! in their own modules.

mod photos;
mod signoffs;

pub use photos::*;
pub use signoffs::*;

use crate::args::Lang;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use signoff_core::edit::FieldEdit;
use signoff_core::model::{EventKind, OrgSettings, ReferenceData};
use signoff_core::rules::dispatch::DispatchSuggestion;
use signoff_core::rules::sla::{DeadlineKind, DeadlineState};
use signoff_core::rules::status::{Attention, EventState, Status};
use signoff_core::view::OrderView;
use signoff_device::Store;
use signoff_device::store::index::RebuildReport;
use signoff_device::store::query::{OrderSummary, Stats};
use signoff_device::store::reference::ImportReport;
use std::path::Path;

/// Print a line. When the reader has gone (`signoff show X | head`), stop quietly as other command-line
/// tools do: everything the command wrote to the store is committed before it prints.
pub(crate) fn out(s: &str) {
    use std::io::Write;
    if writeln!(std::io::stdout().lock(), "{s}").is_err() {
        std::process::exit(0);
    }
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<()> {
    out(&serde_json::to_string_pretty(v)?);
    Ok(())
}

pub(crate) fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Words in the chosen language.
pub(crate) fn txt(lang: Lang, text: &signoff_core::msg::Text) -> &str {
    text.get(lang.into())
}

/// A value from the store, made safe to print (hidden controls shown as �).
pub(crate) fn printable(s: &str, max: usize) -> String {
    signoff_core::msg::printable(s, max)
}

/// A value, or "(none)" when empty.
pub(crate) fn printable_or_none(s: &str, lang: Lang) -> String {
    if s.is_empty() { t(lang, "（无）", "(none)").to_owned() } else { printable(s, 120) }
}

/// The complaint's part of the 投诉处理单: each line that has been filled, with who and when.
fn complaint_sheet(c: &signoff_core::rules::complaint::ComplaintSheet, r: &ReferenceData, lang: Lang, tz: FixedOffset) {
    let who = |p: &signoff_core::ids::PersonId| r.person(p).map_or(p.to_string(), |x| x.name.clone());
    let line = |zh: &str, en: &str, e: &signoff_core::rules::complaint::SheetEntry| {
        out(&format!(
            "  {}: {} ({} {})",
            t_dyn(lang, zh, en),
            printable(&e.text, 200),
            who(&e.by),
            when(Some(e.at_ms), tz)
        ));
    };
    out(&format!("\n{}: {}", t(lang, "投诉处理单", "Complaint sheet"), txt(lang, &c.stage_label)));
    if let Some(l) = &c.class_label {
        out(&format!("  {}: {}", t(lang, "分类", "Class"), txt(lang, l)));
    }
    if let Some(d) = &c.department {
        out(&format!("  {}: {}", t(lang, "责任部门", "Department"), printable(d, 50)));
    }
    if let Some(e) = &c.transferred {
        line("转交", "Transferred", e);
    }
    if let Some(e) = &c.reply {
        line("答复方案", "Plan", e);
    }
    for e in &c.handling {
        line("处理经过", "Handling", e);
    }
    if let Some(e) = &c.outcome {
        line("处理结果", "Outcome", e);
    }
    if let Some(e) = &c.returned {
        line("部门负责人意见（退回）", "Department head's opinion (returned)", e);
    }
    if let Some(ev) = &c.evaluation {
        let verdict = if ev.satisfied { t(lang, "满意", "satisfied") } else { t(lang, "不满意", "unsatisfied") };
        out(&format!("  {}: {verdict} {}", t(lang, "客户评价", "Owner's evaluation"), printable(&ev.entry.text, 200)));
    }
    for cl in &c.claims {
        let decision = match &cl.decision {
            None => t(lang, "待主管审批", "awaiting a supervisor").to_owned(),
            Some(d) if d.approved => {
                format!("{} ¥{} ({})", t(lang, "已批准", "approved"), d.amount.unwrap_or(cl.amount), who(&d.entry.by))
            }
            Some(d) => format!("{} ({})", t(lang, "已驳回", "rejected"), who(&d.entry.by)),
        };
        out(&format!("  {}: ¥{} {} — {decision}", t(lang, "索赔", "Claim"), cl.amount, printable(&cl.filed.text, 200)));
    }
}

pub(crate) fn t_dyn<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

pub(crate) fn status_label(s: Status, lang: Lang) -> &'static str {
    t(lang, s.label_zh(), s.label_en())
}

pub(crate) fn when(ms: Option<i64>, tz: FixedOffset) -> String {
    ms.and_then(DateTime::from_timestamp_millis)
        .map(|d| d.with_timezone(&tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// `1小时20分` / `1h20m`.
pub fn duration(ms: i64, lang: Lang) -> String {
    let m = ms.abs() / 60_000;
    let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
    match lang {
        Lang::Zh if d > 0 => format!("{d}天{h}小时"),
        Lang::Zh if h > 0 => format!("{h}小时{min}分"),
        Lang::Zh => format!("{min}分"),
        Lang::En if d > 0 => format!("{d}d{h}h"),
        Lang::En if h > 0 => format!("{h}h{min}m"),
        Lang::En => format!("{min}m"),
    }
}

fn deadline_label(code: &str, lang: Lang) -> &'static str {
    use DeadlineKind as K;
    let k = [K::Contact, K::EmergencyOnSite, K::ContractorOnSite, K::StartRepair, K::ComplaintAnswer, K::Callback]
        .into_iter()
        .find(|k| k.code() == code);
    match k {
        Some(k) => t(lang, k.label_zh(), k.label_en()),
        None => "",
    }
}

pub(crate) fn table(header: Vec<&str>) -> Table {
    let mut tbl = Table::new();
    tbl.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_header(header);
    tbl
}

pub fn initialised(store: &Store, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(&serde_json::json!({
            "store": store.path(),
            "device_id": store.device().id(),
            "number_prefix": store.device().short_code(),
        }));
    }
    out(&format!(
        "{} {}  ({} {}, {} {}-00001)",
        t(lang, "已创建", "Created"),
        store.path().display(),
        t(lang, "设备", "device"),
        store.device().id(),
        t(lang, "临时单号从", "provisional numbers start at"),
        store.device().short_code()
    ));
    Ok(())
}

pub fn imported(r: &ImportReport, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(r);
    }
    out(&format!(
        "{}: {} {}, {} {}, {} {}, {} {}, {} {}, {} {}{}; {} {}",
        t(lang, "已导入", "Imported"),
        r.projects,
        t(lang, "个项目", "projects"),
        r.buildings,
        t(lang, "栋楼", "buildings"),
        r.units,
        t(lang, "个房号", "units"),
        r.people,
        t(lang, "名人员", "people"),
        r.contractors,
        t(lang, "家施工单位", "contractors"),
        r.categories,
        t(lang, "个类别", "categories"),
        if r.settings { t(lang, ",组织设置", ", organisation settings") } else { "" },
        r.reindexed,
        t(lang, "个工单已重建索引", "orders re-indexed"),
    ));
    Ok(())
}

pub fn edited(v: &OrderView, as_json: bool, lang: Lang) -> Result<()> {
    let last_event = v.order.events.iter().max_by_key(|e| e.order_key());
    let last = last_event.map(|e| e.kind.type_name()).unwrap_or("");
    let label = last_event.map(|e| t_dyn(lang, e.kind.label_zh(), e.kind.label_en())).unwrap_or("");
    if as_json {
        return json(&serde_json::json!({
            "id": v.order.id,
            "number": v.order.display_no(),
            "status": v.status.code(),
            "event": last,
            "needs_attention": v.needs_attention(),
        }));
    }
    let attention = if v.needs_attention() { t(lang, "  ⚠ 需处理", "  ⚠ needs attention") } else { "" };
    out(&format!("✓ {}  {label} → {}{attention}", v.order.display_no(), status_label(v.status, lang)));
    Ok(())
}

pub fn list(rows: &[OrderSummary], r: &ReferenceData, as_json: bool, lang: Lang, tz: FixedOffset) -> Result<()> {
    if as_json {
        return json(rows);
    }
    if rows.is_empty() {
        out(t(lang, "(没有工单)", "(no orders)"));
        return Ok(());
    }
    let mut tbl = table(vec![
        t(lang, "单号", "No."),
        t(lang, "状态", "Status"),
        t(lang, "紧急", "Urgency"),
        t(lang, "类别", "Category"),
        t(lang, "房号", "Unit"),
        t(lang, "报修内容", "Description"),
        t(lang, "维修人员", "Assignee"),
        t(lang, "预约", "Appointment"),
        t(lang, "时限", "Deadline"),
    ]);
    for s in rows {
        let row = &s.row;
        let status = Status::from_code(&row.status).map_or(row.status.as_str(), |st| status_label(st, lang));
        let urgency = match (row.urgency.as_str(), lang) {
            ("emergency", Lang::Zh) => "紧急",
            ("important", Lang::Zh) => "重要",
            ("normal", Lang::Zh) => "一般",
            (u, _) => u,
        };
        let category = r.category(&row.category).map_or(row.category.clone(), |c| match lang {
            Lang::Zh => c.name_zh.clone(),
            Lang::En => c.name_en.clone(),
        });
        let assignee = match (&row.assignee_kind, &row.assignee_id) {
            (Some(k), Some(id)) if k == "technician" => {
                r.person(&id.as_str().into()).map_or(id.clone(), |p| p.name.clone())
            }
            (Some(_), Some(id)) => r.contractor(&id.as_str().into()).map_or(id.clone(), |c| c.name.clone()),
            _ => String::new(),
        };
        let due = s.due.as_ref().map_or(String::new(), |d| {
            let label = deadline_label(&d.kind, lang);
            if d.overdue {
                format!("{label} {} {}", t(lang, "超时", "overdue"), duration(d.left_ms, lang))
            } else {
                let warn = if d.at_risk { "⚠ " } else { "" };
                format!("{warn}{label} {} {}", t(lang, "剩", "in"), duration(d.left_ms, lang))
            }
        });
        let number = if row.damaged {
            format!("{} ⛔{}", s.number(), t(lang, "数据损坏", "damaged"))
        } else if row.attention > 0 {
            format!("{} ⚠", s.number())
        } else {
            s.number().to_owned()
        };
        let summary = printable(&row.summary, 24);
        tbl.add_row(vec![
            number,
            status.to_owned(),
            urgency.to_owned(),
            category,
            row.unit_label.clone(),
            summary,
            assignee,
            when(row.appointment_ms, tz),
            due,
        ]);
    }
    out(&tbl.to_string());
    out(&format!("{} {}", rows.len(), t(lang, "个工单", "orders")));
    Ok(())
}

fn describe_events(v: &OrderView, ids: &[signoff_core::ids::EventId], r: &ReferenceData) -> String {
    ids.iter()
        .filter_map(|id| v.order.events.iter().find(|e| &e.id == id))
        .map(|e| {
            let who = r.person(&e.by).map_or(e.by.to_string(), |p| p.name.clone());
            format!("{} ({who})", e.kind.label_zh())
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

pub fn show(
    v: &OrderView,
    suggestion: Option<&DispatchSuggestion>,
    signoffs: &[signoff_device::store::signoff::StatementReport],
    r: &ReferenceData,
    settings: &OrgSettings,
    as_json: bool,
    lang: Lang,
) -> Result<()> {
    if as_json {
        return json(&serde_json::json!({ "order": v, "dispatch_suggestion": suggestion, "signoffs": signoffs }));
    }
    let tz = settings.tz();
    let o = &v.order;
    let mut lines = Vec::new();
    let official = o.official_no.as_deref().map_or(String::new(), |n| format!(" / {n}"));
    lines.push(format!("{}{official}  [{}]", o.provisional_no, status_label(v.status, lang)));
    let category = r.category(&o.category).map_or(o.category.clone(), |c| format!("{} {}", c.name_zh, c.name_en));
    lines.push(format!(
        "{}: {}  {}: {}",
        t(lang, "类别", "Category"),
        category,
        t(lang, "紧急程度", "Urgency"),
        signoff_core::doc::code_of(&o.urgency)
    ));
    lines.push(format!("{}: {} {}", t(lang, "房号", "Unit"), o.unit.label, o.unit.address));
    lines.push(format!("{}: {} {}", t(lang, "报修人", "Reporter"), o.reporter.name, o.reporter.phone));
    lines.push(format!(
        "{}: {}{}",
        t(lang, "报修内容", "Description"),
        o.description,
        if o.location.is_empty() { String::new() } else { format!(" ({})", o.location) }
    ));
    if let Some(a) = &v.derived.assignee {
        lines.push(format!("{}: {}", t(lang, "维修人员/单位", "Assignee"), r.assignee_name(a)));
    }
    if let Some(a) = v.derived.appointment {
        lines.push(format!("{}: {}", t(lang, "预约", "Appointment"), when(Some(a.from_ms), tz)));
    }
    if let Some(p) = &v.derived.pause_reason {
        lines.push(format!("{}: {p}", t(lang, "暂停原因", "Paused because")));
    }
    if !o.findings.is_empty() {
        lines.push(format!("{}: {}", t(lang, "检查情况", "Findings"), o.findings));
    }
    if !o.work_done.is_empty() {
        lines.push(format!("{}: {}", t(lang, "维修内容", "Work done"), o.work_done));
    }
    out(&lines.join("\n"));

    if !v.attention.is_empty() || !v.field_conflicts.is_empty() {
        out(&format!("\n⚠ {}", t(lang, "需处理", "Needs attention")));
        for a in &v.attention {
            match a {
                Attention::Conflict { id, current, held, .. } => out(&format!(
                    "  {} {id}\n    {}: {}\n    {}: {}\n    {}",
                    t(lang, "冲突", "conflict"),
                    t(lang, "当前", "current"),
                    describe_events(v, current, r),
                    t(lang, "另一方", "held"),
                    describe_events(v, held, r),
                    t(
                        lang,
                        "处理: signoff resolve ORDER --conflict ID --keep current|held",
                        "resolve: signoff resolve ORDER --conflict ID --keep current|held"
                    ),
                )),
                Attention::Ignored { event, reason, .. } => {
                    out(&format!("  {} {event}: {reason}", t(lang, "未生效的事件", "ignored event")))
                }
                Attention::SignoffRefused { reason, .. } => {
                    out(&format!("  {}: {}", t(lang, "业主拒签", "sign-off refused"), printable(reason, 200)))
                }
                Attention::IntakePending { by } => out(&format!(
                    "  {}: {}",
                    t(lang, "现场抢修单，待办公室补单", "opened on site, the office must complete the intake"),
                    r.person(by).map_or(by.as_str(), |p| p.name.as_str())
                )),
                Attention::UnverifiedSignoff { verdict, .. } => out(&format!(
                    "  {}: {}",
                    t(lang, "签认不计入（验证未通过）", "sign-off does not count (verification failed)"),
                    t(lang, verdict.label_zh(), verdict.label_en())
                )),
                Attention::ChangedAfterSignoff { fields, .. } => {
                    out(&format!("  {}:", t(lang, "签认后内容有改动", "changed after sign-off")));
                    for f in fields {
                        out(&format!(
                            "    {}: {} → {}",
                            txt(lang, &f.label),
                            printable_or_none(&f.old, lang),
                            printable_or_none(&f.new, lang)
                        ));
                    }
                }
            }
        }
        for f in &v.field_conflicts {
            out(&format!("  {} {}: {}", t(lang, "字段冲突", "field conflict"), f.field, f.values.join(" | ")));
        }
    }

    if !v.deadlines.is_empty() {
        let mut tbl = table(vec![t(lang, "时限", "Deadline"), t(lang, "到期", "Due"), t(lang, "状态", "State")]);
        for d in &v.deadlines {
            let state = match d.state {
                DeadlineState::Met { late: false } => t(lang, "按时完成", "met").to_owned(),
                DeadlineState::Met { late: true } => t(lang, "超时完成", "met late").to_owned(),
                DeadlineState::Open { left_ms, at_risk } => {
                    format!("{}{} {}", if at_risk { "⚠ " } else { "" }, t(lang, "剩", "left"), duration(left_ms, lang))
                }
                DeadlineState::Overdue { by_ms } => {
                    format!("{} {}", t(lang, "超时", "overdue by"), duration(by_ms, lang))
                }
            };
            tbl.add_row(vec![
                t(lang, d.deadline.kind.label_zh(), d.deadline.kind.label_en()).to_owned(),
                when(Some(d.deadline.due_ms), tz),
                state,
            ]);
        }
        out(&format!("\n{tbl}"));
    }
    if let Some(ro) = &v.routing {
        out(&format!(
            "\n{}: {} {} / {} {}\n  {}",
            t(lang, "维修分判", "Routing"),
            t(lang, "维修方", "repairs:"),
            t(lang, ro.repairer.label_zh(), ro.repairer.label_en()),
            t(lang, "付费方", "pays:"),
            t(lang, ro.payer.label_zh(), ro.payer.label_en()),
            match lang {
                Lang::Zh => &ro.explanation_zh,
                Lang::En => &ro.explanation_en,
            }
        ));
    }
    if let Some(c) = &v.complaint {
        complaint_sheet(c, r, lang, tz);
    }
    if let Some(e) = &v.escalation {
        let words = e.explain(r);
        out(&format!("\n⚠ {}", txt(lang, &words)));
    }
    if let Some(s) = suggestion {
        suggestion_text(s, lang);
    }
    for so in signoffs {
        let who = so.signer.as_ref().map_or(String::new(), |s| {
            format!("{} {}", t_dyn(lang, s.role.label_zh(), s.role.code()), printable(&s.name, 40))
        });
        out(&format!(
            "\n{} {who} {}: {}",
            t(lang, "验收签字", "Sign-off"),
            when(so.signed_at_ms, settings.tz()),
            t(lang, so.verdict.label_zh(), so.verdict.label_en())
        ));
        if let signoff_core::signoff::Verdict::ChangedAfterSignoff { fields } = &so.verdict {
            for f in fields {
                out(&format!(
                    "  {}: {} → {}",
                    txt(lang, &f.label),
                    printable_or_none(&f.old, lang),
                    printable_or_none(&f.new, lang)
                ));
            }
        }
    }
    if !o.materials.is_empty() || !o.labour.is_empty() {
        let mut tbl = table(vec![
            t(lang, "材料/工时", "Item"),
            t(lang, "数量", "Qty"),
            t(lang, "单价", "Price"),
            t(lang, "金额", "Amount"),
            "id",
        ]);
        for m in &o.materials {
            tbl.add_row(vec![
                format!("{} {}", m.name, m.spec),
                format!("{} {}", m.quantity, m.unit),
                m.unit_price.to_string(),
                m.total().to_string(),
                m.id.clone(),
            ]);
        }
        for l in &o.labour {
            let who = r.person(&l.person).map_or(l.person.to_string(), |p| p.name.clone());
            tbl.add_row(vec![
                format!("{} {who}", t(lang, "工时", "labour")),
                format!("{} min", l.minutes),
                l.hourly_rate.to_string(),
                l.total().to_string(),
                l.id.clone(),
            ]);
        }
        tbl.add_row(vec![
            t(lang, "合计", "Total").to_owned(),
            String::new(),
            String::new(),
            o.total_cost().to_string(),
            String::new(),
        ]);
        out(&format!("\n{tbl}"));
    }
    let mut tbl = table(vec![t(lang, "时间", "Time"), t(lang, "事件", "Event"), t(lang, "人员", "By"), ""]);
    for e in &v.timeline {
        let who = r.person(&e.event.by).map_or(e.event.by.to_string(), |p| p.name.clone());
        let detail = match &e.event.kind {
            EventKind::Assigned { assignee, .. } => r.assignee_name(assignee),
            EventKind::Scheduled { from_ms, .. } => when(Some(*from_ms), tz),
            EventKind::MaterialAdded { summary, .. } => summary.clone(),
            EventKind::ClaimFiled { amount, evidence } => format!("¥{amount} {evidence}"),
            EventKind::ThirdPartyCommissioned { third_party, deduction, reason } => {
                format!("{third_party} −¥{deduction} {reason}")
            }
            EventKind::FieldsEdited { changes, .. } => changes
                .iter()
                .map(|c| format!("{}: {} → {}", txt(lang, &FieldEdit::label_of(&c.field)), c.old, c.new))
                .collect::<Vec<_>>()
                .join("; "),
            k => k.text().unwrap_or_default().to_owned(),
        };
        let state = match &e.state {
            EventState::Held { .. } => t(lang, " [冲突待处理]", " [held]"),
            EventState::Superseded { .. } => t(lang, " [已作废]", " [superseded]"),
            EventState::Ignored => t(lang, " [未生效]", " [ignored]"),
            EventState::Duplicate => t(lang, " [重复]", " [duplicate]"),
            _ => "",
        };
        let label = t_dyn(lang, e.event.kind.label_zh(), e.event.kind.label_en());
        tbl.add_row(vec![when(Some(e.event.at_ms), tz), format!("{label}{state}"), who, detail]);
    }
    out(&format!("\n{tbl}"));
    Ok(())
}

pub fn skipped_text(s: &DispatchSuggestion, lang: Lang) -> String {
    s.skipped
        .iter()
        .map(|k| {
            format!(
                "{} ({})",
                k.name,
                match lang {
                    Lang::Zh => k.reason.text_zh(),
                    Lang::En => k.reason.text_en(),
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn suggestion_text(s: &DispatchSuggestion, lang: Lang) {
    let names: Vec<String> = s.candidates.iter().map(|c| c.name.clone()).collect();
    out(&format!(
        "\n{}: {}\n{}: {}",
        t(lang, "派工建议(轮流)", "Dispatch suggestion (round-robin)"),
        if names.is_empty() { t(lang, "无可派人员", "nobody available").to_owned() } else { names.join(" → ") },
        t(lang, "跳过", "Skipped"),
        skipped_text(s, lang)
    ));
}

pub fn suggestion(s: &DispatchSuggestion, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(s);
    }
    suggestion_text(s, lang);
    Ok(())
}

pub fn exported(n: usize, path: &Path, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(&serde_json::json!({ "rows": n, "file": path }));
    }
    out(&format!("{} {n} {} → {}", t(lang, "已导出", "Exported"), t(lang, "行", "rows"), path.display()));
    Ok(())
}

pub fn rebuilt(r: &RebuildReport, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(r);
    }
    out(&format!("{} {} {}", t(lang, "已重建索引:", "Index rebuilt:"), r.indexed, t(lang, "个工单", "orders")));
    for (id, reason) in &r.quarantined {
        out(&format!("  ⚠ {} {id}: {reason}", t(lang, "已隔离", "quarantined")));
    }
    Ok(())
}

pub fn stats(s: &Stats, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(s);
    }
    let mut tbl = table(vec![t(lang, "项目", "What"), t(lang, "数量", "Count")]);
    tbl.add_row(vec![t(lang, "工单", "Orders").to_owned(), s.orders.to_string()]);
    tbl.add_row(vec![t(lang, "未关闭", "Open").to_owned(), s.open.to_string()]);
    tbl.add_row(vec![t(lang, "超时", "Overdue").to_owned(), s.overdue.to_string()]);
    tbl.add_row(vec![t(lang, "需处理", "Needs attention").to_owned(), s.attention.to_string()]);
    for (code, n) in &s.by_status {
        let label = Status::from_code(code).map_or(code.as_str(), |st| status_label(st, lang));
        tbl.add_row(vec![format!("  {label}"), n.to_string()]);
    }
    tbl.add_row(vec![t(lang, "已隔离", "Quarantined").to_owned(), s.quarantined.to_string()]);
    tbl.add_row(vec![t(lang, "文件大小", "File bytes").to_owned(), s.file_bytes.to_string()]);
    out(&tbl.to_string());
    Ok(())
}
