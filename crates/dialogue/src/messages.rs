//! The engine's own sentences (fallbacks, handoff, feedback), in English and French.

/// A sentence the engine says on its own, not taken from an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    Rephrase,
    RephraseOrHuman,
    Disambiguate,
    HandoffQueued,
    NoAgent,
    CallbackButton,
    HumanButton,
    ActionFailed,
    FormCancelled,
    SlotGaveUp,
    FeedbackThanks,
    FeedbackSorry,
    BackFromAgent,
    Greeting,
    CallbackNoted,
}

/// The sentence in `lang`, English when the language is not known.
pub(crate) fn text(msg: Msg, lang: &str) -> &'static str {
    let french = lang == "fr";
    match msg {
        Msg::Rephrase if french => "Je n'ai pas bien compris. Pouvez-vous reformuler ?",
        Msg::Rephrase => "Sorry, I didn't quite get that. Could you rephrase?",
        Msg::RephraseOrHuman if french => {
            "Je ne comprends toujours pas. Reformulez, ou parlez à un conseiller."
        }
        Msg::RephraseOrHuman => {
            "I still don't understand. Could you rephrase, or talk to a person?"
        }
        Msg::Disambiguate if french => "Vouliez-vous dire :",
        Msg::Disambiguate => "Did you mean:",
        Msg::HandoffQueued if french => {
            "Je vous mets en relation avec un conseiller, qui aura tout notre échange sous les yeux."
        }
        Msg::HandoffQueued => {
            "I'm passing you to a colleague, who will see our whole conversation."
        }
        Msg::NoAgent if french => {
            "Aucun conseiller n'est disponible pour le moment. Voulez-vous être rappelé ?"
        }
        Msg::NoAgent => "No one is available right now. Would you like us to contact you?",
        Msg::CallbackButton if french => "Être rappelé",
        Msg::CallbackButton => "Request a callback",
        Msg::HumanButton if french => "Parler à un conseiller",
        Msg::HumanButton => "Talk to a person",
        Msg::ActionFailed if french => {
            "Désolé, je n'arrive pas à joindre notre système pour le moment."
        }
        Msg::ActionFailed => "Sorry, I can't reach our system right now.",
        Msg::FormCancelled if french => "D'accord, j'annule. Que puis-je faire d'autre ?",
        Msg::FormCancelled => "OK, cancelled. What else can I do for you?",
        Msg::SlotGaveUp if french => {
            "Je n'arrive pas à valider cette information. Un conseiller peut vous aider."
        }
        Msg::SlotGaveUp => "I can't validate that information. A person can help you with it.",
        Msg::FeedbackThanks if french => "Merci pour votre retour !",
        Msg::FeedbackThanks => "Thanks for your feedback!",
        Msg::FeedbackSorry if french => {
            "Désolé que cela ne vous ait pas aidé. Pouvez-vous préciser votre question ?"
        }
        Msg::FeedbackSorry => "Sorry that didn't help. Could you tell me more about your question?",
        Msg::BackFromAgent if french => {
            "Je reprends la conversation. Puis-je vous aider pour autre chose ?"
        }
        Msg::BackFromAgent => "I'm back. Is there anything else I can help with?",
        Msg::Greeting if french => {
            "Bonjour ! Posez-moi votre question, ou demandez à parler à un conseiller."
        }
        Msg::Greeting => "Hello! Ask me anything, or ask for a person at any time.",
        Msg::CallbackNoted if french => {
            "C'est noté : un conseiller vous recontactera dès que possible."
        }
        Msg::CallbackNoted => "Thank you: someone from our team will get back to you soon.",
    }
}

/// The greeting of a conversation started on a help-centre article: it names the article,
/// whose passages the bot's answers then prefer.
pub(crate) fn greeting_on(title: &str, lang: &str) -> String {
    if lang.starts_with("fr") {
        format!("Bonjour ! Vous lisiez « {title} » : posez-moi votre question à ce sujet, ou sur autre chose. Vous pouvez aussi demander un conseiller.")
    } else {
        format!("Hello! You were reading “{title}”: ask me about it, or anything else. You can ask for a person at any time.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_english_fallback() {
        assert_eq!(text(Msg::Disambiguate, "fr"), "Vouliez-vous dire :");
        assert_eq!(text(Msg::Disambiguate, "de"), "Did you mean:");
    }
}
