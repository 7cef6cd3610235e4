//! Small helpers for what commands print.

use serde::Serialize;

/// Prints figures as one JSON line (`compact`, for scripts) or indented (for people).
pub fn print_figures(figures: &impl Serialize, compact: bool) -> anyhow::Result<()> {
    let text = if compact {
        serde_json::to_string(figures)?
    } else {
        serde_json::to_string_pretty(figures)?
    };
    println!("{text}");
    Ok(())
}

/// The snake_case name serde gives an enum value (`explicit_request`, `queued` …).
pub fn enum_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
