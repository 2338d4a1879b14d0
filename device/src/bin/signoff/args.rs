//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Signoff: offline-first repair work orders (报修 → 派工 → 维修 → 验收 → 回访).
#[derive(Debug, Parser)]
#[command(name = "signoff", version, about, max_term_width = 110)]
pub struct Cli {
    /// The store file.
    #[arg(long, global = true, env = "SIGNOFF_STORE", default_value = "signoff.db")]
    pub store: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The time to act at (RFC 3339 or `YYYY-MM-DD HH:MM` local), for scripts and demos; default: now.
    #[arg(long, global = true, env = "SIGNOFF_NOW")]
    pub now: Option<String>,
    /// The person acting (default: the person the device was set up for).
    #[arg(long = "as", global = true, env = "SIGNOFF_AS", value_name = "PERSON")]
    pub as_person: Option<String>,
    /// Language of labels and messages.
    #[arg(long, global = true, env = "SIGNOFF_LANG", value_enum, default_value = "zh")]
    pub lang: Lang,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

impl From<Lang> for signoff_core::msg::Lang {
    fn from(l: Lang) -> Self {
        match l {
            Lang::Zh => signoff_core::msg::Lang::Zh,
            Lang::En => signoff_core::msg::Lang::En,
        }
    }
}

/// A callback grade (回访记录).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassArg {
    /// 有效投诉.
    Valid,
    /// 沟通性投诉：求助.
    HelpRequest,
    /// 沟通性投诉：咨询.
    Enquiry,
    /// 沟通性投诉：发泄.
    Venting,
}

/// Complaint steps.
#[derive(Debug, Subcommand)]
pub enum ComplaintCommand {
    /// Classify and name the responsible department (投诉分类).
    Classify {
        order: String,
        #[arg(value_enum)]
        class: ClassArg,
        #[arg(long)]
        department: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Pass to the responsible department (投诉转交; due within 1 working day).
    Transfer {
        order: String,
        #[arg(long)]
        department: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record how it is being handled (处理经过).
    Handle {
        order: String,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Handling finished, with the outcome (处理完毕); the callback follows.
    Done {
        order: String,
        #[arg(required = true, num_args = 1..)]
        outcome: Vec<String>,
    },
    /// Return as invalid with the department head's opinion (退回; a supervisor).
    Return {
        order: String,
        #[arg(required = true, num_args = 1..)]
        opinion: Vec<String>,
    },
    /// The owner's evaluation of the handling (客户评价).
    Evaluate {
        order: String,
        #[arg(long)]
        unsatisfied: bool,
        #[arg(long, default_value = "")]
        text: String,
    },
    /// A claim for compensation (索赔), in yuan, with its evidence.
    Claim {
        order: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        evidence: String,
    },
    /// A supervisor approves (optionally a smaller amount) or rejects the pending claim.
    DecideClaim {
        order: String,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        amount: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Link a repair order to the complaint (关联工单).
    Link { order: String, repair: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GradeArg {
    /// 满意.
    Satisfied,
    /// 基本满意.
    Fair,
    /// 不满意.
    Unsatisfied,
}

impl From<GradeArg> for signoff_core::model::Grade {
    fn from(g: GradeArg) -> Self {
        match g {
            GradeArg::Satisfied => signoff_core::model::Grade::Satisfied,
            GradeArg::Fair => signoff_core::model::Grade::Fair,
            GradeArg::Unsatisfied => signoff_core::model::Grade::Unsatisfied,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrgencyArg {
    Emergency,
    Important,
    Normal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Hotline,
    WalkIn,
    Written,
    App,
    Inspection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CauseArg {
    Owner,
    Misuse,
    NotOwner,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeepArg {
    Current,
    Held,
}

/// Filters shared by `list` and `export`.
#[derive(Debug, Args, Default)]
pub struct FilterArgs {
    /// Only my jobs.
    #[arg(long)]
    pub mine: bool,
    /// Only complaints (投诉).
    #[arg(long, conflicts_with = "repairs")]
    pub complaints: bool,
    /// Only repairs (报修).
    #[arg(long)]
    pub repairs: bool,
    /// Assigned to this person or contractor.
    #[arg(long)]
    pub assignee: Option<String>,
    /// Status (repeatable): reported, assigned, on_site, paused, completed, signoff_refused, signed_off,
    /// reopened, closed, cancelled.
    #[arg(long = "status")]
    pub statuses: Vec<String>,
    /// Only open orders.
    #[arg(long)]
    pub open: bool,
    /// Only overdue orders.
    #[arg(long)]
    pub overdue: bool,
    /// Only orders that need attention (conflicts, refusals).
    #[arg(long)]
    pub attention: bool,
    /// In this unit.
    #[arg(long)]
    pub unit: Option<String>,
    /// In this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Reported on or after this date (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Reported before this date (YYYY-MM-DD, exclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many.
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    /// 维修前.
    Before,
    /// 维修中.
    During,
    /// 维修后.
    After,
    /// 其他.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// 业主.
    Owner,
    /// 授权住户.
    AuthorisedTenant,
    /// 监理.
    Supervisor,
    /// 项目部.
    Project,
    /// 施工单位.
    Contractor,
    /// 维修部.
    Repairer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// 验收签字.
    Signoff,
    /// 工程量确认单.
    Quantity,
}

#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Attach photos to an order (several files are processed on both cores, with progress).
    Add {
        order: String,
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "during")]
        stage: StageArg,
        #[arg(long, default_value = "")]
        caption: String,
    },
    /// List an order's photos.
    Ls { order: String },
    /// Write an order's evidence photos to a folder.
    Export {
        order: String,
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Remove a photo from an order (a photo the owner signed for cannot be removed).
    Rm {
        order: String,
        /// The photo id (shown by `photo ls`).
        photo: String,
        #[arg(long)]
        reason: String,
    },
    /// Make the evidence copy and thumbnail of a file without a store, to check a photo or a camera.
    Prepare {
        file: PathBuf,
        /// Write evidence.jpg and thumbnail.jpg here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Burn in a stamp with these lines (after the capture time).
        #[arg(long)]
        stamp: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlobsCommand {
    /// Re-hash every photo file and compare with what the orders need.
    Check,
    /// Delete photo files no order references.
    Gc,
    /// Space used by originals, evidence copies and thumbnails.
    Space,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store on this device.
    Init {
        /// The person who uses this device.
        #[arg(long)]
        person: Option<String>,
    },
    /// Import reference data: a JSON bundle, or a CSV of one kind (projects, buildings, units, people, contractors).
    Import {
        /// The file.
        file: PathBuf,
        /// The kind of a CSV file (default: from the file name).
        #[arg(long)]
        kind: Option<String>,
    },
    /// Register a new report (报修登记).
    New {
        /// Unit id.
        #[arg(long)]
        unit: String,
        /// Reporter's name.
        #[arg(long)]
        reporter: String,
        /// Reporter's phone.
        #[arg(long, default_value = "")]
        phone: String,
        /// Category code (leak, plumbing, electrical, doors_windows, walls_floors, fittings, common_area, hvac).
        #[arg(long)]
        category: String,
        /// Urgency (default: the category's).
        #[arg(long, value_enum)]
        urgency: Option<UrgencyArg>,
        /// How it was reported.
        #[arg(long, value_enum, default_value = "hotline")]
        channel: ChannelArg,
        /// A complaint (投诉) rather than a repair.
        #[arg(long)]
        complaint: bool,
        /// Where in the unit (部位).
        #[arg(long, default_value = "")]
        location: String,
        /// Preferred visit time, free text.
        #[arg(long, default_value = "")]
        preferred: String,
        /// What is wrong.
        #[arg(required = true, num_args = 1..)]
        description: Vec<String>,
    },
    /// List orders, most urgent deadline first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// My jobs for today (open field work, by appointment).
        #[arg(long)]
        today: bool,
    },
    /// Show an order: details, deadlines, routing, timeline.
    Show { order: String },
    /// Assign to a technician or contractor (派工).
    Assign {
        order: String,
        /// Technician's person id.
        #[arg(long, conflicts_with_all = ["contractor", "auto"])]
        to: Option<String>,
        /// Contractor id.
        #[arg(long, conflicts_with = "auto")]
        contractor: Option<String>,
        /// Take the first dispatch suggestion.
        #[arg(long)]
        auto: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Show the dispatch suggestion for an order.
    Suggest { order: String },
    /// Agree a visit (预约).
    Schedule {
        order: String,
        #[arg(long)]
        at: String,
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record a call to the owner (联系业主); a reached owner meets the 2-hour target.
    Contact {
        order: String,
        #[arg(long, default_value = "")]
        note: String,
        /// The owner did not answer.
        #[arg(long)]
        unreached: bool,
    },
    /// Arrive on site (到场).
    Arrive { order: String },
    /// Pause: the job cannot be finished now (暂停).
    Pause {
        order: String,
        #[arg(long)]
        reason: String,
        /// Next agreed visit.
        #[arg(long)]
        next: Option<String>,
        /// The owner was told (the office's hold before the visit: weather, parts).
        #[arg(long)]
        owner_told: bool,
    },
    /// Complete the repair (完工).
    Complete {
        order: String,
        /// What was found (检查情况).
        #[arg(long)]
        findings: Option<String>,
        /// What was done (维修内容).
        #[arg(long)]
        work: Option<String>,
    },
    /// Cancel (取消).
    Cancel {
        order: String,
        #[arg(long)]
        reason: String,
    },
    /// Reopen (返修).
    Reopen {
        order: String,
        #[arg(long)]
        reason: String,
    },
    /// Close without a satisfied callback (关闭).
    Close {
        order: String,
        #[arg(long)]
        reason: String,
    },
    /// Complete the intake of an order a technician opened on site (补单).
    CompleteIntake {
        order: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record a callback (回访).
    Callback {
        order: String,
        /// The owner is satisfied.
        #[arg(long, conflicts_with_all = ["unsatisfied", "unreached"])]
        satisfied: bool,
        /// The owner is not satisfied (reopens the order).
        #[arg(long, conflicts_with = "unreached")]
        unsatisfied: bool,
        /// The owner could not be reached.
        #[arg(long)]
        unreached: bool,
        /// Satisfaction 1–5.
        #[arg(long)]
        rating: Option<u8>,
        /// Called on site rather than by phone (上门回访).
        #[arg(long)]
        visit: bool,
        /// 维修质量.
        #[arg(long, value_enum)]
        quality: Option<GradeArg>,
        /// 维修及时性.
        #[arg(long, value_enum)]
        speed: Option<GradeArg>,
        /// 服务态度.
        #[arg(long, value_enum)]
        manner: Option<GradeArg>,
        /// Not reached: when to try again.
        #[arg(long, requires = "unreached")]
        next_try: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Answer a complaint with a plan (投诉答复).
    Reply {
        order: String,
        #[arg(long)]
        plan: String,
    },
    /// Decide the cause (维修分判).
    Cause {
        order: String,
        #[arg(value_enum)]
        cause: CauseArg,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Give a late contractor's job to a third party and deduct the cost from the contractor (扣款).
    ThirdParty {
        order: String,
        /// Who repairs it now.
        #[arg(long)]
        name: String,
        /// The deduction, in yuan.
        #[arg(long)]
        deduction: String,
        /// The basis of the deduction.
        #[arg(long)]
        reason: String,
    },
    /// Record a quality-repair notice sent to a late contractor (《质量维修通知单》).
    Notice {
        order: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Resolve a conflict by keeping one side.
    Resolve {
        order: String,
        /// The conflict id (shown by `show`).
        #[arg(long)]
        conflict: String,
        #[arg(long, value_enum)]
        keep: KeepArg,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Add a note (备注).
    Note {
        order: String,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Edit text fields.
    Edit {
        order: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        location: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long, value_enum)]
        urgency: Option<UrgencyArg>,
        #[arg(long)]
        findings: Option<String>,
        #[arg(long)]
        work: Option<String>,
    },
    /// Add a material line (材料), or remove one with --remove.
    Material {
        order: String,
        #[arg(long, required_unless_present = "remove")]
        name: Option<String>,
        #[arg(long, default_value = "")]
        spec: String,
        /// Quantity, e.g. 1.5.
        #[arg(long, required_unless_present = "remove")]
        qty: Option<String>,
        /// Unit of measure (个, 米, 卷…).
        #[arg(long, required_unless_present = "remove")]
        unit: Option<String>,
        /// Unit price in yuan, e.g. 12.50.
        #[arg(long, default_value = "0")]
        price: String,
        /// Remove the line with this id.
        #[arg(long, conflicts_with_all = ["name", "qty"])]
        remove: Option<String>,
    },
    /// Record labour (工时).
    Labour {
        order: String,
        /// Who worked (default: the acting person).
        #[arg(long)]
        person: Option<String>,
        /// Minutes worked.
        #[arg(long, required_unless_present = "hours", conflicts_with = "hours")]
        minutes: Option<u32>,
        /// Hours worked, e.g. 1.5.
        #[arg(long)]
        hours: Option<String>,
        /// Hourly rate in yuan.
        #[arg(long, default_value = "0")]
        rate: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Full-text search (numbers, unit, names, description, notes; Chinese substrings work).
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Export the repair ledger (维修台帐) as CSV.
    Export {
        /// CSV output (the only format for now).
        #[arg(long)]
        csv: bool,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include owners' full phone numbers (masked by default).
        #[arg(long)]
        full_phone: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// The owner (or another party) signs the completed order (验收签字) on this device.
    Sign {
        order: String,
        /// Signer's name as written.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "owner")]
        role: RoleArg,
        /// Satisfaction 1–5.
        #[arg(long)]
        rating: Option<u8>,
        /// 签署意见.
        #[arg(long, default_value = "")]
        opinion: String,
        /// The handwritten signature: signature_pad JSON (`toData()`, or {width, height, strokes}) or the
        /// binary strokes format.
        #[arg(long)]
        strokes: PathBuf,
        /// What is signed.
        #[arg(long, value_enum, default_value = "signoff")]
        kind: KindArg,
        /// Where it was signed.
        #[arg(long, requires = "lon", allow_hyphen_values = true)]
        lat: Option<f64>,
        #[arg(long, requires = "lat", allow_hyphen_values = true)]
        lon: Option<f64>,
    },
    /// The owner refuses to sign (拒签); the order stays open and is flagged for the office.
    Refuse {
        order: String,
        #[arg(long)]
        reason: String,
    },
    /// Verify every sign-off of an order: valid, or changed after sign-off (with the fields), or forged.
    Verify { order: String },
    /// Render a handwritten signature to PNG or SVG (by the output's extension).
    RenderSignature {
        /// The order whose statement to render.
        order: Option<String>,
        /// Which statement (default: the latest).
        #[arg(long)]
        statement: Option<String>,
        /// Or a strokes file instead of an order.
        #[arg(long, conflicts_with = "order")]
        strokes: Option<PathBuf>,
        /// Output file (.png or .svg).
        #[arg(long)]
        out: PathBuf,
        /// Pixels per CSS pixel for PNG.
        #[arg(long, default_value_t = 2)]
        scale: u32,
    },
    /// Complaint steps (投诉): classify, transfer, handling notes, finish, return as invalid, the owner's
    /// evaluation, compensation claims, linked orders. Answer with `reply`, call back with `callback`.
    Complaint {
        #[command(subcommand)]
        command: ComplaintCommand,
    },
    /// Photo evidence (照片): add, list, export, remove; prepare a file without a store.
    Photo {
        #[command(subcommand)]
        command: PhotoCommand,
    },
    /// Photo files on this device: integrity check, garbage collection, space used.
    Blobs {
        #[command(subcommand)]
        command: BlobsCommand,
    },
    /// Recreate the index from the documents.
    RebuildIndex,
    /// Counts by status, overdue, attention and storage.
    Stats,
    /// Enrol this device with the office server using a one-time code (登记设备).
    Enroll {
        /// Server address, e.g. https://office.example.com
        url: String,
        /// The one-time code from the office.
        code: String,
        /// A name for this device ("王建国的手机").
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Sync with the server now (同步): send local changes and photos, receive assigned orders.
    Sync {
        /// Keep syncing: every --interval seconds, backing off after failures.
        #[arg(long)]
        watch: bool,
        /// Seconds between syncs with --watch.
        #[arg(long, default_value_t = 60)]
        interval: u64,
        /// Also fetch the evidence photos of every order (not only thumbnails).
        #[arg(long)]
        photos: bool,
    },
    /// Sync status: the server account and each order's sync state (同步状态).
    Status,
}
