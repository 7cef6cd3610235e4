//! What a contact hears of an event, in words every channel can carry: the text, the
//! choices offered (a bot's quick replies) and the sources' links. An agent joining or
//! leaving and a close are put in words here, in the conversation's language, since a
//! phone has no widget to draw them.

use relais_dialogue::{CALLBACK_PAYLOAD, EventKind, HandoffState};

/// A choice the contact may press (or, on SMS, reply with its number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub title: String,
    pub payload: String,
}

/// One outbound message, before a channel shapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    pub text: String,
    pub choices: Vec<Choice>,
    /// `(title, url)` of the articles an answer came from.
    pub links: Vec<(String, String)>,
}

impl Outbound {
    /// What the contact hears of `kind` ([`EventKind::reaches_contact`]) in a conversation
    /// in `lang` (English unless "fr"), or `None` for an event they do not hear of. The
    /// "Request a callback" choice is left out: on a phone, the number is the request.
    pub fn of(kind: &EventKind, lang: Option<&str>) -> Option<Self> {
        if !kind.reaches_contact() {
            return None;
        }
        let french = lang == Some("fr");
        let text = match kind {
            EventKind::BotMessage {
                text,
                quick_replies,
                sources,
                ..
            } => {
                return Some(Outbound {
                    text: text.clone(),
                    choices: quick_replies
                        .iter()
                        .filter(|reply| reply.payload != CALLBACK_PAYLOAD)
                        .map(|reply| Choice { title: reply.title.clone(), payload: reply.payload.clone() })
                        .collect(),
                    links: sources.iter().map(|source| (source.title.clone(), source.url.clone())).collect(),
                });
            }
            EventKind::AgentMessage { text, .. } => text.clone(),
            EventKind::Handoff { state, agent_name, .. } => {
                let agent = agent_name.as_deref().unwrap_or(if french { "Un conseiller" } else { "An agent" });
                match (state, french) {
                    (HandoffState::AgentJoined, false) => format!("{agent} joined the conversation."),
                    (HandoffState::AgentJoined, true) => format!("{agent} a rejoint la conversation."),
                    (_, false) => format!("{agent} left the conversation; another agent will answer you here."),
                    (_, true) => format!("{agent} a quitté la conversation ; un autre conseiller vous répondra ici."),
                }
            }
            _ if french => "Cette conversation est terminée. Écrivez-nous quand vous voulez.".to_owned(),
            _ => "This conversation is closed. Write again any time.".to_owned(),
        };
        Some(Outbound { text, choices: Vec::new(), links: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use relais_dialogue::{QuickReply, Source};

    use super::*;

    #[test]
    fn a_bot_message_keeps_its_choices_and_links_and_an_agent_joining_is_put_in_words() {
        let message = EventKind::BotMessage {
            text: "Which one?".into(),
            quick_replies: vec![QuickReply { title: "Returns".into(), payload: "/returns".into() }],
            sources: vec![Source { title: "Returns".into(), url: "https://shop.example/returns".into() }],
            intent: None,
            ask_feedback: false,
        };
        let out = Outbound::of(&message, None).unwrap();
        assert_eq!(out.choices[0].payload, "/returns");
        assert_eq!(out.links[0].1, "https://shop.example/returns");
        let joined = EventKind::Handoff { state: HandoffState::AgentJoined, reason: None, agent_name: Some("Ana".into()), position: None };
        assert_eq!(Outbound::of(&joined, Some("fr")).unwrap().text, "Ana a rejoint la conversation.");
        let queued = EventKind::Handoff { state: HandoffState::Queued, reason: None, agent_name: None, position: Some(2) };
        assert_eq!(Outbound::of(&queued, None), None, "the bot's own message says it");
        let no_one = EventKind::BotMessage {
            text: "No one is free".into(),
            quick_replies: vec![QuickReply { title: "Request a callback".into(), payload: CALLBACK_PAYLOAD.into() }],
            sources: Vec::new(),
            intent: None,
            ask_feedback: false,
        };
        assert!(Outbound::of(&no_one, None).unwrap().choices.is_empty());
        let closed_by_visitor = EventKind::Closed { by: "visitor".into(), resolution: None };
        assert_eq!(Outbound::of(&closed_by_visitor, None), None);
    }
}
