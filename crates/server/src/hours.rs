//! Business hours: "mon-fri 09:00-18:00" rules, checked against the business's clock.

use crate::error::ConfigError;

/// Minutes in a day and days in a week.
const DAY_MINUTES: i64 = 24 * 60;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// When agents work; always when no rule is given.
#[derive(Debug, Clone, Default)]
pub struct BusinessHours {
    /// (first day, last day, from minute, to minute), days 0 = Monday.
    rules: Vec<(usize, usize, i64, i64)>,
    utc_offset_minutes: i64,
}

impl BusinessHours {
    /// Parses rules such as `mon-fri 09:00-18:00`, `sat 10:00-13:00`, `sun 00:00-24:00`.
    pub fn parse(rules: &[String], utc_offset_minutes: i32) -> Result<Self, ConfigError> {
        let rules = rules
            .iter()
            .map(|rule| parse_rule(rule).ok_or_else(|| ConfigError::BusinessHours(rule.clone())))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rules,
            utc_offset_minutes: i64::from(utc_offset_minutes),
        })
    }

    /// Whether `at_ms` (ms since the Unix epoch) falls within business hours.
    pub fn open_at(&self, at_ms: i64) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let minutes = at_ms.div_euclid(60_000) + self.utc_offset_minutes;
        let day_number = minutes.div_euclid(DAY_MINUTES);
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        let weekday = (day_number + 3).rem_euclid(7) as usize;
        let minute = minutes.rem_euclid(DAY_MINUTES);
        self.rules.iter().any(|&(first, last, from, to)| {
            let in_days = if first <= last {
                (first..=last).contains(&weekday)
            } else {
                weekday >= first || weekday <= last
            };
            in_days && minute >= from && minute < to
        })
    }
}

fn parse_rule(rule: &str) -> Option<(usize, usize, i64, i64)> {
    let (days, times) = rule.trim().split_once(' ')?;
    let (first, last) = match days.split_once('-') {
        Some((first, last)) => (day(first)?, day(last)?),
        None => (day(days)?, day(days)?),
    };
    let (from, to) = times.trim().split_once('-')?;
    let (from, to) = (minute_of_day(from)?, minute_of_day(to)?);
    (from < to).then_some((first, last, from, to))
}

fn day(name: &str) -> Option<usize> {
    DAYS.iter().position(|d| d.eq_ignore_ascii_case(name.trim()))
}

fn minute_of_day(time: &str) -> Option<i64> {
    let (hours, minutes) = time.trim().split_once(':')?;
    let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = hours * 60 + minutes;
    ((0..60).contains(&minutes) && (0..=DAY_MINUTES).contains(&total)).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23 was a Monday; ms at 00:00 UTC.
    const MONDAY: i64 = 1_795_392_000_000;
    const HOUR: i64 = 3_600_000;

    fn hours(rules: &[&str], offset: i32) -> BusinessHours {
        let rules: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
        BusinessHours::parse(&rules, offset).unwrap()
    }

    #[test]
    fn weekdays_and_times() {
        let office = hours(&["mon-fri 09:00-18:00"], 0);
        assert!(office.open_at(MONDAY + 9 * HOUR));
        assert!(!office.open_at(MONDAY + 8 * HOUR));
        assert!(!office.open_at(MONDAY + 18 * HOUR));
        assert!(office.open_at(MONDAY + 4 * 24 * HOUR + 17 * HOUR), "friday");
        assert!(!office.open_at(MONDAY + 5 * 24 * HOUR + 10 * HOUR), "saturday");
        assert!(BusinessHours::default().open_at(MONDAY));
    }

    #[test]
    fn offset_moves_the_clock_and_ranges_wrap() {
        let paris = hours(&["mon 09:00-10:00"], 60);
        assert!(paris.open_at(MONDAY + 8 * HOUR), "08:00 UTC is 09:00 in Paris");
        let weekend = hours(&["sat-mon 00:00-24:00"], 0);
        assert!(weekend.open_at(MONDAY + HOUR));
        assert!(!weekend.open_at(MONDAY + 24 * HOUR + HOUR), "tuesday");
    }

    #[test]
    fn bad_rules_are_named() {
        for bad in ["monday 09:00-18:00", "mon 18:00-09:00", "mon 9-18", "mon 09:00-25:00"] {
            let err = BusinessHours::parse(&[bad.to_string()], 0).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
