//! Working-day calendar: weekends, public holidays and make-up working days (调休) as data.
//!
//! Chinese public holidays move every year and are compensated by working weekends, so neither can
//! be computed: the office imports the year's calendar. Dates are local dates of the organisation.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// A public holiday, possibly several days long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    /// First day off.
    pub from: NaiveDate,
    /// Last day off (inclusive).
    pub to: NaiveDate,
    /// Name, e.g. 国庆节.
    #[serde(default)]
    pub name: String,
}

/// Which days are working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WorkCalendar {
    /// Days of the week that are off (Saturday and Sunday by default).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["Sat", "Sun"])))]
    pub weekend: Vec<Weekday>,
    /// Public holidays.
    pub holidays: Vec<Holiday>,
    /// Weekend days that are working days (调休上班).
    pub makeup_workdays: Vec<NaiveDate>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar { weekend: vec![Weekday::Sat, Weekday::Sun], holidays: Vec::new(), makeup_workdays: Vec::new() }
    }
}

impl WorkCalendar {
    /// Whether `date` is a working day. A make-up working day wins over the weekend; a holiday wins
    /// over everything else.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.holidays.iter().any(|h| h.from <= date && date <= h.to) {
            return false;
        }
        if self.makeup_workdays.contains(&date) {
            return true;
        }
        !self.weekend.contains(&date.weekday())
    }

    /// The `n`th working day strictly after `date` (`n = 0` gives `date` itself). Gives up after ten
    /// years of non-working days, which only a broken calendar can cause, by returning the last day tried.
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        let mut guard = 0;
        while left > 0 && guard < 3660 {
            d = d.checked_add_days(Days::new(1)).unwrap_or(d);
            guard += 1;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days strictly between two local dates' ends: how many working days lie in `(from, to]`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut d = from;
        let mut count = 0;
        while d < to {
            d = match d.checked_add_days(Days::new(1)) {
                Some(next) => next,
                None => break,
            };
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }
}

/// The local date of an instant.
pub fn local_date(t: DateTime<Utc>, tz: FixedOffset) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The instant a local day ends (midnight at its end), in UTC.
pub fn end_of_local_day(date: NaiveDate, tz: FixedOffset) -> DateTime<Utc> {
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    let midnight = next.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        chrono::LocalResult::None => Utc.from_utc_datetime(&midnight),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    /// A National Day holiday shaped like the published ones: Oct 1–8 off, Sunday Sep 27 and
    /// Saturday Oct 10 worked instead (调休).
    fn cal_2026() -> WorkCalendar {
        WorkCalendar {
            holidays: vec![Holiday {
                from: d("2026-10-01"), to: d("2026-10-08"), name: "国庆节、中秋节".into()
            }],
            makeup_workdays: vec![d("2026-09-27"), d("2026-10-10")],
            ..WorkCalendar::default()
        }
    }

    #[test]
    fn working_days_table() {
        let cal = cal_2026();
        let cases = [
            ("2026-09-25", true, "Friday"),
            ("2026-09-26", false, "Saturday"),
            ("2026-09-27", true, "make-up Sunday"),
            ("2026-09-28", true, "Monday"),
            ("2026-10-01", false, "holiday"),
            ("2026-10-05", false, "holiday on a Monday"),
            ("2026-10-08", false, "last holiday day"),
            ("2026-10-09", true, "Friday after the holiday"),
            ("2026-10-10", true, "make-up Saturday"),
            ("2026-10-11", false, "ordinary Sunday"),
        ];
        for (date, working, why) in cases {
            assert_eq!(cal.is_working_day(d(date)), working, "{date}: {why}");
        }
    }

    #[test]
    fn nth_working_day_skips_weekends_holidays_and_counts_makeup_days() {
        let cal = cal_2026();
        let cases = [
            ("2026-11-16", 2, "2026-11-18", "Mon + 2 = Wed"),
            ("2026-11-19", 2, "2026-11-23", "Thu + 2 = Mon over a weekend"),
            ("2026-11-21", 2, "2026-11-24", "Sat + 2 = Tue"),
            ("2026-09-30", 2, "2026-10-10", "Wed before the holiday + 2 = Fri 10-09, then the make-up Sat 10-10"),
            ("2026-09-26", 1, "2026-09-27", "Sat + 1 = the make-up Sunday"),
            ("2026-11-16", 0, "2026-11-16", "zero days"),
        ];
        for (from, n, want, why) in cases {
            assert_eq!(cal.nth_working_day_after(d(from), n), d(want), "{why}");
        }
    }

    #[test]
    fn end_of_day_is_local_midnight() {
        let tz = FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix());
        let end = end_of_local_day(d("2026-11-16"), tz);
        assert_eq!(end.to_rfc3339(), "2026-11-16T16:00:00+00:00");
        assert_eq!(working_days_between_fixture(), 5);
    }

    fn working_days_between_fixture() -> i64 {
        WorkCalendar::default().working_days_between(d("2026-11-15"), d("2026-11-22"))
    }

    use chrono::Offset;
}
