//! `signoff enroll`, `signoff sync [--watch]` and `signoff status`.

use crate::args::Lang;
use crate::render::{json as print_json, out, t, txt};
use anyhow::Result;
use rand::Rng;
use signoff_core::ids::OrderId;
use signoff_device::Store;
use signoff_device::store::query::ListFilter;
use signoff_device::store::sync_state::SyncState;
use signoff_device::sync::{self, Progress, SyncReport, backoff::Backoff};
use std::time::Duration;

pub fn enroll(store: &mut Store, url: &str, code: &str, name: &str, as_json: bool, lang: Lang) -> Result<()> {
    let resp = sync::enroll(store, url, code, name)?;
    if as_json {
        return print_json(&serde_json::json!({
            "device_id": resp.device_id, "person": resp.person, "role": resp.role, "org": resp.org
        }));
    }
    out(&format!(
        "{} {} ({}: {}, {}: {})",
        t(lang, "已登记到", "Enrolled with"),
        url,
        t(lang, "人员", "person"),
        resp.person,
        t(lang, "角色", "role"),
        resp.role
    ));
    Ok(())
}

/// Orders are named by id in reports; show the start of the id (numbers are in `signoff status`).
fn store_number(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn report(r: &SyncReport, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return print_json(r);
    }
    out(&format!(
        "{}: {} {} / {} {} / {} {} / {} {}",
        t(lang, "同步完成", "Synced"),
        t(lang, "上传", "sent"),
        r.accepted,
        t(lang, "接收", "received"),
        r.received,
        t(lang, "照片", "photos"),
        r.blobs_uploaded,
        t(lang, "往返", "round trips"),
        r.round_trips
    ));
    for (id, why) in &r.rejected {
        out(&format!("  {} {}: {}", t(lang, "被拒绝", "rejected"), store_number(id), txt(lang, why)));
    }
    for (_, what) in &r.restored {
        out(&format!("  ⚠ {}", txt(lang, what)));
    }
    if r.blobs_waiting > 0 {
        out(&format!("  {} {}", r.blobs_waiting, t(lang, "张照片待下次上传", "photos wait for the next sync")));
    }
    if r.gone > 0 {
        out(&format!(
            "  {} {}",
            r.gone,
            t(lang, "个工单已改派他人（本机数据保留）", "orders were reassigned (kept here)")
        ));
    }
    Ok(())
}

pub fn sync(store: &mut Store, watch: bool, interval: u64, photos: bool, as_json: bool, lang: Lang) -> Result<()> {
    let mut progress = |p: Progress| {
        if let Progress::Round { pushed, received, more: true } = p {
            tracing::info!(pushed, received, "sync round; more follows");
        }
    };
    let once = |store: &mut Store, progress: &mut dyn FnMut(Progress)| -> Result<SyncReport> {
        let mut r = sync::sync(store, progress)?;
        if photos {
            let client = sync::Client::for_store(store)?;
            r.thumbnails += sync::fetch_missing(store, &client, false, progress)?;
        }
        Ok(r)
    };
    if !watch {
        let r = once(store, &mut progress)?;
        return report(&r, as_json, lang);
    }
    let mut schedule =
        Backoff::new(Duration::from_secs(interval.max(1)), Duration::from_secs(2), Duration::from_secs(300));
    loop {
        let result = once(store, &mut progress);
        let ok = result.is_ok();
        match result {
            Ok(r) => report(&r, as_json, lang)?,
            Err(e) => {
                // Not enrolled or revoked: retrying will not help.
                if let Some(signoff_device::Error::NotEnrolled | signoff_device::Error::Server { status: 401, .. }) =
                    e.downcast_ref::<signoff_device::Error>()
                {
                    return Err(e);
                }
                let (_, why) = crate::error::message(&e, lang);
                out(&format!("{}: {why}", t(lang, "同步失败，稍后重试", "sync failed; retrying later")));
            }
        }
        let delay = schedule.next_delay(ok, rand::rng().random::<f64>());
        std::thread::sleep(delay);
    }
}

pub fn status(store: &mut Store, as_json: bool, lang: Lang) -> Result<()> {
    let account = store.account()?;
    let now = chrono::Utc::now().timestamp_millis();
    let rows = store.list(&ListFilter::default(), now)?;
    let mut orders = Vec::new();
    for r in &rows {
        let state = store.sync_state(&OrderId::new(r.row.id.clone()))?;
        orders.push((r.number().to_owned(), r.row.id.clone(), state));
    }
    let gone = store.gone_orders()?;
    let waiting = store.blobs_to_upload()?.len();
    let damaged = store.quarantined()?;
    let notices = store.notices()?;
    if as_json {
        return print_json(&serde_json::json!({
            "server": account.as_ref().map(|a| &a.url),
            "org": account.as_ref().map(|a| &a.org),
            "role": account.as_ref().map(|a| &a.role),
            "cursor": store.sync_cursor()?,
            "last_sync_ms": store.last_sync_ms()?,
            "photos_waiting": waiting,
            "gone": gone,
            "damaged": damaged.iter().map(|(id, n, _)| serde_json::json!({"id": id, "number": n})).collect::<Vec<_>>(),
            "notices": notices.iter().map(|(_, id, t)| serde_json::json!({"id": id, "zh": t.zh, "en": t.en})).collect::<Vec<_>>(),
            "orders": orders.iter().map(|(n, id, s)| serde_json::json!({"number": n, "id": id, "sync": s})).collect::<Vec<_>>(),
        }));
    }
    match &account {
        Some(a) => out(&format!(
            "{}: {} ({} {}, {})",
            t(lang, "服务器", "Server"),
            a.url,
            t(lang, "单位", "org"),
            a.org,
            a.role
        )),
        None => out(t(lang, "未登记：先运行 signoff enroll URL CODE", "Not enrolled: run `signoff enroll URL CODE`")),
    }
    let count = |f: fn(&SyncState) -> bool| orders.iter().filter(|(_, _, s)| f(s)).count();
    out(&format!(
        "{} {}  {} {}  {} {}  {} {}  {} {}",
        t(lang, "已同步", "synced"),
        count(|s| matches!(s, SyncState::Synced)),
        t(lang, "待上传", "uploading"),
        count(|s| matches!(s, SyncState::Uploading)),
        t(lang, "仅本机", "local only"),
        count(|s| matches!(s, SyncState::LocalOnly)),
        t(lang, "被拒绝", "rejected"),
        count(|s| matches!(s, SyncState::Rejected { .. })),
        t(lang, "照片待上传", "photos waiting"),
        waiting
    ));
    for (number, _, state) in orders.iter().filter(|(_, _, s)| !matches!(s, SyncState::Synced)) {
        let label = match lang {
            Lang::Zh => state.label_zh(),
            Lang::En => state.label_en(),
        };
        match state {
            SyncState::Rejected { reason, .. } => out(&format!("  {number}  {label}: {}", txt(lang, reason))),
            _ => out(&format!("  {number}  {label}")),
        }
    }
    if !gone.is_empty() {
        out(&format!(
            "{} {}",
            gone.len(),
            t(lang, "个工单已改派他人（本机数据保留）", "orders no longer assigned here (kept)")
        ));
    }
    for (_, number, _) in &damaged {
        let m = signoff_core::msg::Msg::new(signoff_core::msg::Key::Quarantined).arg("number", number.as_str());
        out(&format!("⛔ {}", m.render(lang.into())));
    }
    for (_, _, text) in &notices {
        out(&format!("⚠ {}", txt(lang, text)));
    }
    Ok(())
}
