//! `relais report --from --to [--lang] [--channel] [--json|--csv] [--data-dir]`: the
//! insights figures of the conversations started in a window, read from the data
//! folder's event store, as tables for people (the summary, then the ten largest rows of
//! each breakdown), one JSON line for scripts, or one CSV row per conversation.

use std::path::PathBuf;

use relais_insights::{Cohort, Outcomes, Summary, Window};

use crate::config::Settings;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Start of the window, included: RFC 3339 in UTC (2026-11-01T00:00:00Z) or a date
    /// (2026-11-01, midnight UTC). Conversations count by when they started.
    #[arg(long)]
    from: String,
    /// End of the window, excluded; at most 366 days after --from.
    #[arg(long)]
    to: String,
    /// Only the conversations in this language (en, fr …; fr-CA is fr).
    #[arg(long, value_parser = crate::lang::language)]
    lang: Option<String>,
    /// Only the conversations of this channel (widget).
    #[arg(long)]
    channel: Option<String>,
    /// Print the summary as one JSON object (the figures of GET /v1/insights/summary).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print one CSV row per conversation instead of the summary.
    #[arg(long)]
    csv: bool,
    /// The data folder, where conversations are kept (relais.db)
    /// [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

pub fn run(args: ReportArgs, settings: &Settings) -> anyhow::Result<()> {
    let window = Window::parse(&args.from, &args.to)?;
    let data_dir = args.data_dir.unwrap_or_else(|| settings.assistant.data_dir.clone());
    let store_at = settings.store_at(&data_dir);
    if !store_at.exists() {
        anyhow::bail!(
            "no conversations in {}: there is no relais.db; pass the data folder of `relais serve` with --data-dir",
            data_dir.display()
        );
    }
    let config = &settings.insights;
    let cohort = crate::serve::with_store(&store_at, |store| async move {
        Ok(Cohort::load(&store, window, config, relais_server::now_ms()).await?)
    })?
    .in_language(args.lang.as_deref())
    .in_channel(args.channel.as_deref());
    if args.csv {
        print!("{}", cohort.csv());
        Ok(())
    } else if args.json {
        crate::output::print_figures(&cohort.summary(config), true)
    } else {
        print!("{}", table(&cohort.summary(config)));
        print!("{}", breakdowns(&cohort));
        Ok(())
    }
}

/// The summary as a table for people, figures under their JSON names.
fn table(s: &Summary) -> String {
    let percent = |rate: Option<f64>| rate.map_or("-".to_owned(), |r| format!("{:.1} %", r * 100.0));
    let seconds = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{v:.1} s"));
    let share = |count: u64| match s.engaged {
        0 => count.to_string(),
        engaged => format!("{count}  ({:.1} %)", count as f64 * 100.0 / engaged as f64),
    };
    let mut rows: Vec<(String, String)> = vec![
        ("conversations".into(), s.conversations.to_string()),
        ("engaged".into(), s.engaged.to_string()),
        ("bot_resolved".into(), share(s.bot_resolved)),
        ("  bot_resolved_confirmed".into(), s.bot_resolved_confirmed.to_string()),
        ("  bot_resolved_assumed".into(), s.bot_resolved_assumed.to_string()),
        ("escalated".into(), share(s.escalated)),
    ];
    rows.extend(s.escalation_reasons.iter().map(|(reason, count)| (format!("  {reason}"), count.to_string())));
    rows.extend([
        ("unresolved".into(), share(s.unresolved)),
        ("agent_handled".into(), s.agent_handled.to_string()),
        ("containment_rate".into(), percent(s.containment_rate)),
        ("bot_resolution_rate".into(), percent(s.bot_resolution_rate)),
        ("escalation_rate".into(), percent(s.escalation_rate)),
        (
            "usefulness_rate".into(),
            format!("{}  ({} useful, {} not)", percent(s.usefulness_rate), s.helpful_answers, s.unhelpful_answers),
        ),
        ("csat".into(), format!("{}  ({} of {} rated positive)", percent(s.csat), s.rated_positive, s.rated)),
        (
            "csat_response_rate".into(),
            format!("{}  ({} rated of {} asked)", percent(s.csat_response_rate), s.rated, s.ratings_asked),
        ),
        ("queued".into(), s.queued.to_string()),
        ("queue_wait_p50_s".into(), seconds(s.queue_wait_p50_s)),
        ("queue_wait_p90_s".into(), seconds(s.queue_wait_p90_s)),
        ("abandoned_in_queue".into(), s.abandoned_in_queue.to_string()),
        ("callbacks".into(), s.callbacks.to_string()),
        ("resolution_time_p50_s bot".into(), seconds(s.resolution_time_p50_s.bot_resolved)),
        ("resolution_time_p50_s agent".into(), seconds(s.resolution_time_p50_s.agent_handled)),
        ("agent_first_response_p50_s".into(), seconds(s.agent_first_response_p50_s)),
        ("repeat_contacts".into(), format!("{}  ({})", s.repeat_contacts, percent(s.repeat_contact_rate))),
        ("contacts_saved".into(), s.contacts_saved.to_string()),
        ("cost_saved".into(), format!("{:.2} {}", s.cost_saved, s.currency)),
        ("agent_hours_saved".into(), format!("{:.2} h", s.agent_hours_saved)),
    ]);
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    let lang = s.lang.as_deref().map_or("all languages".to_owned(), |lang| format!("language {lang}"));
    let mut text = format!("Conversations started from {} to {} ({lang})\n\n", s.from, s.to);
    for (label, value) in rows {
        text.push_str(&format!("{label:<width$}  {value}\n"));
    }
    text
}

/// Rows printed per breakdown.
const TOP: usize = 10;

/// The ten largest rows of each breakdown, one small table each.
fn breakdowns(cohort: &Cohort) -> String {
    let percent = |rate: Option<f64>| rate.map_or("-".to_owned(), |r| format!("{:.1} %", r * 100.0));
    let outcomes = |o: &Outcomes| {
        vec![
            o.conversations.to_string(),
            o.engaged.to_string(),
            o.escalated.to_string(),
            percent(o.containment_rate),
        ]
    };
    let segment = ["conversations", "engaged", "escalated", "containment"];
    let mut text = String::new();
    text.push_str(&section(
        "Per intent answered",
        &["intent", "conversations", "escalated", "containment", "median confidence", "useful"],
        cohort.intents().iter().map(|r| {
            vec![
                r.intent.clone(),
                r.conversations.to_string(),
                r.escalated.to_string(),
                percent(r.containment_rate),
                r.median_confidence.map_or("-".into(), |c| format!("{c:.2}")),
                percent(r.usefulness_rate),
            ]
        }),
    ));
    text.push_str(&section(
        "Per article cited",
        &["article", "shown", "conversations", "useful", "not useful"],
        cohort.articles().iter().map(|r| {
            vec![
                r.title.clone(),
                r.shown.to_string(),
                r.conversations.to_string(),
                r.helpful_answers.to_string(),
                r.unhelpful_answers.to_string(),
            ]
        }),
    ));
    text.push_str(&section(
        "Per agent",
        &["agent", "handled", "first response p50", "resolution p50", "csat"],
        cohort.agents().iter().map(|r| {
            let seconds = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0} s"));
            vec![
                r.agent.clone(),
                r.handled.to_string(),
                seconds(r.agent_first_response_p50_s),
                seconds(r.resolution_time_p50_s),
                percent(r.csat),
            ]
        }),
    ));
    let languages = cohort.languages();
    text.push_str(&section(
        "Per language",
        &[&["language"], &segment[..]].concat(),
        languages.iter().map(|r| [vec![r.lang.clone().unwrap_or_else(|| "unknown".into())], outcomes(&r.outcomes)].concat()),
    ));
    let pages = cohort.pages();
    text.push_str(&section(
        "Per start page",
        &[&["page"], &segment[..]].concat(),
        pages.iter().map(|r| [vec![r.page.clone().unwrap_or_else(|| "none".into())], outcomes(&r.outcomes)].concat()),
    ));
    text
}

/// A titled table of the first [`TOP`] rows, columns padded to their widest cell.
fn section(title: &str, header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows.take(TOP).collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut all = vec![header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
    // Page URLs and titles come from visitors: their control characters (a terminal's
    // escape sequences) are shown escaped, never sent to the terminal.
    all.extend(rows.into_iter().map(|row| row.into_iter().map(|cell| printable(&cell)).collect()));
    let widths: Vec<usize> = (0..header.len())
        .map(|c| all.iter().map(|row| row[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = format!("\n{title}\n");
    for row in all {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// `text` with its control characters escaped (`\u{1b}` for ESC).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitors_escape_sequence_never_reaches_the_terminal() {
        let table = section("Per start page", &["page"], [vec!["/x\u{1b}[2J\u{7}".to_owned()]].into_iter());
        assert!(!table.chars().any(|c| c == '\u{1b}' || c == '\u{7}'), "{table:?}");
        assert!(table.contains("/x\\u{1b}[2J\\u{7}"), "{table}");
    }
}
