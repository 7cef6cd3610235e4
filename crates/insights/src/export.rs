//! The CSV export: one row per conversation, RFC 4180 (comma-separated, CRLF line ends,
//! a cell holding a comma, a quote or a line end is quoted and its quotes doubled; the
//! `csv` crate writes that), and safe to open in a spreadsheet: a text cell starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return, which a spreadsheet would run as a
//! formula, starts with a single quote `'` instead.

use crate::facts::ConversationFacts;
use crate::window::rfc3339;

/// The header row.
pub const COLUMNS: [&str; 20] = [
    "id",
    "started",
    "language",
    "channel",
    "first_page",
    "intents",
    "escalated",
    "escalation_reason",
    "agent",
    "outcome",
    "queue_wait_s",
    "resolution_time_s",
    "agent_first_response_s",
    "helpful_answers",
    "unhelpful_answers",
    "rating",
    "rating_scale",
    "callbacks",
    "abandoned_in_queue",
    "repeat_contact",
];

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The conversations as CSV: the header, then one row each, in the order given.
pub fn csv(facts: &[ConversationFacts]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into memory cannot fail, and every row has the header's length.
    writer.write_record(COLUMNS).expect("CSV into memory");
    for f in facts {
        writer.write_record(row(f)).expect("CSV into memory");
    }
    let bytes = writer.into_inner().expect("CSV into memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 text")
}

/// A text cell a spreadsheet will show as text.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn row(f: &ConversationFacts) -> [String; 20] {
    let text = |value: Option<&str>| value.map(text_cell).unwrap_or_default();
    let seconds = |ms: Option<i64>| ms.map(|ms| format!("{:.3}", ms as f64 / 1000.0)).unwrap_or_default();
    [
        text_cell(&f.id),
        rfc3339(f.started_at),
        text(f.language.as_deref()),
        f.channel.to_owned(),
        text(f.first_page.as_deref()),
        text_cell(&f.intents.join(" ")),
        (f.outcome == crate::Outcome::Escalated).to_string(),
        text(f.escalation_reason.map(|reason| reason.as_str())),
        text(f.agent.as_deref()),
        f.outcome.as_str().to_owned(),
        seconds(f.queue_wait_ms),
        seconds(f.resolution_time_ms),
        seconds(f.agent_first_response_ms),
        f.helpful_answers.to_string(),
        f.unhelpful_answers.to_string(),
        f.rating.map(|r| r.score.to_string()).unwrap_or_default(),
        f.rating.map(|r| r.scale.to_string()).unwrap_or_default(),
        f.callbacks.to_string(),
        f.abandoned_in_queue.to_string(),
        f.repeat_contact.to_string(),
    ]
}
