//! `relais chat`: talk to the whole assistant in the terminal, no server needed.
//! `--debug` shows what the bot understood, what it found and why it escalated.

use std::io::{BufRead, Write};

use clap::Args;
use relais_assistant::Conversation;
use relais_dialogue::{Event, EventKind, Input, Turn};

use crate::config::Settings;
use crate::output::enum_name;

#[derive(Args)]
pub struct ChatArgs {
    /// Language of the conversation (en, fr …; fr-CA is fr); detected from the first
    /// message if unset.
    #[arg(long, value_parser = crate::lang::language)]
    lang: Option<String>,
    /// Show intents, confidences, passages found, slots and escalation reasons.
    #[arg(long)]
    debug: bool,
    /// Behave as if no agent were available (to try callback requests).
    #[arg(long)]
    no_agents: bool,
}

pub fn run(args: ChatArgs, settings: &Settings) -> anyhow::Result<()> {
    let bot = crate::bot::load_bot(&settings.assistant)?;
    let mut conversation = Conversation::default();
    let start = Input::start("terminal", args.lang.clone());
    let greeting = conversation.take(&bot, Turn::new(now(), start))?.to_vec();
    println!(
        "Relais is listening. Type a message; /1, /2 … press a suggested button; /y or /n rates an answer; an empty line quits."
    );
    let stdin = std::io::stdin();
    let mut line = String::new();
    let mut buttons: Vec<String> = Vec::new();
    let mut rateable: Option<u64> = None;
    for event in &greeting {
        show(event, args.debug, &mut buttons);
    }
    for turn in 1.. {
        print!("> ");
        std::io::stdout().flush()?;
        line.clear();
        if stdin.lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Ok(());
        }
        let text = line.trim();
        let button = text
            .strip_prefix('/')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| buttons.get(n.wrapping_sub(1)).cloned());
        let rating = match (text, rateable) {
            ("/y", Some(seq)) => Some((seq, true)),
            ("/n", Some(seq)) => Some((seq, false)),
            _ => None,
        };
        let input = match (button, rating) {
            (Some(payload), _) => Input::QuickReply { payload },
            (None, Some((seq, helpful))) => Input::Feedback { seq, helpful },
            (None, None) => Input::Message {
                client_id: format!("terminal-{turn}"),
                text: text.to_owned(),
            },
        };
        let turn = Turn::new(now(), input).with_agents_available(!args.no_agents);
        let events = conversation.take(&bot, turn)?.to_vec();
        buttons.clear();
        rateable = None;
        // Events are numbered from 1 in the conversation's log.
        let first_seq = conversation.events.len() - events.len() + 1;
        for (seq, event) in (first_seq..).zip(&events) {
            show(event, args.debug, &mut buttons);
            if let EventKind::BotMessage {
                ask_feedback: true,
                ..
            } = event.kind
            {
                rateable = Some(seq as u64);
            }
        }
    }
    Ok(())
}

fn show(event: &Event, debug: bool, buttons: &mut Vec<String>) {
    match &event.kind {
        EventKind::BotMessage {
            text,
            quick_replies,
            sources,
            ask_feedback,
            ..
        } => {
            println!("bot: {text}");
            for source in sources {
                println!("     source: {} <{}>", source.title, source.url);
            }
            if *ask_feedback {
                println!("     Was this useful? /y yes, /n no");
            }
            for reply in quick_replies {
                buttons.push(reply.payload.clone());
                println!("     [/{}] {}", buttons.len(), reply.title);
            }
        }
        EventKind::Handoff { state, reason, .. } => {
            println!(
                "  -- handoff: {}{}",
                enum_name(state),
                reason
                    .map(|r| format!(" ({})", enum_name(&r)))
                    .unwrap_or_default()
            );
        }
        EventKind::IntentPredicted {
            intent,
            confidence,
            ranking,
            oos,
            ambiguous,
        } if debug => {
            let others: Vec<String> = ranking
                .iter()
                .skip(1)
                .take(2)
                .map(|s| format!("{} {:.2}", s.intent, s.confidence))
                .collect();
            println!(
                "  [intent {intent} {confidence:.2}{}{}; then {}]",
                if *oos { " oos" } else { "" },
                if *ambiguous { " ambiguous" } else { "" },
                others.join(", ")
            );
        }
        EventKind::KnowledgeShown {
            articles,
            confidence,
        } if debug => {
            let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
            println!("  [knowledge {confidence:.2}: {}]", titles.join(" | "));
        }
        EventKind::HandoffRequested { reason, detail } if debug => {
            println!("  [escalating: {} — {detail}]", enum_name(reason))
        }
        kind if debug && !matches!(kind, EventKind::VisitorMessage { .. }) => {
            println!("  [{}]", serde_json::to_string(kind).unwrap_or_default());
        }
        _ => {}
    }
}

/// Milliseconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
