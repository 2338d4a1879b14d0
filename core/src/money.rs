//! Money and quantities as integers, so totals never drift through floating point.
//!
//! Money is counted in fen (分, 1/100 yuan); quantities in thousandths of their unit. Both parse from
//! and print as decimal text (`"12.50"`, `"1.5"`), which is what people type and what exports show.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An amount of money in fen (1/100 yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Money(pub i64);

/// A quantity in thousandths of its unit (1.5 m is `Quantity(1500)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Quantity(pub i64);

/// A decimal number that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid {what} (expected a number with at most {max_decimals} decimals)")]
pub struct ParseDecimalError {
    /// What the user typed (shortened).
    pub input: String,
    /// `amount` or `quantity`.
    pub what: &'static str,
    /// Decimal places accepted.
    pub max_decimals: u32,
}

fn parse_scaled(s: &str, decimals: u32, what: &'static str) -> Result<i64, ParseDecimalError> {
    let err = || ParseDecimalError { input: s.chars().take(40).collect(), what, max_decimals: decimals };
    let t = s.trim().trim_start_matches(['¥', '￥']);
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int_part, frac_part) = t.split_once('.').unwrap_or((t, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
        || frac_part.len() > decimals as usize
        || int_part.len() > 12
    {
        return Err(err());
    }
    let scale = 10i64.pow(decimals);
    let whole: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| err())? };
    let mut frac: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().map_err(|_| err())? };
    for _ in frac_part.len()..decimals as usize {
        frac *= 10;
    }
    let v = whole.checked_mul(scale).and_then(|w| w.checked_add(frac)).ok_or_else(err)?;
    Ok(if neg { -v } else { v })
}

fn fmt_scaled(f: &mut fmt::Formatter<'_>, v: i64, decimals: u32, trim: bool) -> fmt::Result {
    let scale = 10i64.pow(decimals);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (whole, frac) = (a / scale as u64, a % scale as u64);
    let mut frac_s = format!("{frac:0width$}", width = decimals as usize);
    if trim {
        while frac_s.ends_with('0') {
            frac_s.pop();
        }
    }
    if frac_s.is_empty() { write!(f, "{sign}{whole}") } else { write!(f, "{sign}{whole}.{frac_s}") }
}

impl Money {
    /// Yuan and fen from a whole number of yuan.
    pub const fn yuan(y: i64) -> Self {
        Money(y * 100)
    }
    /// The price of `qty` units at `self` per unit, rounded half away from zero to the fen.
    pub fn times(self, qty: Quantity) -> Money {
        let p = i128::from(self.0) * i128::from(qty.0);
        let rounded = if p >= 0 { (p + 500) / 1000 } else { (p - 500) / 1000 };
        Money(i64::try_from(rounded).unwrap_or(if p >= 0 { i64::MAX } else { i64::MIN }))
    }
}

impl Money {
    /// [`Money::times`], or `None` when the result does not fit.
    pub fn checked_times(self, qty: Quantity) -> Option<Money> {
        let p = i128::from(self.0).checked_mul(i128::from(qty.0))?;
        let rounded = if p >= 0 { (p + 500) / 1000 } else { (p - 500) / 1000 };
        i64::try_from(rounded).ok().map(Money)
    }

    /// `self + other`, or `None` when it does not fit.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money(0), |a, b| a + b)
    }
}

impl FromStr for Money {
    type Err = ParseDecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_scaled(s, 2, "amount").map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_scaled(f, self.0, 2, false)
    }
}

impl FromStr for Quantity {
    type Err = ParseDecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_scaled(s, 3, "quantity").map(Quantity)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_scaled(f, self.0, 3, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print_money() {
        let cases = [("12.5", 1250, "12.50"), ("0.05", 5, "0.05"), ("¥300", 30000, "300.00"), ("-1.2", -120, "-1.20")];
        for (input, fen, shown) in cases {
            let m: Money = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(m, Money(fen), "{input}");
            assert_eq!(m.to_string(), shown);
        }
        for bad in ["", "1.234", "abc", "1,5", "--1", "9999999999999"] {
            assert!(bad.parse::<Money>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn quantities_and_line_totals() {
        let q: Quantity = "1.5".parse().unwrap_or_default();
        assert_eq!(q, Quantity(1500));
        assert_eq!(q.to_string(), "1.5");
        assert_eq!(Quantity(2000).to_string(), "2");
        assert_eq!(Money(1999).times(Quantity(3000)), Money(5997));
        assert_eq!(Money(333).times(Quantity(500)), Money(167), "half a fen rounds up");
    }
}
