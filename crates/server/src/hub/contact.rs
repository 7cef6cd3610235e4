//! The help centre's contact form made a conversation: started on the contact page with
//! the visitor's name and email as their claims, asking for a person at once (reason
//! `explicit_request`, detail `contact_form`). With an agent available it is queued and
//! the form is the visitor's message; otherwise the form becomes a callback request of
//! that conversation. Either way an agent reads the whole form, and nothing is answered
//! by the bot.

use std::collections::BTreeMap;
use std::net::IpAddr;

use relais_dialogue::{EventKind, HandoffState, Input};

use crate::error::{ClientError, ErrorCode};
use super::{Guard, Hub, Turned};
use crate::limits::address_key;
use crate::validate::MAX_EMAIL_BYTES;

/// Longest name and subject, in characters.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_SUBJECT_CHARS: usize = 200;

/// The longest message of a form whose subject is as long as it may be: subject, blank
/// line and message make one visitor message of at most `max_message_chars`.
pub fn max_form_message(max_message_chars: usize) -> usize {
    max_message_chars.saturating_sub(MAX_SUBJECT_CHARS + 2)
}

/// What the visitor filled in.
#[derive(Debug, Clone)]
pub struct ContactForm {
    pub lang: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    /// The contact page's address, recorded as the page the conversation started on.
    pub page: String,
}

/// Where the form went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    /// Queued for the agents.
    Queued,
    /// No agent available: a callback request.
    Callback,
}

impl ContactForm {
    /// The subject and the message, as the agent reads them.
    fn text(&self) -> String {
        format!("{}\n\n{}", self.subject.trim(), self.message.trim())
    }

    /// Every field filled in and within its limit; the email looks like one.
    fn check(&self, max_message_chars: usize) -> Result<(), ClientError> {
        for (field, value, most) in [
            ("name", &self.name, MAX_NAME_CHARS),
            ("subject", &self.subject, MAX_SUBJECT_CHARS),
            ("message", &self.message, max_message_chars),
        ] {
            if value.trim().is_empty() {
                return Err(ClientError::bad_frame(format!("the {field} is empty: fill it in")));
            }
            let count = value.chars().count();
            if count > most {
                return Err(ClientError::new(ErrorCode::TooLong, format!("the {field} has {count} characters; the limit is {most}")));
            }
        }
        if self.text().chars().count() > max_message_chars {
            return Err(ClientError::new(ErrorCode::TooLong, format!("the subject and the message together are longer than {max_message_chars} characters; shorten the message")));
        }
        let email = self.email.trim();
        let shaped = email.len() <= MAX_EMAIL_BYTES
            && !email.contains(char::is_whitespace)
            && email.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
        if !shaped {
            return Err(ClientError::bad_frame("the email is not an address such as sam@example.com"));
        }
        Ok(())
    }
}

impl Hub {
    /// Files `form`, sent from `client`, as a new conversation (see the module).
    pub(crate) async fn file_contact(&self, client: IpAddr, form: ContactForm) -> Result<Filed, ClientError> {
        form.check(self.config.limits.max_message_chars)?;
        self.quotas.conversation_starts.take(&address_key(client)).map_err(|wait| {
            ClientError::new(ErrorCode::RateLimited, format!("too many forms and conversations from here; try again in {} s", wait.as_secs().max(1)))
        })?;
        let id = crate::token::new_conversation_id().map_err(ClientError::internal)?;
        let visitor = BTreeMap::from([("name".to_string(), form.name.trim().to_string()), ("email".to_string(), form.email.trim().to_string())]);
        let start = Input::Start {
            conversation_id: id.clone(),
            lang: Some(form.lang.clone()),
            visitor,
            verified_user_id: None,
            browser_id: None,
            page: Some((form.page.clone(), Some(form.subject.trim().to_string()))),
            topic: None,
            simulated: self.simulated,
            channel: None,
        };
        self.turn(&id, start, Guard::New, None).await?;
        let asked = Input::RequestAgent { reason: Some("contact_form".into()) };
        let queued = match self.turn(&id, asked, Guard::Open, None).await? {
            Turned::Stored(events) => events.iter().any(|stored| {
                matches!(stored.event.kind, EventKind::Handoff { state: HandoffState::Queued, .. })
            }),
            Turned::Repeated(_) | Turned::Skipped => false,
        };
        if queued {
            let message = Input::Message { client_id: "contact-form".into(), text: form.text() };
            self.turn(&id, message, Guard::Open, Some("contact-form")).await?;
            // The queue was announced when the conversation joined it, before the form was
            // its message: again, so that agents see the form's first words.
            self.feed.queue_changed();
            Ok(Filed::Queued)
        } else {
            let callback = Input::Callback {
                name: Some(form.name.trim().to_string()),
                email: Some(form.email.trim().to_string()),
                phone: None,
                preferred_time: None,
                note: Some(form.text()),
            };
            self.turn(&id, callback, Guard::Open, None).await?;
            Ok(Filed::Callback)
        }
    }
}
