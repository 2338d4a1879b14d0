//! The validation table: every text and number a person or a device can enter, with its limits, in
//! one place. The device store, the CLI, the app and the server all check input through it, so a
//! value refused on one is refused on all, with the same message.
//!
//! Texts are counted in characters (a Chinese character is one), trimmed before checking, and refused
//! when they hold control characters or Unicode text-direction controls (which can make a stored text
//! read differently from what it is: "Trojan Source"); one-line fields also refuse line breaks.
//! Money is integer fen and quantities integer thousandths, bounded so that no line total and no order
//! total can overflow; coordinates must be finite and on the globe; times must fall in a plausible
//! window of the clock of the device (or server) that checks them.
//!
//! The table is [`rule`]; `docs/validation.md` prints it, and a snapshot test keeps the two equal.

mod order;

pub use order::check_additions;

use crate::Rejection;
use crate::money::{Money, Quantity};
use crate::msg::{Key, Msg, Text, is_hidden_control};
use chrono::{DateTime, Utc};

/// Something a person or device enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// 报修内容.
    Description,
    /// 部位.
    Location,
    /// Preferred visit time, as the owner said it.
    PreferredTime,
    /// 检查情况.
    Findings,
    /// 维修内容.
    WorkDone,
    /// 报修人.
    ReporterName,
    /// 联系电话.
    ReporterPhone,
    /// 备注 (notes on events, contacts, assignments).
    Note,
    /// A reason (pause, refusal, reopening, closing, cancelling, removing a photo).
    Reason,
    /// 处理方案 (a complaint's plan).
    Plan,
    /// 责任部门.
    Department,
    /// 处理结果 (a complaint's outcome).
    Outcome,
    /// 证据说明 (a claim's evidence).
    Evidence,
    /// 索赔金额.
    ClaimAmount,
    /// 扣款金额 (from a late contractor's warranty deposit).
    Deduction,
    /// 照片说明.
    Caption,
    /// 材料名称.
    MaterialName,
    /// 规格.
    MaterialSpec,
    /// 单位 (of measure).
    MeasureUnit,
    /// 数量.
    Quantity,
    /// 单价.
    UnitPrice,
    /// 工时单价.
    HourlyRate,
    /// 工时 (minutes).
    Minutes,
    /// 签字人姓名.
    SignerName,
    /// 签署意见.
    Opinion,
    /// 满意度 1–5.
    Rating,
    /// 纬度.
    Latitude,
    /// 经度.
    Longitude,
    /// 定位精度 (metres).
    Accuracy,
    /// When an action happened (`--now`, an event's time).
    ActionTime,
    /// 预约时间.
    Appointment,
    /// 下次上门时间.
    NextVisit,
    /// 正式单号.
    OfficialNo,
    /// A person's id.
    PersonId,
    /// Any other id (unit, project, building, contractor, category, device).
    Id,
    /// A name in reference data (person, project, building, contractor, category).
    Name,
    /// A unit's label (房号).
    UnitLabel,
    /// An address.
    Address,
    /// A staff or contractor phone.
    Phone,
    /// Materials on one order.
    Materials,
    /// Labour lines on one order.
    LabourLines,
    /// Photos on one order.
    Photos,
    /// The order's cost.
    Cost,
    /// A SHA-256 in hex.
    Hash,
}

/// How a field is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A text.
    Text {
        /// Most characters.
        max: usize,
        /// Line breaks allowed.
        multiline: bool,
        /// Must not be empty.
        required: bool,
    },
    /// A phone number: digits, `+`, `-`, spaces and brackets, with 5–20 digits (or empty).
    Phone,
    /// An id: 1–64 printable characters without spaces.
    Id,
    /// An integer in a range.
    Int {
        /// Least.
        min: i64,
        /// Most.
        max: i64,
    },
    /// Money in fen.
    Fen {
        /// Least.
        min: i64,
        /// Most.
        max: i64,
    },
    /// A quantity in thousandths.
    Thousandths {
        /// Least (exclusive of zero when 1).
        min: i64,
        /// Most.
        max: i64,
    },
    /// Degrees, finite.
    Degrees {
        /// Least.
        min: i64,
        /// Most.
        max: i64,
    },
    /// A time: not before 2000-01-01, not more than `ahead_min` minutes after the checking clock,
    /// and, when `behind_days` is set, not more than that many days before it.
    Time {
        /// Minutes ahead of the clock allowed.
        ahead_min: i64,
        /// Days behind the clock allowed (`None`: back to 2000).
        behind_days: Option<i64>,
    },
    /// A count of items on one order.
    Count {
        /// Most.
        max: usize,
    },
    /// A SHA-256 in lowercase or uppercase hex.
    Sha256,
}

/// The earliest time Signoff accepts (2000-01-01T00:00:00Z).
pub const EARLIEST_MS: i64 = 946_684_800_000;
/// How far a device's action time may run ahead of its clock (clocks and `--now` typed by hand).
pub const AHEAD_MINUTES: i64 = 10;
/// How far ahead of the server's clock an event it accepts may be (devices' clocks drift).
pub const SERVER_AHEAD_MINUTES: i64 = 24 * 60;
/// Largest unit price: ¥1,000,000.00.
pub const MAX_UNIT_PRICE: Money = Money(100_000_000);
/// Largest hourly rate: ¥10,000.00.
pub const MAX_HOURLY_RATE: Money = Money(1_000_000);
/// Largest quantity: 100,000 of a unit.
pub const MAX_QUANTITY: Quantity = Quantity(100_000_000);
/// Largest total of an order: ¥100,000,000.00 (with the line limits, no sum can overflow).
pub const MAX_ORDER_TOTAL: Money = Money(10_000_000_000);

/// The validation table.
pub fn rule(field: Field) -> Rule {
    use Field as F;
    let text = |max, multiline, required| Rule::Text { max, multiline, required };
    match field {
        F::Description => text(2000, true, true),
        F::Location | F::PreferredTime => text(100, false, false),
        F::Findings | F::WorkDone | F::Note | F::Plan => text(2000, true, false),
        F::ReporterName => text(50, false, false),
        F::ReporterPhone | F::Phone => Rule::Phone,
        F::Reason => text(500, true, true),
        F::Department => text(50, false, true),
        F::Outcome | F::Evidence => text(2000, true, true),
        F::ClaimAmount => Rule::Fen { min: 1, max: MAX_ORDER_TOTAL.0 },
        F::Deduction => Rule::Fen { min: 0, max: MAX_ORDER_TOTAL.0 },
        F::Caption => text(200, false, false),
        F::MaterialName => text(100, false, true),
        F::MaterialSpec => text(100, false, false),
        F::MeasureUnit => text(20, false, true),
        F::Quantity => Rule::Thousandths { min: 1, max: MAX_QUANTITY.0 },
        F::UnitPrice => Rule::Fen { min: 0, max: MAX_UNIT_PRICE.0 },
        F::HourlyRate => Rule::Fen { min: 0, max: MAX_HOURLY_RATE.0 },
        F::Minutes => Rule::Int { min: 1, max: 24 * 60 },
        F::SignerName => text(50, false, true),
        F::Opinion => text(500, true, false),
        F::Rating => Rule::Int { min: 1, max: 5 },
        F::Latitude => Rule::Degrees { min: -90, max: 90 },
        F::Longitude => Rule::Degrees { min: -180, max: 180 },
        F::Accuracy => Rule::Int { min: 0, max: 100_000 },
        F::ActionTime => Rule::Time { ahead_min: AHEAD_MINUTES, behind_days: None },
        F::Appointment | F::NextVisit => Rule::Time { ahead_min: 366 * 24 * 60, behind_days: Some(31) },
        F::OfficialNo => text(40, false, true),
        F::PersonId | F::Id => Rule::Id,
        F::Name => text(100, false, true),
        F::UnitLabel => text(50, false, true),
        F::Address => text(200, false, false),
        F::Materials | F::LabourLines => Rule::Count { max: 200 },
        F::Photos => Rule::Count { max: 500 },
        F::Cost => Rule::Fen { min: 0, max: MAX_ORDER_TOTAL.0 },
        F::Hash => Rule::Sha256,
    }
}

impl Field {
    /// Every field, in table order.
    pub const ALL: &'static [Field] = &[
        Field::Description,
        Field::Location,
        Field::PreferredTime,
        Field::Findings,
        Field::WorkDone,
        Field::ReporterName,
        Field::ReporterPhone,
        Field::Note,
        Field::Reason,
        Field::Plan,
        Field::Department,
        Field::Outcome,
        Field::Evidence,
        Field::ClaimAmount,
        Field::Deduction,
        Field::Caption,
        Field::MaterialName,
        Field::MaterialSpec,
        Field::MeasureUnit,
        Field::Quantity,
        Field::UnitPrice,
        Field::HourlyRate,
        Field::Minutes,
        Field::SignerName,
        Field::Opinion,
        Field::Rating,
        Field::Latitude,
        Field::Longitude,
        Field::Accuracy,
        Field::ActionTime,
        Field::Appointment,
        Field::NextVisit,
        Field::OfficialNo,
        Field::PersonId,
        Field::Id,
        Field::Name,
        Field::UnitLabel,
        Field::Address,
        Field::Phone,
        Field::Materials,
        Field::LabourLines,
        Field::Photos,
        Field::Cost,
        Field::Hash,
    ];

    /// The field's name in both languages.
    pub fn label(self) -> Text {
        use Field as F;
        let (zh, en) = match self {
            F::Description => ("报修内容", "description"),
            F::Location => ("部位", "location"),
            F::PreferredTime => ("预约时间说明", "preferred visit time"),
            F::Findings => ("检查情况", "findings"),
            F::WorkDone => ("维修内容", "work done"),
            F::ReporterName => ("报修人", "reporter"),
            F::ReporterPhone => ("联系电话", "contact phone"),
            F::Note => ("备注", "note"),
            F::Reason => ("原因", "reason"),
            F::Plan => ("处理方案", "plan"),
            F::Department => ("责任部门", "responsible department"),
            F::Outcome => ("处理结果", "outcome"),
            F::Evidence => ("证据", "evidence"),
            F::ClaimAmount => ("索赔金额", "amount claimed"),
            F::Deduction => ("扣款金额", "deduction"),
            F::Caption => ("照片说明", "caption"),
            F::MaterialName => ("材料名称", "material name"),
            F::MaterialSpec => ("规格", "specification"),
            F::MeasureUnit => ("计量单位", "unit of measure"),
            F::Quantity => ("数量", "quantity"),
            F::UnitPrice => ("单价", "unit price"),
            F::HourlyRate => ("工时单价", "hourly rate"),
            F::Minutes => ("工时（分钟）", "minutes"),
            F::SignerName => ("签字人姓名", "signer's name"),
            F::Opinion => ("签署意见", "opinion"),
            F::Rating => ("满意度", "rating"),
            F::Latitude => ("纬度", "latitude"),
            F::Longitude => ("经度", "longitude"),
            F::Accuracy => ("定位精度（米）", "accuracy (m)"),
            F::ActionTime => ("操作时间", "time of the action"),
            F::Appointment => ("预约时间", "appointment"),
            F::NextVisit => ("下次上门时间", "next visit"),
            F::OfficialNo => ("正式单号", "official number"),
            F::PersonId => ("人员编号", "person id"),
            F::Id => ("编号", "id"),
            F::Name => ("名称", "name"),
            F::UnitLabel => ("房号", "unit"),
            F::Address => ("地址", "address"),
            F::Phone => ("电话", "phone"),
            F::Materials => ("材料", "material"),
            F::LabourLines => ("工时记录", "labour"),
            F::Photos => ("照片", "photo"),
            F::Cost => ("费用", "cost"),
            F::Hash => ("照片校验值", "photo hash"),
        };
        Text::new(zh, en)
    }
}

fn refuse(msg: Msg) -> Rejection {
    Rejection(msg)
}

/// Check a text against its field's rule. Returns the text trimmed.
pub fn text(field: Field, s: &str) -> Result<String, Rejection> {
    let t = s.trim();
    match rule(field) {
        Rule::Text { max, multiline, required } => {
            if required && t.is_empty() {
                return Err(refuse(Msg::new(Key::Empty).arg("field", field.label())));
            }
            check_chars(field, t, multiline)?;
            let len = t.chars().count();
            if len > max {
                return Err(refuse(Msg::new(Key::TooLong).arg("field", field.label()).arg("max", max).arg("len", len)));
            }
        }
        Rule::Phone => phone(field, t)?,
        Rule::Id => id(field, t)?,
        Rule::Sha256 => {
            if !(t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())) {
                return Err(refuse(Msg::new(Key::NotAHash).arg("field", field.label())));
            }
        }
        _ => check_chars(field, t, false)?,
    }
    Ok(t.to_owned())
}

/// Check an optional text (empty passes unless the rule requires it).
pub fn opt_text(field: Field, s: Option<&str>) -> Result<(), Rejection> {
    match s {
        Some(s) => text(field, s).map(|_| ()),
        None => Ok(()),
    }
}

fn check_chars(field: Field, t: &str, multiline: bool) -> Result<(), Rejection> {
    if t.chars().any(|c| is_hidden_control(c) || c == '\r') {
        return Err(refuse(Msg::new(Key::HiddenCharacters).arg("field", field.label())));
    }
    if !multiline && t.contains(['\n', '\t']) {
        return Err(refuse(Msg::new(Key::OneLine).arg("field", field.label())));
    }
    Ok(())
}

fn phone(field: Field, t: &str) -> Result<(), Rejection> {
    if t.is_empty() {
        return Ok(());
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    if !allowed || !(5..=20).contains(&digits) {
        return Err(refuse(Msg::new(Key::BadPhone).arg("field", field.label()).arg("value", t)));
    }
    Ok(())
}

/// Most characters in an id.
pub const MAX_ID: usize = 64;

fn id(field: Field, t: &str) -> Result<(), Rejection> {
    let ok = !t.is_empty()
        && t.chars().count() <= MAX_ID
        && !t.chars().any(|c| c.is_whitespace() || c.is_control() || is_hidden_control(c));
    if ok {
        Ok(())
    } else if t.is_empty() {
        Err(refuse(Msg::new(Key::Empty).arg("field", field.label())))
    } else {
        Err(refuse(Msg::new(Key::BadId).arg("field", field.label()).arg("value", t).arg("max", MAX_ID)))
    }
}

fn range_error(field: Field, min: impl ToString, max: impl ToString, value: impl ToString) -> Rejection {
    refuse(
        Msg::new(Key::OutOfRange)
            .arg("field", field.label())
            .arg("min", min.to_string())
            .arg("max", max.to_string())
            .arg("value", value.to_string()),
    )
}

/// Check an integer.
pub fn int(field: Field, v: i64) -> Result<(), Rejection> {
    match rule(field) {
        Rule::Int { min, max } | Rule::Degrees { min, max } if v < min || v > max => {
            Err(range_error(field, min, max, v))
        }
        _ => Ok(()),
    }
}

/// Check an amount of money.
pub fn money(field: Field, m: Money) -> Result<(), Rejection> {
    match rule(field) {
        Rule::Fen { min, max } if m.0 < min || m.0 > max => Err(range_error(field, Money(min), Money(max), m)),
        _ => Ok(()),
    }
}

/// Check a quantity.
pub fn quantity(field: Field, q: Quantity) -> Result<(), Rejection> {
    match rule(field) {
        Rule::Thousandths { min, max } if q.0 < min || q.0 > max => {
            Err(range_error(field, Quantity(min), Quantity(max), q))
        }
        _ => Ok(()),
    }
}

/// Check a number of degrees (or metres of accuracy): finite and in range.
pub fn degrees(field: Field, v: f64) -> Result<(), Rejection> {
    if !v.is_finite() {
        return Err(refuse(Msg::new(Key::NotFinite).arg("field", field.label())));
    }
    match rule(field) {
        Rule::Degrees { min, max } | Rule::Int { min, max } if v < min as f64 || v > max as f64 => {
            Err(range_error(field, min, max, format!("{v}")))
        }
        _ => Ok(()),
    }
}

/// Check a count of items.
pub fn count(field: Field, n: usize) -> Result<(), Rejection> {
    match rule(field) {
        Rule::Count { max } if n > max => {
            Err(refuse(Msg::new(Key::TooManyItems).arg("field", field.label()).arg("max", max)))
        }
        _ => Ok(()),
    }
}

fn show_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Check a time against the clock of whoever checks (the device's, or the server's).
pub fn time(field: Field, at_ms: i64, clock: DateTime<Utc>) -> Result<(), Rejection> {
    let Rule::Time { ahead_min, behind_days } = rule(field) else { return Ok(()) };
    time_within(field, at_ms, clock, ahead_min, behind_days)
}

/// [`time`] with an explicit allowance ahead of the clock (the server allows a day of drift).
pub fn time_within(
    field: Field,
    at_ms: i64,
    clock: DateTime<Utc>,
    ahead_min: i64,
    behind_days: Option<i64>,
) -> Result<(), Rejection> {
    let now = clock.timestamp_millis();
    let latest = now.saturating_add(ahead_min.saturating_mul(60_000));
    let earliest = match behind_days {
        Some(d) => now.saturating_sub(d.saturating_mul(86_400_000)).max(EARLIEST_MS),
        None => EARLIEST_MS,
    };
    if at_ms < EARLIEST_MS {
        return Err(refuse(
            Msg::new(Key::TimeTooEarly)
                .arg("field", field.label())
                .arg("value", show_time(at_ms))
                .arg("min", show_time(EARLIEST_MS)),
        ));
    }
    if behind_days.is_none() && at_ms > latest {
        return Err(refuse(
            Msg::new(Key::TimeInFuture)
                .arg("field", field.label())
                .arg("value", show_time(at_ms))
                .arg("minutes", ahead_min),
        ));
    }
    if at_ms < earliest || at_ms > latest {
        return Err(refuse(
            Msg::new(Key::TimeOutOfWindow)
                .arg("field", field.label())
                .arg("value", show_time(at_ms))
                .arg("min", show_time(earliest))
                .arg("max", show_time(latest)),
        ));
    }
    Ok(())
}

/// `a + b` for an order's total, refused past [`MAX_ORDER_TOTAL`].
pub fn add_cost(a: Money, b: Money) -> Result<Money, Rejection> {
    a.0.checked_add(b.0).filter(|s| *s <= MAX_ORDER_TOTAL.0 && *s >= 0).map(Money).ok_or_else(cost_too_large)
}

/// The refusal of an order total past [`MAX_ORDER_TOTAL`].
pub fn cost_too_large() -> Rejection {
    refuse(Msg::new(Key::AmountTooLarge).arg("field", Field::Cost.label()).arg("max", MAX_ORDER_TOTAL))
}

/// A spreadsheet cell that cannot run as a formula: a text starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return gets a leading apostrophe (OWASP's advice against CSV injection), which Excel,
/// LibreOffice and WPS show as the text itself.
pub fn neutralise_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

impl From<Money> for crate::msg::Arg {
    fn from(m: Money) -> crate::msg::Arg {
        crate::msg::Arg::Value(m.to_string())
    }
}

impl From<Quantity> for crate::msg::Arg {
    fn from(q: Quantity) -> crate::msg::Arg {
        crate::msg::Arg::Value(q.to_string())
    }
}

/// The table as Markdown (`docs/validation.md` holds it; a test keeps them equal).
pub fn table_markdown() -> String {
    let mut out = String::from("| field | 字段 | rule |\n|---|---|---|\n");
    for f in Field::ALL {
        let l = f.label();
        let r = match rule(*f) {
            Rule::Text { max, multiline, required } => format!(
                "text, ≤ {max} characters{}{}",
                if multiline { ", line breaks allowed" } else { ", one line" },
                if required { ", required" } else { "" }
            ),
            Rule::Phone => "phone: digits, + - space ( ), 5–20 digits".into(),
            Rule::Id => format!("id: 1–{MAX_ID} characters, no spaces or controls"),
            Rule::Int { min, max } => format!("integer {min}–{max}"),
            Rule::Fen { min, max } => format!("money ¥{}–¥{}", Money(min), Money(max)),
            Rule::Thousandths { min, max } => format!("quantity {}–{}", Quantity(min), Quantity(max)),
            Rule::Degrees { min, max } => format!("finite degrees {min}–{max}"),
            Rule::Time { ahead_min, behind_days: None } => {
                format!("time from 2000-01-01 to {ahead_min} min after the checking clock")
            }
            Rule::Time { ahead_min, behind_days: Some(d) } => {
                format!("time from {d} days before to {} days after the checking clock", ahead_min / 1440)
            }
            Rule::Count { max } => format!("at most {max} per order"),
            Rule::Sha256 => "64 hex digits".into(),
        };
        out.push_str(&format!("| {} | {} | {r} |\n", l.en, l.zh));
    }
    out.push_str(
        "\nEvery text: trimmed; no C0/C1 control characters (except line feed and tab where line breaks are \
         allowed), no Unicode text-direction controls (U+061C, U+200E/F, U+202A–E, U+2066–9), no U+2028/9, \
         U+FEFF, U+FFFE/F. Spreadsheet cells starting with = + - @ tab or CR get a leading apostrophe.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bounded_and_clean() {
        assert!(text(Field::Description, "卫生间漏水").is_ok());
        assert_eq!(text(Field::Description, "  漏水 \n").ok().as_deref(), Some("漏水"));
        assert_eq!(text(Field::Description, " ").map_err(|e| e.code()), Err("empty"));
        let long = "漏".repeat(2001);
        assert_eq!(text(Field::Description, &long).map_err(|e| e.code()), Err("too_long"));
        assert!(text(Field::Description, &"漏".repeat(2000)).is_ok(), "counted in characters, not bytes");
        for bad in ["a\u{202e}b", "a\u{0}b", "a\u{1b}[31mb", "a\u{2066}b", "a\rb", "a\u{85}b"] {
            assert_eq!(text(Field::Description, bad).map_err(|e| e.code()), Err("hidden_characters"), "{bad:?}");
        }
        assert!(text(Field::Findings, "第一行\n第二行").is_ok());
        assert_eq!(text(Field::SignerName, "王\n女士").map_err(|e| e.code()), Err("one_line"));
        assert!(text(Field::Caption, "家里有 👨\u{200d}👩\u{200d}👧").is_ok(), "joiners in emoji are fine");
    }

    #[test]
    fn numbers_times_and_places() {
        assert!(int(Field::Rating, 5).is_ok());
        assert_eq!(int(Field::Rating, 9).map_err(|e| e.code()), Err("out_of_range"));
        assert_eq!(degrees(Field::Latitude, f64::NAN).map_err(|e| e.code()), Err("not_finite"));
        assert_eq!(degrees(Field::Latitude, 999.0).map_err(|e| e.code()), Err("out_of_range"));
        assert!(degrees(Field::Longitude, 120.1551).is_ok());
        assert_eq!(money(Field::UnitPrice, Money(-1)).map_err(|e| e.code()), Err("out_of_range"));
        assert_eq!(quantity(Field::Quantity, Quantity(0)).map_err(|e| e.code()), Err("out_of_range"));
        let clock = DateTime::from_timestamp_millis(1_763_300_000_000).unwrap_or_default();
        let year_9999 = 253_370_764_800_000;
        assert_eq!(time(Field::ActionTime, year_9999, clock).map_err(|e| e.code()), Err("time_in_future"));
        assert_eq!(time(Field::ActionTime, 0, clock).map_err(|e| e.code()), Err("time_too_early"));
        assert!(time(Field::ActionTime, clock.timestamp_millis() - 86_400_000 * 30, clock).is_ok(), "back-filling");
        assert!(add_cost(MAX_ORDER_TOTAL, Money(1)).is_err());
        assert!(add_cost(Money(i64::MAX), Money(i64::MAX)).is_err());
    }

    #[test]
    fn phones_and_ids() {
        for ok in ["13812345678", "+86 138-1234-5678", "(0755) 8888 8888", ""] {
            assert!(text(Field::ReporterPhone, ok).is_ok(), "{ok}");
        }
        for bad in ["abc", "1234", "138123456781381234567", "=1+1"] {
            assert_eq!(text(Field::ReporterPhone, bad).map_err(|e| e.code()), Err("bad_phone"), "{bad}");
        }
        assert!(text(Field::Id, "CH-1-201").is_ok());
        assert_eq!(text(Field::Id, "CH 1").map_err(|e| e.code()), Err("bad_id"));
    }

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        for (input, cell) in
            [("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("漏水", "漏水")]
        {
            assert_eq!(neutralise_cell(input), cell);
        }
    }
}
