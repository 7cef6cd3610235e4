//! The window `[from, to)` that selects conversations by their start, read from the
//! RFC 3339 times people and scripts send (HTTP `?from=&to=`, `relais report --from --to`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest window: a year, leap day included.
pub const MAX_DAYS: i64 = 366;

const DAY_MS: i64 = 86_400_000;

/// Conversations started at or after `from` and before `to`, in ms since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

/// Why a window was refused; the message says what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(
        "{name} {text:?} is not a time: send RFC 3339 in UTC such as 2026-11-01T00:00:00Z, or a date such as 2026-11-01 (midnight UTC)"
    )]
    BadTime { name: &'static str, text: String },
    #[error("from ({from}) is after to ({to}): send the earlier time as from")]
    Reversed { from: String, to: String },
    #[error("the window is {days} days long; send at most {MAX_DAYS} days and ask for the rest in another request")]
    TooLong { days: i64 },
}

impl Window {
    /// The window between two times given as text: RFC 3339 in UTC (`2026-11-01T00:00:00Z`,
    /// fractions of a second allowed) or a plain date (`2026-11-01`, midnight UTC).
    /// `from` must not be after `to`, and the window is at most [`MAX_DAYS`] long.
    pub fn parse(from: &str, to: &str) -> Result<Window, WindowError> {
        let window = Window {
            from: parse_time("from", from)?,
            to: parse_time("to", to)?,
        };
        if window.from > window.to {
            return Err(WindowError::Reversed {
                from: from.to_owned(),
                to: to.to_owned(),
            });
        }
        let length = window.to - window.from;
        if length > MAX_DAYS * DAY_MS {
            return Err(WindowError::TooLong {
                days: (length + DAY_MS - 1) / DAY_MS,
            });
        }
        Ok(window)
    }
}

/// A time in ms since the epoch as RFC 3339 in UTC with milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let time = match u64::try_from(ms) {
        Ok(after) => UNIX_EPOCH + Duration::from_millis(after),
        Err(_) => UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs()),
    };
    humantime::format_rfc3339_millis(time).to_string()
}

/// The day (UTC) of a time in ms since the epoch, `YYYY-MM-DD`.
pub fn day(ms: i64) -> String {
    rfc3339(ms)[..10].to_owned()
}

/// The start (ms since the epoch) of each day (UTC) that `[from, to)` touches.
pub(crate) fn days_of(window: Window) -> impl Iterator<Item = i64> {
    let first = window.from.div_euclid(DAY_MS) * DAY_MS;
    let end = if window.to > window.from { window.to } else { first };
    (first..end).step_by(DAY_MS as usize)
}

fn parse_time(name: &'static str, text: &str) -> Result<i64, WindowError> {
    let bad = || WindowError::BadTime {
        name,
        text: text.to_owned(),
    };
    let trimmed = text.trim();
    let full = if is_date(trimmed) {
        format!("{trimmed}T00:00:00Z")
    } else {
        trimmed.to_owned()
    };
    let time: SystemTime = humantime::parse_rfc3339(&full).map_err(|_| bad())?;
    let ms = time.duration_since(UNIX_EPOCH).map_err(|_| bad())?.as_millis();
    i64::try_from(ms).map_err(|_| bad())
}

/// `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    text.len() == 10
        && text.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_dates_and_refusals() {
        let window = Window::parse("2026-11-01", "2026-11-02T00:00:00.500Z").unwrap();
        // 2026-11-01T00:00:00Z is 1,793,491,200 s after the epoch.
        assert_eq!(window.from, 1_793_491_200_000);
        assert_eq!(window.to, 1_793_491_200_000 + DAY_MS + 500);
        assert_eq!(rfc3339(window.to), "2026-11-02T00:00:00.500Z");

        let empty = Window::parse("2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z").unwrap();
        assert_eq!(empty.from, empty.to);

        for bad in ["yesterday", "2026-13-01", "2026-11-01T10:00:00+02:00", ""] {
            let error = Window::parse(bad, "2026-11-02").unwrap_err();
            assert!(matches!(error, WindowError::BadTime { name: "from", .. }), "{bad}: {error}");
            assert!(error.to_string().contains("2026-11-01T00:00:00Z"), "{error}");
        }
        let reversed = Window::parse("2026-11-02", "2026-11-01").unwrap_err();
        assert!(reversed.to_string().contains("send the earlier time as from"), "{reversed}");

        assert!(Window::parse("2024-01-01", "2025-01-01").is_ok(), "366 days (2024 is a leap year)");
        let long = Window::parse("2024-01-01", "2025-01-01T00:00:00.001Z").unwrap_err();
        assert_eq!(long, WindowError::TooLong { days: 367 });
        assert!(long.to_string().contains("at most 366 days"), "{long}");
    }

    #[test]
    fn the_days_a_window_touches() {
        let window = Window::parse("2026-11-01T12:00:00Z", "2026-11-03T00:00:00.001Z").unwrap();
        let days: Vec<String> = days_of(window).map(day).collect();
        assert_eq!(days, ["2026-11-01", "2026-11-02", "2026-11-03"]);
        let exact = Window::parse("2026-11-01", "2026-11-03").unwrap();
        assert_eq!(days_of(exact).map(day).collect::<Vec<_>>(), ["2026-11-01", "2026-11-02"]);
        assert_eq!(days_of(Window { from: 5, to: 5 }).count(), 0);
    }
}
