//! The commands the UI invokes. Each is a thin call into signoff-device, run on a blocking thread
//! (never the main thread, which draws the window), with its failure mapped to an [`AppError`].

use crate::error::{AppError, Message, Result};
use crate::state::SignoffExt;
use crate::types::{
    AppInfo, BoardFilter, DispatchView, OrderDetail, OrderPhotos, PersonInfo, PhotoView, SignInput, SkippedView,
    SyncStatus, UnitFile,
};
use signoff_core::edit::Edit;
use signoff_core::ids::{OrderId, PersonId, UnitId};
use signoff_core::model::{Cause, EventKind, NewOrder, ReferenceData};
use signoff_core::msg::{Key, Msg};
use signoff_core::rules::dispatch::DispatchSuggestion;
use signoff_core::rules::permission;
use signoff_core::rules::warranty::{self, Routing, RoutingInput};
use signoff_core::signoff::strokes::Signature;
use signoff_device::Store;
use signoff_device::store::query::{ListFilter, OrderSummary};
use signoff_device::store::signoff::{Frozen, SignRequest};
use tauri::{AppHandle, Runtime};

/// Run `f` on a blocking thread with the app state; a panic becomes an `internal` error.
pub(crate) async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&crate::AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    tauri::async_runtime::spawn_blocking(move || f(app.signoff())).await.map_err(|e| {
        tracing::error!(error = %e, "command failed unexpectedly");
        AppError::internal()
    })?
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn order_id(store: &Store, reference: &str) -> Result<OrderId> {
    Ok(store.find(reference.trim())?)
}

/// Whose jobs a person works: their own, or for a contractor crew member their company's.
fn works_as(reference: &ReferenceData, me: &PersonId) -> String {
    reference.person(me).and_then(|p| p.contractor.as_ref()).map_or_else(|| me.to_string(), |c| c.to_string())
}

/// Everything the order screens need about one order.
pub(crate) fn detail(store: &mut Store, id: &OrderId) -> Result<OrderDetail> {
    let mut view = store.get(id, chrono::Utc::now())?;
    let sync = store.sync_state(id)?;
    let statements = store.verify_statements(id)?;
    let signoff = store.signoff_progress(id)?;
    let reference = store.reference();
    let assignee_name = view.derived.assignee.as_ref().map(|a| reference.assignee_name(a));
    let category = reference.category(&view.order.category);
    let category_zh = category.map_or_else(|| view.order.category.clone(), |c| c.name_zh.clone());
    let category_en = category.map_or_else(|| view.order.category.clone(), |c| c.name_en.clone());
    let path = |sha: &str| -> Option<String> {
        if sha.is_empty() || !store.blobs().contains(sha) {
            return None;
        }
        store.blobs().path(sha).ok().map(|p| p.to_string_lossy().into_owned())
    };
    let mut photos = Vec::new();
    for p in view.order.photos.iter().filter(|p| !p.removed) {
        let uploaded = store.blob_info(&p.sha256)?.is_none_or(|(_, _, up)| up);
        photos.push(PhotoView {
            thumb_path: path(&p.thumbnail_sha256).or_else(|| path(&p.sha256)),
            image_path: path(&p.sha256),
            uploaded,
            photo: p.clone(),
        });
    }
    let materials: i64 = view.order.materials.iter().map(|m| m.total().0).sum();
    let labour: i64 = view.order.labour.iter().map(|l| l.total().0).sum();
    let timeline_labels = view
        .timeline
        .iter()
        .map(|e| {
            let (zh, en) = (e.event.kind.label_zh().to_owned(), e.event.kind.label_en().to_owned());
            match &e.event.kind {
                // Which fields, in words: the change history of the report.
                // With the old and new values where the edit recorded them: "部位“阳台地漏” → “阳台地漏周边”".
                EventKind::FieldsEdited { fields, changes } => {
                    let (mut zh_list, mut en_list) = (Vec::new(), Vec::new());
                    for f in fields {
                        let l = signoff_core::edit::FieldEdit::label_of(f);
                        match changes.iter().find(|c| &c.field == f) {
                            Some(c) => {
                                let or =
                                    |v: &str, empty: &str| if v.is_empty() { empty.to_owned() } else { v.to_owned() };
                                zh_list.push(format!(
                                    "{}“{}” → “{}”",
                                    l.zh,
                                    or(&c.old, "（空）"),
                                    or(&c.new, "（空）")
                                ));
                                en_list.push(format!(
                                    "{} \"{}\" → \"{}\"",
                                    l.en,
                                    or(&c.old, "(empty)"),
                                    or(&c.new, "(empty)")
                                ));
                            }
                            None => {
                                zh_list.push(l.zh);
                                en_list.push(l.en);
                            }
                        }
                    }
                    Message {
                        zh: format!("{zh}：{}", zh_list.join("、")), en: format!("{en}: {}", en_list.join("; "))
                    }
                }
                EventKind::ThirdPartyCommissioned { third_party, deduction, .. } => Message {
                    zh: format!("{zh}：{third_party}，扣款 ¥{deduction}"),
                    en: format!("{en}: {third_party}, deducted ¥{deduction}"),
                },
                _ => Message { zh, en },
            }
        })
        .collect();
    let verdict_labels = statements
        .iter()
        .map(|r| Message { zh: r.verdict.label_zh().to_owned(), en: r.verdict.label_en().to_owned() })
        .collect();
    let number = view.order.official_no.clone().unwrap_or_else(|| view.order.provisional_no.clone());
    let actions = store.me().map(|me| view.actions(reference, me)).unwrap_or_default();
    // 不得泄露客户隐私: field staff see the owner's phone only on their own open jobs.
    let phone_masked = store.me().is_some_and(|me| !permission::may_see_phone(reference, me, &view.fold()));
    if phone_masked {
        view.order.reporter.phone = signoff_device::store::export::mask_phone(&view.order.reporter.phone);
    }
    let escalation_label = view.escalation.as_ref().map(|e| {
        let t = e.explain(reference);
        Message { zh: t.zh, en: t.en }
    });
    Ok(OrderDetail {
        number,
        sync,
        assignee_name,
        category_zh,
        category_en,
        photos,
        statements,
        signoff,
        total_fen: materials + labour,
        timeline_labels,
        verdict_labels,
        actions,
        escalation_label,
        phone_masked,
        view,
    })
}

/// Who uses this device and where it syncs.
#[tauri::command]
pub async fn app_info<R: Runtime>(app: AppHandle<R>) -> Result<AppInfo> {
    let version = app.package_info().version.to_string();
    blocking(app, move |s| s.with_store(|store| info(store, version))).await
}

fn info(store: &Store, version: String) -> Result<AppInfo> {
    let account = store.account()?;
    let person = store.me().map(|id| {
        let known = store.reference().person(id);
        PersonInfo {
            id: id.to_string(),
            name: known.map_or_else(|| id.to_string(), |p| p.name.clone()),
            roles: known.map(|p| p.roles.clone()).unwrap_or_default(),
            works_as: works_as(store.reference(), id),
        }
    });
    Ok(AppInfo {
        enrolled: account.is_some(),
        server_url: account.as_ref().map(|a| a.url.clone()),
        org: account.as_ref().map(|a| a.org.clone()),
        role: account.as_ref().map(|a| a.role.clone()),
        person,
        device_code: store.device().short_code(),
        version,
    })
}

/// Enrol this device with a one-time code from the office, then sync.
#[tauri::command]
pub async fn enrol<R: Runtime>(app: AppHandle<R>, url: String, code: String, name: String) -> Result<AppInfo> {
    let url = url.trim().trim_end_matches('/').to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(AppError::invalid(Msg::new(Key::BadUrl).arg("value", url.as_str())));
    }
    if code.trim().is_empty() {
        return Err(AppError::invalid(Msg::new(Key::EnterCode)));
    }
    let version = app.package_info().version.to_string();
    blocking(app, move |s| {
        let info = s.with_store(|store| {
            signoff_device::sync::enroll(store, &url, &code, name.trim())?;
            info(store, version)
        })?;
        s.request_sync();
        Ok(info)
    })
    .await
}

/// Projects, units, people, contractors and categories (for intake, dispatch and names).
#[tauri::command]
pub async fn reference<R: Runtime>(app: AppHandle<R>) -> Result<ReferenceData> {
    blocking(app, |s| s.with_store(|store| Ok(store.reference().clone()))).await
}

/// My jobs, by appointment and deadline.
#[tauri::command]
pub async fn today<R: Runtime>(app: AppHandle<R>) -> Result<Vec<OrderSummary>> {
    blocking(app, |s| {
        s.with_store(|store| {
            let me = store.me().cloned().ok_or_else(AppError::not_enrolled)?;
            let works_as = PersonId::new(works_as(store.reference(), &me));
            Ok(store.today(&works_as, now_ms())?)
        })
    })
    .await
}

/// All orders, filtered, soonest deadline first.
#[tauri::command]
pub async fn board<R: Runtime>(app: AppHandle<R>, filter: BoardFilter) -> Result<Vec<OrderSummary>> {
    blocking(app, move |s| {
        s.with_store(|store| {
            let f = ListFilter {
                assignee: filter.assignee.filter(|a| !a.is_empty()),
                statuses: filter.status.into_iter().collect(),
                open_only: filter.open_only,
                overdue: filter.overdue,
                attention: filter.attention,
                project: filter.project.filter(|p| !p.is_empty()),
                kind: filter.kind,
                limit: Some(500),
                ..ListFilter::default()
            };
            Ok(store.list(&f, now_ms())?)
        })
    })
    .await
}

/// 客户档案: one unit's dates, warranty clocks and every order it has had.
#[tauri::command]
pub async fn unit_file<R: Runtime>(app: AppHandle<R>, unit: String) -> Result<UnitFile> {
    blocking(app, move |s| {
        s.with_store(|store| {
            let filter = ListFilter { unit: Some(unit.clone()), limit: Some(500), ..ListFilter::default() };
            let mut orders = store.list(&filter, now_ms())?;
            orders.sort_by_key(|o| std::cmp::Reverse(o.row.reported_ms));
            let reference = store.reference();
            let settings = store.settings();
            let found = reference.unit(&UnitId::new(unit));
            let building = found.and_then(|u| reference.building(&u.building_id));
            let project = found.and_then(|u| reference.project(&u.project_id));
            let today = signoff_core::calendar::local_date(chrono::Utc::now(), settings.tz());
            let clocks =
                found.map_or_else(Vec::new, |u| warranty::unit_clocks(u, building, project, &settings.warranty, today));
            let (unit, building, project) =
                (found.cloned(), building.map(|b| b.name.clone()), project.map(|p| p.name.clone()));
            // Photos of the newest orders (repeat defects are recognised by their pictures).
            let mut photos = Vec::new();
            for o in orders.iter().take(UNIT_FILE_PHOTO_ORDERS) {
                let Ok(view) = store.get(&OrderId::new(o.row.id.clone()), chrono::Utc::now()) else { continue };
                let thumbs: Vec<String> = view
                    .order
                    .photos
                    .iter()
                    .filter(|p| !p.removed)
                    .filter_map(|p| {
                        let sha = if p.thumbnail_sha256.is_empty() { &p.sha256 } else { &p.thumbnail_sha256 };
                        (!sha.is_empty() && store.blobs().contains(sha))
                            .then(|| store.blobs().path(sha).ok())
                            .flatten()
                            .map(|p| p.to_string_lossy().into_owned())
                    })
                    .take(6)
                    .collect();
                if !thumbs.is_empty() {
                    photos.push(OrderPhotos { order: o.row.id.clone(), thumbs });
                }
            }
            Ok(UnitFile { unit, building, project, clocks, orders, photos })
        })
    })
    .await
}

/// How many of a unit's newest orders show their photos in its file.
const UNIT_FILE_PHOTO_ORDERS: usize = 20;

/// The callback queue (回访): completed orders waiting for a callback, soonest deadline first.
#[tauri::command]
pub async fn callbacks<R: Runtime>(app: AppHandle<R>) -> Result<Vec<OrderSummary>> {
    blocking(app, move |s| s.with_store(|store| Ok(store.callbacks(now_ms())?))).await
}

/// Full-text search (Chinese substrings work).
#[tauri::command]
pub async fn search<R: Runtime>(app: AppHandle<R>, query: String) -> Result<Vec<OrderSummary>> {
    blocking(app, move |s| s.with_store(|store| Ok(store.search(query.trim(), 100, now_ms())?))).await
}

/// One order in full.
#[tauri::command]
pub async fn order<R: Runtime>(app: AppHandle<R>, id: String) -> Result<OrderDetail> {
    blocking(app, move |s| {
        s.with_store(|store| {
            let id = order_id(store, &id)?;
            detail(store, &id)
        })
    })
    .await
}

/// Apply one typed edit (arrive, pause, complete, material, labour, assign, resolve…).
#[tauri::command]
pub async fn apply_edit<R: Runtime>(app: AppHandle<R>, id: String, edit: Edit) -> Result<OrderDetail> {
    blocking(app, move |s| {
        s.act(|store, ctx| {
            let id = order_id(store, &id)?;
            store.apply(&id, edit, ctx)?;
            detail(store, &id)
        })
    })
    .await
}

/// 报修登记: open a new order.
#[tauri::command]
pub async fn create_order<R: Runtime>(app: AppHandle<R>, order: NewOrder) -> Result<OrderDetail> {
    blocking(app, move |s| {
        s.act(|store, ctx| {
            let view = store.create_order(order, ctx)?;
            detail(store, &view.order.id)
        })
    })
    .await
}

/// Who should repair and pay, before the order exists (intake shows it as the unit and category are chosen).
#[tauri::command]
pub async fn routing_preview<R: Runtime>(
    app: AppHandle<R>,
    unit: String,
    category: String,
    cause: Option<Cause>,
) -> Result<Option<Routing>> {
    blocking(app, move |s| {
        s.with_store(|store| {
            let reference = store.reference();
            let Some(category) = reference.category(&category) else { return Ok(None) };
            let unit = reference.unit(&UnitId::new(unit));
            let settings = store.settings();
            let report_date = signoff_core::calendar::local_date(chrono::Utc::now(), settings.tz());
            Ok(Some(warranty::route(
                RoutingInput {
                    unit,
                    building: unit.and_then(|u| reference.building(&u.building_id)),
                    project: unit.and_then(|u| reference.project(&u.project_id)),
                    category,
                    cause,
                    report_date,
                },
                &settings.warranty,
            )))
        })
    })
    .await
}

/// Round-robin suggestion with every skipped person's reason.
#[tauri::command]
pub async fn dispatch_suggestion<R: Runtime>(app: AppHandle<R>, id: String) -> Result<DispatchView> {
    blocking(app, move |s| {
        s.with_store(|store| {
            let id = order_id(store, &id)?;
            let DispatchSuggestion { candidates, skipped } = store.dispatch_suggestion(&id)?;
            let skipped = skipped
                .into_iter()
                .map(|k| SkippedView {
                    person: k.person.to_string(),
                    name: k.name,
                    reason: Message { zh: k.reason.text_zh(), en: k.reason.text_en() },
                })
                .collect();
            Ok(DispatchView { candidates, skipped })
        })
    })
    .await
}

/// Freeze what the owner will see and sign.
#[tauri::command]
pub async fn signoff_freeze<R: Runtime>(app: AppHandle<R>, id: String) -> Result<Frozen> {
    blocking(app, move |s| {
        s.with_store(|store| {
            let id = order_id(store, &id)?;
            Ok(store.freeze_signoff(&id)?)
        })
    })
    .await
}

/// Record the owner's signature over the frozen summary.
#[tauri::command]
pub async fn signoff_sign<R: Runtime>(app: AppHandle<R>, input: SignInput) -> Result<OrderDetail> {
    if input.strokes.iter().all(|s| s.points.len() < 2) {
        return Err(AppError::invalid(Msg::new(Key::SignatureEmpty)));
    }
    if let Some(r) = input.rating {
        signoff_core::validate::int(signoff_core::validate::Field::Rating, i64::from(r))
            .map_err(|r| AppError::invalid(r.msg().clone()))?;
    }
    blocking(app, move |s| {
        let strokes = Signature::from_strokes(&input.strokes, Some((input.width, input.height)))
            .map_err(|e| AppError::from(signoff_device::Error::from(e)))?;
        s.act(|store, ctx| {
            let id = order_id(store, &input.order)?;
            let req = SignRequest {
                heads: Some(input.heads),
                kind: input.kind,
                name: input.name,
                role: input.role,
                rating: input.rating,
                opinion: input.opinion,
                strokes,
                place: None,
            };
            store.sign(&id, req, ctx)?;
            detail(store, &id)
        })
    })
    .await
}

/// Sync now (the sync screen's retry, the WebView's `online` event, pull to refresh).
#[tauri::command]
pub async fn sync_now<R: Runtime>(app: AppHandle<R>) -> Result<SyncStatus> {
    let state = app.signoff();
    state.request_sync();
    Ok(state.sync_status())
}

/// The sync status.
#[tauri::command]
pub async fn sync_status<R: Runtime>(app: AppHandle<R>) -> Result<SyncStatus> {
    blocking(app, |s| {
        let counts = s.with_store(|store| crate::sync_task::pending(store))?;
        let (damaged, notices) = s.with_store(|store| crate::sync_task::damage(store))?;
        Ok(s.update_sync(|st| {
            (st.pending_orders, st.pending_photos) = counts;
            st.damaged = damaged;
            st.notices = notices;
        }))
    })
    .await
}

/// The user has read the restore notices up to `up_to`.
#[tauri::command]
pub async fn dismiss_notices<R: Runtime>(app: AppHandle<R>, up_to: i64) -> Result<SyncStatus> {
    blocking(app, move |s| {
        s.with_store(|store| Ok(store.dismiss_notices(up_to)?))?;
        let (damaged, notices) = s.with_store(|store| crate::sync_task::damage(store))?;
        Ok(s.update_sync(|st| {
            st.damaged = damaged;
            st.notices = notices;
        }))
    })
    .await
}
