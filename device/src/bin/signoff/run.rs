//! Running one command against the store.

use crate::args::{
    BlobsCommand, CauseArg, ChannelArg, Cli, Command, FilterArgs, KeepArg, Lang, PhotoCommand, StageArg, UrgencyArg,
};
use crate::args::{ClassArg, ComplaintCommand, KindArg, RoleArg};
use crate::error::{CliError, Exit};
use crate::{render, time};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use signoff_core::edit::{Edit, FieldEdit, NewMaterial};
use signoff_core::ids::{ContractorId, EventId, OrderId, PersonId, UnitId};
use signoff_core::model::{
    Assignee, Callback, CallbackMethod, Cause, Channel, ComplaintClass, KeepSide, NewOrder, OrderKind, PhotoStage,
    Reporter, UnitRef, Urgency,
};
use signoff_core::money::{Money, Quantity};
use signoff_core::msg::{Key, Msg, Text};
use signoff_core::rules::status::Status;
use signoff_core::signoff::Verdict;
use signoff_core::signoff::strokes::{Signature, Stroke};
use signoff_core::signoff::{Place, SignerRole, StatementKind};
use signoff_core::validate::{self, Field};
use signoff_device::store::query::ListFilter;
use signoff_device::store::reference::{CsvKind, read_csv, read_json};
use signoff_device::{Ctx, InitOptions, Source, Store};

fn urgency(u: UrgencyArg) -> Urgency {
    match u {
        UrgencyArg::Emergency => Urgency::Emergency,
        UrgencyArg::Important => Urgency::Important,
        UrgencyArg::Normal => Urgency::Normal,
    }
}

fn channel(c: ChannelArg) -> Channel {
    match c {
        ChannelArg::Hotline => Channel::Hotline,
        ChannelArg::WalkIn => Channel::WalkIn,
        ChannelArg::Written => Channel::Written,
        ChannelArg::App => Channel::App,
        ChannelArg::Inspection => Channel::Inspection,
    }
}

struct Env {
    store: Store,
    now: DateTime<Utc>,
    json: bool,
    lang: Lang,
    actor: Option<String>,
}

impl Env {
    fn ctx(&self) -> Result<Ctx> {
        let by = self
            .actor
            .clone()
            .or_else(|| self.store.me().map(|p| p.to_string()))
            .ok_or_else(|| CliError::bad(Msg::new(Key::NoActor)))?;
        Ok(Ctx { source: Source::Ui, by: PersonId::new(by), now: self.now })
    }

    fn now_ms(&self) -> i64 {
        self.now.timestamp_millis()
    }

    fn find(&self, order: &str) -> Result<OrderId> {
        Ok(self.store.find(order)?)
    }

    fn time(&self, s: &str) -> Result<DateTime<Utc>> {
        time::parse(s, self.now, self.store.settings().tz())
    }

    fn edit(&mut self, order: &str, edit: Edit) -> Result<()> {
        let id = self.find(order)?;
        let ctx = self.ctx()?;
        let view = self.store.apply(&id, edit, &ctx)?;
        render::edited(&view, self.json, self.lang)
    }

    fn filter(&self, f: &FilterArgs) -> Result<ListFilter> {
        let tz = self.store.settings().tz();
        let mut statuses = Vec::new();
        for s in &f.statuses {
            statuses.push(Status::from_code(s).ok_or_else(|| {
                let all: Vec<&str> = Status::ALL.iter().map(|s| s.code()).collect();
                CliError::bad(Msg::new(Key::UnknownStatus).arg("value", s.as_str()).arg("known", all.join(", ")))
            })?);
        }
        let assignee = match (f.mine, &f.assignee) {
            (true, _) => Some(self.ctx()?.by.to_string()),
            (false, a) => a.clone(),
        };
        Ok(ListFilter {
            assignee,
            statuses,
            open_only: f.open,
            overdue: f.overdue,
            attention: f.attention,
            unit: f.unit.clone(),
            project: f.project.clone(),
            kind: match (f.complaints, f.repairs) {
                (true, _) => Some(OrderKind::Complaint),
                (_, true) => Some(OrderKind::Repair),
                _ => None,
            },
            reported_from_ms: f.from.as_deref().map(|d| time::date_start(d, tz)).transpose()?,
            reported_to_ms: f.to.as_deref().map(|d| time::date_start(d, tz)).transpose()?,
            limit: f.limit,
        })
    }
}

fn words(w: &[String]) -> String {
    w.join(" ")
}

pub fn run(cli: Cli) -> Result<()> {
    let Cli { store: path, json, now, as_person, lang, command } = cli;
    if let Command::Photo { command: PhotoCommand::Prepare { file, out, stamp } } = &command {
        return prepare_only(file, out.as_deref(), stamp, json);
    }
    if let Command::RenderSignature { order: None, strokes: Some(file), out, scale, .. } = &command {
        let sig = read_strokes(file)?;
        return write_signature(&sig, out, *scale, json);
    }
    if let Command::Init { person } = &command {
        let store = Store::init(&path, InitOptions { person: person.clone().map(PersonId::new), settings: None })?;
        return render::initialised(&store, json, lang);
    }
    let store = Store::open(&path)?;
    let now = match now.as_deref() {
        Some(s) => {
            // Back-filling paper forms is fine; a time ahead of this device's clock is not: it would
            // become the clock of every later edit.
            let t = time::parse(s, Utc::now(), store.settings().tz())?;
            validate::time(Field::ActionTime, t.timestamp_millis(), Utc::now())?;
            t
        }
        None => Utc::now(),
    };
    let mut env = Env { store, now, json, lang, actor: as_person };
    match command {
        Command::Init { .. } => Ok(()),
        Command::Import { file, kind } => {
            let is_csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let (import, origins) = if is_csv {
                let kind_name =
                    kind.or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned())).unwrap_or_default();
                let kind = CsvKind::parse(&kind_name).ok_or_else(|| {
                    CliError::bad(Msg::new(Key::ImportWhichKind).arg("file", file.display().to_string()))
                })?;
                read_csv(&file, kind)?
            } else {
                read_json(&file)?
            };
            let report = env.store.import_reference_from(&import, &origins)?;
            render::imported(&report, json, lang)
        }
        Command::New {
            unit,
            reporter,
            phone,
            category,
            urgency: u,
            channel: c,
            complaint,
            location,
            preferred,
            description,
        } => {
            let ctx = env.ctx()?;
            let default_urgency = env.store.reference().category(&category).map(|c| c.default_urgency);
            let new = NewOrder {
                kind: if complaint { OrderKind::Complaint } else { OrderKind::Repair },
                unit: UnitRef { unit_id: UnitId::new(unit), ..UnitRef::default() },
                reporter: Reporter { name: reporter, phone },
                channel: channel(c),
                category,
                urgency: u.map(urgency).or(default_urgency).unwrap_or(Urgency::Normal),
                description: words(&description),
                location,
                preferred_time: preferred,
            };
            let view = env.store.create_order(new, &ctx)?;
            render::edited(&view, json, lang)
        }
        Command::List { filter, today } => {
            let rows = if today {
                let me = env.ctx()?.by;
                env.store.today(&me, env.now_ms())?
            } else {
                env.store.list(&env.filter(&filter)?, env.now_ms())?
            };
            render::list(&rows, env.store.reference(), json, lang, env.store.settings().tz())
        }
        Command::Show { order } => {
            let id = env.find(&order)?;
            let view = env.store.get(&id, env.now)?;
            let suggestion =
                if view.status == Status::Reported { Some(env.store.dispatch_suggestion(&id)?) } else { None };
            let signoffs = env.store.verify_statements(&id)?;
            render::show(&view, suggestion.as_ref(), &signoffs, env.store.reference(), env.store.settings(), json, lang)
        }
        Command::Suggest { order } => {
            let id = env.find(&order)?;
            let s = env.store.dispatch_suggestion(&id)?;
            render::suggestion(&s, json, lang)
        }
        Command::Assign { order, to, contractor, auto, note } => {
            let (assignee, note) = match (to, contractor, auto) {
                (Some(p), None, false) => (Assignee::Technician(PersonId::new(p)), note),
                (None, Some(c), false) => (Assignee::Contractor(ContractorId::new(c)), note),
                (None, None, true) => {
                    let id = env.find(&order)?;
                    let s = env.store.dispatch_suggestion(&id)?;
                    let first = s.candidates.first().ok_or_else(|| {
                        CliError::bad(Msg::new(Key::NoTechnicianFree).arg(
                            "why",
                            Text::new(render::skipped_text(&s, Lang::Zh), render::skipped_text(&s, Lang::En)),
                        ))
                    })?;
                    let why = if note.is_empty() { "轮流派工 round-robin".to_owned() } else { note };
                    (Assignee::Technician(first.person.clone()), why)
                }
                _ => return Err(CliError::bad(Msg::new(Key::SayWho))),
            };
            env.edit(&order, Edit::Assign { assignee, note })
        }
        Command::Schedule { order, at, until, note } => {
            let from_ms = env.time(&at)?.timestamp_millis();
            let to_ms = until.map(|u| env.time(&u)).transpose()?.map(|t| t.timestamp_millis());
            env.edit(&order, Edit::Schedule { from_ms, to_ms, note })
        }
        Command::Contact { order, note, unreached } => env.edit(&order, Edit::Contact { note, reached: !unreached }),
        Command::Arrive { order } => env.edit(&order, Edit::Arrive),
        Command::Pause { order, reason, next, owner_told } => {
            let next_visit_ms = next.map(|n| env.time(&n)).transpose()?.map(|t| t.timestamp_millis());
            env.edit(&order, Edit::Pause { reason, next_visit_ms, owner_told })
        }
        Command::Complete { order, findings, work } => env.edit(&order, Edit::Complete { findings, work_done: work }),
        Command::Cancel { order, reason } => env.edit(&order, Edit::Cancel { reason }),
        Command::Reopen { order, reason } => env.edit(&order, Edit::Reopen { reason }),
        Command::Close { order, reason } => env.edit(&order, Edit::Close { reason }),
        Command::Callback {
            order,
            satisfied,
            unsatisfied,
            unreached,
            rating,
            visit,
            quality,
            speed,
            manner,
            next_try,
            note,
        } => {
            let mut c = match (satisfied, unsatisfied, unreached) {
                (true, false, false) => Callback::reached(true, rating, note),
                (false, true, false) => Callback::reached(false, rating, note),
                (false, false, true) => Callback { rating, ..Callback::unreached(note) },
                _ => return Err(CliError::bad(Msg::new(Key::SayHow))),
            };
            c.method = if visit { CallbackMethod::Visit } else { CallbackMethod::Phone };
            (c.quality, c.speed, c.manner) = (quality.map(Into::into), speed.map(Into::into), manner.map(Into::into));
            c.next_try_ms = next_try.map(|n| env.time(&n)).transpose()?.map(|t| t.timestamp_millis());
            env.edit(&order, Edit::Callback(c))
        }
        Command::CompleteIntake { order, note } => env.edit(&order, Edit::CompleteIntake { note }),
        Command::Reply { order, plan } => env.edit(&order, Edit::Reply { plan }),
        Command::Cause { order, cause, note } => {
            let cause = match cause {
                CauseArg::Owner => Cause::OwnerCaused,
                CauseArg::Misuse => Cause::Misuse,
                CauseArg::NotOwner => Cause::NotOwnersFault,
                CauseArg::Unknown => Cause::Unknown,
            };
            env.edit(&order, Edit::DecideCause { cause, note })
        }
        Command::Notice { order, note } => env.edit(&order, Edit::IssueRepairNotice { note }),
        Command::ThirdParty { order, name, deduction, reason } => {
            env.edit(&order, Edit::CommissionThirdParty { third_party: name, deduction: deduction.parse()?, reason })
        }
        Command::Resolve { order, conflict, keep, note } => {
            let keep = match keep {
                KeepArg::Current => KeepSide::Current,
                KeepArg::Held => KeepSide::Held,
            };
            env.edit(&order, Edit::Resolve { conflict: EventId::new(conflict), keep, note })
        }
        Command::Note { order, text } => env.edit(&order, Edit::Note { text: words(&text) }),
        Command::Edit { order, description, location, category, urgency: u, findings, work } => {
            let mut fields = Vec::new();
            fields.extend(description.map(FieldEdit::Description));
            fields.extend(location.map(FieldEdit::Location));
            fields.extend(category.map(FieldEdit::Category));
            fields.extend(u.map(|u| FieldEdit::Urgency(urgency(u))));
            fields.extend(findings.map(FieldEdit::Findings));
            fields.extend(work.map(FieldEdit::WorkDone));
            if fields.is_empty() {
                return Err(CliError::bad(Msg::new(Key::NothingToChange)));
            }
            env.edit(&order, Edit::EditFields { fields })
        }
        Command::Material { order, name, spec, qty, unit, price, remove } => {
            if let Some(item) = remove {
                return env.edit(&order, Edit::RemoveMaterial { item });
            }
            let quantity: Quantity = qty.as_deref().unwrap_or("").parse()?;
            let unit_price: Money = price.parse()?;
            let m = NewMaterial {
                name: name.unwrap_or_default(),
                spec,
                quantity,
                unit: unit.unwrap_or_default(),
                unit_price,
            };
            env.edit(&order, Edit::AddMaterial(m))
        }
        Command::Labour { order, person, minutes, hours, rate, note } => {
            let minutes = match (minutes, hours) {
                (Some(m), _) => m,
                (None, Some(h)) => {
                    let q: Quantity = h.parse()?;
                    let minutes = (q.0.saturating_mul(60) + 500) / 1000;
                    validate::int(Field::Minutes, minutes)?;
                    u32::try_from(minutes).map_err(|_| CliError::bad(Msg::new(Key::GiveMinutes)))?
                }
                (None, None) => return Err(CliError::bad(Msg::new(Key::GiveMinutes))),
            };
            let person = match person {
                Some(p) => PersonId::new(p),
                None => env.ctx()?.by,
            };
            let hourly_rate: Money = rate.parse()?;
            env.edit(&order, Edit::AddLabour { person, minutes, hourly_rate, note })
        }
        Command::Search { query, limit } => {
            let rows = env.store.search(&words(&query), limit, env.now_ms())?;
            render::list(&rows, env.store.reference(), json, lang, env.store.settings().tz())
        }
        Command::Export { csv: _, out, full_phone, filter } => {
            let f = env.filter(&filter)?;
            let now_ms = env.now_ms();
            let n = match &out {
                Some(path) => {
                    let tmp = path.with_extension("csv.partial");
                    let mut file =
                        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
                    let n = env.store.export_ledger(&mut file, &f, full_phone, now_ms)?;
                    file.sync_all()?;
                    std::fs::rename(&tmp, path)?;
                    n
                }
                None => env.store.export_ledger(&mut std::io::stdout().lock(), &f, full_phone, now_ms)?,
            };
            if let Some(path) = out {
                render::exported(n, &path, json, lang)?;
            }
            Ok(())
        }
        Command::Sign { order, name, role, rating, opinion, strokes, kind, lat, lon } => {
            let id = env.find(&order)?;
            let ctx = env.ctx()?;
            let request = signoff_device::store::signoff::SignRequest {
                heads: None,
                kind: match kind {
                    KindArg::Signoff => StatementKind::Signoff,
                    KindArg::Quantity => StatementKind::QuantityConfirmation,
                },
                name,
                role: signer_role(role),
                rating,
                opinion,
                strokes: read_strokes(&strokes)?,
                place: lat.zip(lon).map(|(lat, lon)| Place::checked(lat, lon)).transpose()?,
            };
            let (view, _) = env.store.sign(&id, request, &ctx)?;
            render::edited(&view, json, lang)
        }
        Command::Refuse { order, reason } => env.edit(&order, Edit::RefuseSignoff { reason }),
        Command::Verify { order } => {
            let id = env.find(&order)?;
            let reports = env.store.verify_statements(&id)?;
            let progress = env.store.signoff_progress(&id)?;
            render::verification(&reports, &progress, env.store.settings().tz(), json, lang)?;
            // The verdict is the exit status too: scripts must not take a forged signature for a good one.
            let failed = reports.iter().filter(|r| !r.verdict.is_genuine()).count();
            if failed > 0 {
                return Err(CliError::with(
                    Msg::new(Key::VerificationFailed).arg("count", failed),
                    Exit::VerificationFailed,
                ));
            }
            if reports.iter().any(|r| r.counted && matches!(r.verdict, Verdict::ChangedAfterSignoff { .. })) {
                return Err(CliError::with(Msg::new(Key::ChangedSinceSigning), Exit::ChangedAfterSignoff));
            }
            Ok(())
        }
        Command::RenderSignature { order, statement, out, scale, .. } => {
            let Some(order) = order else { return Err(CliError::bad(Msg::new(Key::GiveOrderOrStrokes))) };
            let id = env.find(&order)?;
            let view = env.store.get(&id, env.now)?;
            let chosen = match &statement {
                Some(s) => view.order.statements.iter().find(|x| x.id.starts_with(s.as_str())),
                None => view.order.statements.iter().max_by_key(|x| x.statement().map(|s| s.signed_at_ms).unwrap_or(0)),
            };
            let chosen =
                chosen.ok_or_else(|| CliError::bad(Msg::new(Key::NoSuchSignoff).arg("order", order.as_str())))?;
            let sig = Signature::decode(&chosen.strokes)?;
            write_signature(&sig, &out, scale, json)
        }
        Command::Photo { command } => photo(&mut env, command),
        Command::Complaint { command } => complaint(&mut env, command),
        Command::Blobs { command } => match command {
            BlobsCommand::Check => {
                let check = env.store.check_blobs()?;
                render::blob_check(&check, json, lang)?;
                if !check.ok() {
                    return Err(CliError::with(Msg::new(Key::PhotoFilesDamaged), Exit::Failed));
                }
                Ok(())
            }
            BlobsCommand::Gc => render::gc(&env.store.collect_garbage(env.now_ms())?, json, lang),
            BlobsCommand::Space => render::space(&env.store.photo_space()?, json, lang),
        },
        Command::Enroll { url, code, name } => crate::sync_cmd::enroll(&mut env.store, &url, &code, &name, json, lang),
        Command::Sync { watch, interval, photos } => {
            crate::sync_cmd::sync(&mut env.store, watch, interval, photos, json, lang)
        }
        Command::Status => crate::sync_cmd::status(&mut env.store, json, lang),
        Command::RebuildIndex => {
            let report = env.store.rebuild_index()?;
            render::rebuilt(&report, json, lang)
        }
        Command::Stats => {
            let s = env.store.stats(env.now_ms())?;
            render::stats(&s, json, lang)
        }
    }
}

fn stage(s: StageArg) -> PhotoStage {
    match s {
        StageArg::Before => PhotoStage::Before,
        StageArg::During => PhotoStage::During,
        StageArg::After => PhotoStage::After,
        StageArg::Other => PhotoStage::Other,
    }
}

fn complaint(env: &mut Env, command: ComplaintCommand) -> Result<()> {
    use ComplaintCommand as C;
    let (order, edit) = match command {
        C::Classify { order, class, department, note } => {
            let class = match class {
                ClassArg::Valid => ComplaintClass::Valid,
                ClassArg::HelpRequest => ComplaintClass::HelpRequest,
                ClassArg::Enquiry => ComplaintClass::Enquiry,
                ClassArg::Venting => ComplaintClass::Venting,
            };
            (order, Edit::Classify { class, department, note })
        }
        C::Transfer { order, department, note } => (order, Edit::Transfer { department, note }),
        C::Handle { order, text } => (order, Edit::Handling { text: words(&text) }),
        C::Done { order, outcome } => (order, Edit::FinishHandling { summary: words(&outcome) }),
        C::Return { order, opinion } => (order, Edit::ReturnInvalid { opinion: words(&opinion) }),
        C::Evaluate { order, unsatisfied, text } => (order, Edit::Evaluate { satisfied: !unsatisfied, text }),
        C::Claim { order, amount, evidence } => (order, Edit::FileClaim { amount: amount.parse()?, evidence }),
        C::DecideClaim { order, approve, reject, amount, note } => {
            if approve == reject {
                return Err(CliError::bad(
                    Msg::new(Key::Empty).arg("field", Text::new("批准或驳回", "--approve or --reject")),
                ));
            }
            let amount = amount.map(|a| a.parse::<Money>()).transpose()?;
            (order, Edit::DecideClaim { approved: approve, amount, note })
        }
        C::Link { order, repair } => {
            let repair = env.find(&repair)?;
            (order, Edit::LinkOrder { order: repair })
        }
    };
    env.edit(&order, edit)
}

fn photo(env: &mut Env, command: PhotoCommand) -> Result<()> {
    match command {
        PhotoCommand::Add { order, files, stage: st, caption } => {
            let id = env.find(&order)?;
            let ctx = env.ctx()?;
            let (json, lang) = (env.json, env.lang);
            let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(2);
            let outcomes = env.store.attach_photos(&id, &files, stage(st), &caption, &ctx, workers, &mut |p| {
                if !json {
                    render::photo_progress(p, lang);
                }
            })?;
            let failed = outcomes.iter().filter(|o| o.is_err()).count();
            render::photos_added(&outcomes, json)?;
            if failed > 0 {
                return Err(CliError::bad(
                    Msg::new(Key::PhotosNotAttached).arg("failed", failed).arg("total", outcomes.len()),
                ));
            }
            Ok(())
        }
        PhotoCommand::Ls { order } => {
            let id = env.find(&order)?;
            let view = env.store.get(&id, env.now)?;
            render::photo_list(&view, &env.store, env.json, env.lang)
        }
        PhotoCommand::Export { order, out } => {
            let id = env.find(&order)?;
            let files = env.store.export_photos(&id, &out)?;
            render::photo_export(&files, env.json, env.lang)
        }
        PhotoCommand::Rm { order, photo, reason } => env.edit(&order, Edit::RemovePhoto { item: photo, reason }),
        PhotoCommand::Prepare { .. } => Ok(()),
    }
}

/// `signoff photo prepare`: the pipeline alone, no store (also what the photo benchmark times).
fn prepare_only(file: &std::path::Path, out: Option<&std::path::Path>, stamp: &[String], json: bool) -> Result<()> {
    let mut options = signoff_device::photo::PrepareOptions::default();
    if !stamp.is_empty() {
        options.stamp = Some(signoff_device::photo::Stamp {
            lines: stamp.to_vec(),
            fallback_ms: Utc::now().timestamp_millis(),
            tz: chrono::FixedOffset::east_opt(8 * 3600).context("time zone")?,
        });
    }
    let (_, prepared) = signoff_device::photo::prepare_file(file, &options)?;
    if let Some(dir) = out {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("evidence.jpg"), &prepared.evidence.bytes)?;
        std::fs::write(dir.join("thumbnail.jpg"), &prepared.thumbnail.bytes)?;
    }
    render::prepared(&prepared, json)
}

fn signer_role(r: RoleArg) -> SignerRole {
    match r {
        RoleArg::Owner => SignerRole::Owner,
        RoleArg::AuthorisedTenant => SignerRole::AuthorisedTenant,
        RoleArg::Supervisor => SignerRole::Supervisor,
        RoleArg::Project => SignerRole::Project,
        RoleArg::Contractor => SignerRole::Contractor,
        RoleArg::Repairer => SignerRole::Repairer,
    }
}

/// signature_pad's `toData()` JSON, `{width, height, strokes}`, or the binary strokes format.
fn read_strokes(path: &std::path::Path) -> Result<Signature> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if data.starts_with(b"SGS1") {
        return Ok(Signature::decode(&data)?);
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Input {
        Pad(Vec<Stroke>),
        Sized { width: u16, height: u16, strokes: Vec<Stroke> },
    }
    let input: Input = serde_json::from_slice(&data)
        .map_err(|_| CliError::bad(Msg::new(Key::BadStrokesFile).arg("path", path.display().to_string())))?;
    Ok(match input {
        Input::Pad(strokes) => Signature::from_strokes(&strokes, None)?,
        Input::Sized { width, height, strokes } => Signature::from_strokes(&strokes, Some((width, height)))?,
    })
}

fn write_signature(sig: &Signature, out: &std::path::Path, scale: u32, json: bool) -> Result<()> {
    let svg = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let bytes = if svg { sig.to_svg().into_bytes() } else { sig.to_png(scale) };
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    render::rendered(out, sig, json)
}
