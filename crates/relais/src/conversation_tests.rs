//! `relais test`: conversation tests written as YAML, run against the whole assistant.
//!
//! ```yaml
//! lang: en                      # optional: the conversation's language
//! tests:
//!   - name: order status with a known order
//!     agents_available: true    # optional, true by default
//!     steps:
//!       - visitor: where is my order?
//!         intent: order_status          # what the intent model must say
//!         bot_says: order number        # a bot message of this step contains it (any case)
//!       - visitor: BW-482913
//!         slots: {order_number: BW-482913}
//!         action: order_status          # the action requested in this step
//!         bot_says: shipped
//!       - quick_reply: /talk_to_human   # press a button (its payload)
//!         handoff: explicit_request     # the escalation reason of this step
//!       - feedback: false               # on the last bot message
//! ```
//!
//! Other expectations: `quick_replies` (titles or payloads that must be offered),
//! `sources` (a cited title contains it), `asks_feedback` (the widget shows "Was this
//! useful?" under the answer), `handoff_state` (queued, no_agent_available…),
//! `silent: true` (the bot says nothing). A file may set `dialogue:` thresholds for its
//! tests, on top of the defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use relais_dialogue::{Event, EventKind, Input, Policy, Turn};
use serde::Deserialize;

use relais_assistant::{Bot, Conversation};
use crate::output::enum_name;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    lang: Option<String>,
    /// Thresholds for this file's tests, on top of the defaults (not relais.toml), so a
    /// test can switch on a trigger that is off by default.
    dialogue: Option<Policy>,
    tests: Vec<ConversationTest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationTest {
    name: String,
    #[serde(default = "yes")]
    agents_available: bool,
    steps: Vec<Step>,
}

fn yes() -> bool {
    true
}

/// One input and what must follow it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    visitor: Option<String>,
    quick_reply: Option<String>,
    feedback: Option<bool>,
    request_agent: Option<bool>,
    intent: Option<String>,
    bot_says: Option<String>,
    #[serde(default)]
    quick_replies: Vec<String>,
    sources: Option<String>,
    #[serde(default)]
    slots: BTreeMap<String, String>,
    action: Option<String>,
    handoff: Option<String>,
    handoff_state: Option<String>,
    #[serde(default)]
    silent: bool,
    asks_feedback: Option<bool>,
}

/// Outcome of a whole run.
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

/// Runs every `.yml` file under `paths`, printing a line per test and a diff per failure.
pub fn run(bot: &mut Bot, paths: &[PathBuf]) -> anyhow::Result<Summary> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    if files.is_empty() {
        bail!("no conversation tests (*.yml) under {}", display(paths));
    }
    let mut summary = Summary {
        passed: 0,
        failed: 0,
    };
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let suite: TestFile =
            serde_yaml_ng::from_str(&text).with_context(|| format!("{}", file.display()))?;
        let configured = bot.policy().clone();
        if let Some(policy) = suite.dialogue.clone() {
            bot.set_policy(policy);
        }
        for test in &suite.tests {
            match run_test(bot, suite.lang.clone(), test) {
                Ok(()) => {
                    summary.passed += 1;
                    println!("ok     {} › {}", file.display(), test.name);
                }
                Err(failure) => {
                    summary.failed += 1;
                    println!("FAILED {} › {}\n{failure}", file.display(), test.name);
                }
            }
        }
        if suite.dialogue.is_some() {
            bot.set_policy(configured);
        }
    }
    println!("{} passed, {} failed", summary.passed, summary.failed);
    Ok(summary)
}

fn display(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            collect(&entry, files)?;
        }
    } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
        files.push(path.to_path_buf());
    } else if !path.exists() {
        bail!("{} does not exist", path.display());
    }
    Ok(())
}

/// Plays one conversation; the error is the report of the first step that went wrong.
fn run_test(bot: &Bot, lang: Option<String>, test: &ConversationTest) -> Result<(), String> {
    let mut clock = 1_700_000_000_000i64;
    let mut conversation = Conversation::default();
    let start = Input::start(format!("test:{}", test.name), lang);
    conversation
        .take(bot, Turn::new(clock, start))
        .map_err(|e| format!("  start: {e:#}"))?;
    for (number, step) in test.steps.iter().enumerate() {
        clock += 5_000;
        let (label, events) = play(
            bot,
            &mut conversation,
            step,
            number,
            clock,
            test.agents_available,
        )?;
        let mut problems = check(step, &events, &conversation.state.slots);
        if let Some(intent) = step.intent.as_ref().filter(|i| !bot.knows_intent(i)) {
            problems.insert(
                0,
                format!("intent: `{intent}` is not an intent of the assistant (misspelt?)"),
            );
        }
        if !problems.is_empty() {
            return Err(format!(
                "  step {} ({label}):\n{}\n  what happened:\n{}",
                number + 1,
                problems
                    .iter()
                    .map(|p| format!("    - {p}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                events
                    .iter()
                    .filter_map(describe)
                    .map(|d| format!("    {d}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
    }
    Ok(())
}

fn play(
    bot: &Bot,
    conversation: &mut Conversation,
    step: &Step,
    number: usize,
    at: i64,
    agents: bool,
) -> Result<(String, Vec<Event>), String> {
    let inputs = [
        step.visitor.is_some(),
        step.quick_reply.is_some(),
        step.feedback.is_some(),
        step.request_agent.is_some(),
    ];
    if inputs.iter().filter(|&&given| given).count() != 1 {
        return Err(format!(
            "  step {}: give exactly one of visitor, quick_reply, feedback, request_agent",
            number + 1
        ));
    }
    let (label, input) = if let Some(text) = &step.visitor {
        (
            format!("visitor: {text:?}"),
            Input::Message {
                client_id: format!("step-{number}"),
                text: text.clone(),
            },
        )
    } else if let Some(payload) = &step.quick_reply {
        (
            format!("quick reply {payload}"),
            Input::QuickReply {
                payload: payload.clone(),
            },
        )
    } else if let Some(helpful) = step.feedback {
        let seq = conversation.events.len() as u64;
        (format!("feedback helpful={helpful}"), Input::Feedback { seq, helpful })
    } else {
        ("request agent".to_string(), Input::RequestAgent { reason: None })
    };
    let events = conversation
        .take(bot, Turn::new(at, input).with_agents_available(agents))
        .map_err(|e| format!("  step {}: {e:#}", number + 1))?;
    Ok((label, events.to_vec()))
}

fn check(step: &Step, events: &[Event], slots: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    let bot_texts: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BotMessage { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    if let Some(want) = &step.intent {
        let got = events.iter().find_map(|e| match &e.kind {
            EventKind::IntentPredicted { intent, oos, .. } => {
                Some(if *oos { "oos" } else { intent.as_str() })
            }
            _ => None,
        });
        if got != Some(want.as_str()) {
            problems.push(format!(
                "intent: expected {want}, got {}",
                got.unwrap_or("none")
            ));
        }
    }
    if let Some(want) = &step.bot_says
        && !bot_texts
            .iter()
            .any(|t| t.to_lowercase().contains(&want.to_lowercase()))
    {
        problems.push(format!("bot_says: no bot message contains {want:?}"));
    }
    if let Some(want) = step.asks_feedback {
        let asked = events.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::BotMessage {
                    ask_feedback: true,
                    ..
                }
            )
        });
        if asked != want {
            problems.push(format!(
                "asks_feedback: expected {want}, the bot {} for feedback",
                if asked { "asked" } else { "did not ask" }
            ));
        }
    }
    for want in &step.quick_replies {
        let offered = events.iter().any(|e| match &e.kind {
            EventKind::BotMessage { quick_replies, .. } => quick_replies
                .iter()
                .any(|q| q.title == *want || q.payload == *want),
            _ => false,
        });
        if !offered {
            problems.push(format!("quick_replies: {want:?} was not offered"));
        }
    }
    if let Some(want) = &step.sources {
        let cited = events.iter().any(|e| match &e.kind {
            EventKind::BotMessage { sources, .. } => sources
                .iter()
                .any(|s| s.title.to_lowercase().contains(&want.to_lowercase())),
            _ => false,
        });
        if !cited {
            problems.push(format!("sources: no cited article title contains {want:?}"));
        }
    }
    for (name, want) in &step.slots {
        if slots.get(name) != Some(want) {
            problems.push(format!(
                "slots: {name} expected {want:?}, is {:?}",
                slots.get(name)
            ));
        }
    }
    if let Some(want) = &step.action {
        let requested = events.iter().any(
            |e| matches!(&e.kind, EventKind::ActionRequested { action, .. } if action == want),
        );
        if !requested {
            problems.push(format!("action: {want} was not requested"));
        }
    }
    let reasons: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::HandoffRequested { reason, .. } => Some(enum_name(reason)),
            _ => None,
        })
        .collect();
    if let Some(want) = &step.handoff
        && !reasons.contains(want)
    {
        problems.push(format!("handoff: expected reason {want}, got {reasons:?}"));
    }
    if let Some(want) = &step.handoff_state {
        let states: Vec<String> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Handoff { state, .. } => Some(enum_name(state)),
                _ => None,
            })
            .collect();
        if !states.contains(want) {
            problems.push(format!("handoff_state: expected {want}, got {states:?}"));
        }
    }
    if step.silent && !bot_texts.is_empty() {
        problems.push("silent: the bot spoke".to_string());
    }
    problems
}

/// One line per event worth showing in a failure report.
fn describe(event: &Event) -> Option<String> {
    Some(match &event.kind {
        EventKind::VisitorMessage { .. } => return None,
        EventKind::BotMessage {
            text,
            quick_replies,
            ..
        } => {
            let buttons: Vec<&str> = quick_replies.iter().map(|q| q.title.as_str()).collect();
            if buttons.is_empty() {
                format!("bot: {text}")
            } else {
                format!("bot: {text} {buttons:?}")
            }
        }
        EventKind::IntentPredicted {
            intent,
            confidence,
            oos,
            ..
        } => {
            format!(
                "intent: {intent} {confidence:.2}{}",
                if *oos { " (oos)" } else { "" }
            )
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    })
}
