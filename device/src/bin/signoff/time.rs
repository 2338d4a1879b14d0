//! Reading times typed on the command line, in the organisation's local time.

use anyhow::Result;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

fn local(dt: NaiveDateTime, tz: FixedOffset) -> Result<DateTime<Utc>> {
    tz.from_local_datetime(&dt).single().map(|t| t.with_timezone(&Utc)).ok_or_else(|| {
        crate::error::CliError::bad(
            signoff_core::msg::Msg::new(signoff_core::msg::Key::BadTime).arg("value", dt.to_string()),
        )
    })
}

/// `2026-11-16T09:00:00+08:00`, `2026-11-16 09:00`, `2026-11-16`, `09:00` (today), `tomorrow 09:00`.
pub fn parse(s: &str, now: DateTime<Utc>, tz: FixedOffset) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return local(dt, tz);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local(d.and_time(NaiveTime::MIN), tz);
    }
    let today = now.with_timezone(&tz).date_naive();
    let (day, rest) = match s.split_once(' ') {
        Some(("tomorrow" | "明天", rest)) => (today.checked_add_days(Days::new(1)).unwrap_or(today), rest),
        Some(("today" | "今天", rest)) => (today, rest),
        _ => (today, s),
    };
    if let Ok(t) = NaiveTime::parse_from_str(rest.trim(), "%H:%M") {
        return local(day.and_time(t), tz);
    }
    Err(crate::error::CliError::bad(signoff_core::msg::Msg::new(signoff_core::msg::Key::BadTime).arg("value", s)))
}

/// The start of a local date as an instant.
pub fn date_start(s: &str, tz: FixedOffset) -> Result<i64> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        crate::error::CliError::bad(signoff_core::msg::Msg::new(signoff_core::msg::Key::BadTime).arg("value", s))
    })?;
    Ok(local(d.and_time(NaiveTime::MIN), tz)?.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let tz = FixedOffset::east_opt(8 * 3600).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-16T10:00:00+08:00").unwrap().with_timezone(&Utc);
        let want = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(parse("2026-11-17 14:30", now, tz).unwrap(), want("2026-11-17T14:30:00+08:00"));
        assert_eq!(parse("14:30", now, tz).unwrap(), want("2026-11-16T14:30:00+08:00"));
        assert_eq!(parse("tomorrow 09:00", now, tz).unwrap(), want("2026-11-17T09:00:00+08:00"));
        assert_eq!(parse("2026-11-17T06:30:00Z", now, tz).unwrap(), want("2026-11-17T14:30:00+08:00"));
        assert!(parse("next week", now, tz).is_err());
    }
}
