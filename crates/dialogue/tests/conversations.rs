//! Whole conversations driven through the engine with fixture intents and fake NLU results.

use std::collections::BTreeMap;
use std::path::Path;

use relais_dialogue::{
    Playbook, ConversationState, Engine, EventKind, Input, FallbackStage, FormOutcome,
    HandoffState, IntentScore, IntentThresholds, KnowledgeAnswer, KnowledgeHit, LoadError, Policy, QuickReply,
    ReasonCode, Source, Turn, Understanding,
};
use serde_json::json;

fn engine(policy: Policy) -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intents");
    Engine::new(Playbook::load_dir(&dir).expect("fixtures load"), policy)
}

struct Convo {
    engine: Engine,
    state: ConversationState,
    at: i64,
    next_id: u32,
}

impl Convo {
    fn new(policy: Policy, lang: Option<&str>) -> Self {
        let mut convo = Convo {
            engine: engine(policy),
            state: ConversationState::default(),
            at: 0,
            next_id: 0,
        };
        let visitor = BTreeMap::from([("name".to_string(), "Ada".to_string())]);
        convo.turn(Turn::new(
            0,
            Input::Start {
                conversation_id: "c-1".into(),
                lang: lang.map(str::to_owned),
                visitor,
                verified_user_id: None,
                browser_id: None,
                page: None,
                topic: None,
                simulated: false,
                channel: None,
            },
        ));
        convo
    }

    /// Runs one turn, checks that its state is the fold of its events, and returns them
    /// without the input event.
    fn turn(&mut self, turn: Turn) -> Vec<EventKind> {
        let outcome = self.engine.handle(&self.state, turn);
        let mut folded = self.state.clone();
        for event in &outcome.events {
            folded.apply(event);
        }
        assert_eq!(outcome.state, folded);
        self.state = outcome.state;
        outcome.events.into_iter().skip(1).map(|e| e.kind).collect()
    }

    /// Runs one turn and returns all its events, the input's first.
    fn outcome_of(&mut self, turn: Turn) -> Vec<EventKind> {
        let outcome = self.engine.handle(&self.state, turn);
        self.state = outcome.state;
        outcome.events.into_iter().map(|e| e.kind).collect()
    }

    fn message(&mut self, text: &str) -> Turn {
        self.at += 1000;
        self.next_id += 1;
        let input = Input::Message {
            client_id: self.next_id.to_string(),
            text: text.into(),
        };
        Turn::new(self.at, input)
    }

    /// The visitor says `text`, read as `understanding` in the language the engine chooses.
    fn say(&mut self, text: &str, mut understanding: Understanding) -> Vec<EventKind> {
        understanding.lang = self.engine.language(&self.state, text);
        let turn = self.message(text).with_understanding(understanding);
        self.turn(turn)
    }

    fn input(&mut self, input: Input) -> Turn {
        self.at += 1000;
        Turn::new(self.at, input)
    }
}

fn intent(name: &str, confidence: f32) -> Understanding {
    Understanding {
        lang: String::new(),
        intent: name.into(),
        confidence,
        ranking: vec![IntentScore {
            intent: name.into(),
            confidence,
        }],
        oos: false,
        ambiguous: false,
    }
}

fn oos() -> Understanding {
    Understanding {
        oos: true,
        ..intent("greet", 0.2)
    }
}

fn texts(events: &[EventKind]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            EventKind::BotMessage { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn buttons(events: &[EventKind]) -> Vec<QuickReply> {
    events
        .iter()
        .flat_map(|e| match e {
            EventKind::BotMessage { quick_replies, .. } => quick_replies.clone(),
            _ => Vec::new(),
        })
        .collect()
}

/// The handoff request and the resulting handoff state, if the turn escalated.
fn handoff(events: &[EventKind]) -> Option<(ReasonCode, HandoffState)> {
    let reason = events.iter().find_map(|e| match e {
        EventKind::HandoffRequested { reason, .. } => Some(*reason),
        _ => None,
    })?;
    let state = events.iter().find_map(|e| match e {
        EventKind::Handoff {
            state,
            reason: Some(r),
            ..
        } if *r == reason => Some(*state),
        _ => None,
    })?;
    Some((reason, state))
}

const QUEUED: HandoffState = HandoffState::Queued;

#[test]
fn greeting_fills_the_visitor_name_deterministically() {
    let mut first = Convo::new(Policy::default(), Some("en"));
    let mut second = Convo::new(Policy::default(), Some("en"));
    let a = first.say("hello", intent("greet", 0.95));
    let b = second.say("hello", intent("greet", 0.95));
    let reply = texts(&a)[0];
    assert!(
        reply == "Hello Ada! How can I help?" || reply == "Hi Ada, what can I do for you?",
        "{reply}"
    );
    assert_eq!(texts(&a), texts(&b));
    assert!(matches!(&a[0], EventKind::IntentPredicted { intent, .. } if intent == "greet"));
}

#[test]
fn knowledge_answer_cites_its_source_and_asks_for_feedback() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let knowledge = KnowledgeAnswer {
        hits: vec![KnowledgeHit {
            title: "Warranty".into(),
            url: "https://shop.example/help/warranty".into(),
            text: "Furniture carries a two-year warranty.".into(),
        }],
        confidence: 0.8,
    };
    let turn = convo
        .message("how long is the warranty on a sofa")
        .with_understanding(oos())
        .with_knowledge(knowledge);
    let events = convo.turn(turn);
    let source = Source {
        title: "Warranty".into(),
        url: "https://shop.example/help/warranty".into(),
    };
    assert!(events.contains(&EventKind::KnowledgeShown {
        articles: vec![source.clone()],
        confidence: 0.8
    }));
    assert!(events.contains(&EventKind::BotMessage {
        text: "Furniture carries a two-year warranty.".into(),
        quick_replies: vec![],
        sources: vec![source],
        intent: None,
        ask_feedback: true,
    }));
    assert_eq!(handoff(&events), None);
}

#[test]
fn low_confidence_ladder_rephrase_offer_human_then_escalate_en() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let one = convo.say("blorp", oos());
    assert!(one.contains(&EventKind::Fallback {
        stage: FallbackStage::Rephrase
    }));
    assert_eq!(
        texts(&one),
        ["Sorry, I didn't quite get that. Could you rephrase?"]
    );
    let two = convo.say("zorp", oos());
    assert!(two.contains(&EventKind::Fallback {
        stage: FallbackStage::OfferHuman
    }));
    assert_eq!(
        buttons(&two),
        [QuickReply {
            title: "Talk to a person".into(),
            payload: "/talk_to_human".into()
        }]
    );
    let three = convo.say("florp", intent("returns", 0.3));
    assert_eq!(handoff(&three), Some((ReasonCode::LowConfidence, QUEUED)));
    assert_eq!(
        texts(&three),
        ["I'm passing you to a colleague, who will see our whole conversation."]
    );
}

#[test]
fn low_confidence_escalates_in_french_and_an_answer_resets_the_streak() {
    let mut convo = Convo::new(Policy::default(), Some("fr"));
    assert_eq!(
        texts(&convo.say("truc", oos())),
        ["Je n'ai pas bien compris. Pouvez-vous reformuler ?"]
    );
    convo.say("délai de livraison", intent("delivery_info", 0.9));
    assert_eq!(convo.state.fallback_streak, 0);
    convo.say("machin", oos());
    convo.say("bidule", oos());
    let third = convo.say("chose", oos());
    assert_eq!(handoff(&third), Some((ReasonCode::LowConfidence, QUEUED)));
    assert!(texts(&third)[0].starts_with("Je vous mets en relation"));
}

#[test]
fn a_region_s_tag_is_read_as_its_language() {
    let mut convo = Convo::new(Policy::default(), Some("fr-CA"));
    assert_eq!(convo.state.lang.as_deref(), Some("fr"));
    assert_eq!(
        texts(&convo.say("truc", oos())),
        ["Je n'ai pas bien compris. Pouvez-vous reformuler ?"]
    );
}

#[test]
fn ambiguous_top_two_become_quick_replies() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let understanding = Understanding {
        lang: String::new(),
        intent: "delivery_info".into(),
        confidence: 0.45,
        ranking: vec![
            IntentScore {
                intent: "delivery_info".into(),
                confidence: 0.45,
            },
            IntentScore {
                intent: "returns".into(),
                confidence: 0.41,
            },
            IntentScore {
                intent: "greet".into(),
                confidence: 0.05,
            },
        ],
        oos: false,
        ambiguous: true,
    };
    let events = convo.say("sending it back how long", understanding);
    assert_eq!(texts(&events), ["Did you mean:"]);
    assert_eq!(
        buttons(&events),
        [
            QuickReply {
                title: "Delivery times".into(),
                payload: "/delivery_info".into()
            },
            QuickReply {
                title: "Returns".into(),
                payload: "/returns".into()
            },
        ]
    );
    let turn = convo.input(Input::QuickReply {
        payload: "/returns".into(),
    });
    assert_eq!(
        texts(&convo.turn(turn)),
        ["You can return any item within 30 days."]
    );
}

/// `returns` at `confidence`, `delivery_info` just below it.
fn unsure(confidence: f32) -> Understanding {
    Understanding {
        ranking: vec![
            IntentScore {
                intent: "returns".into(),
                confidence,
            },
            IntentScore {
                intent: "delivery_info".into(),
                confidence: confidence / 2.0,
            },
        ],
        ..intent("returns", confidence)
    }
}

#[test]
fn between_the_two_thresholds_the_bot_asks_did_you_mean() {
    // Defaults: answers from 0.6, suggests from 0.35.
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let events = convo.say("send it back", unsure(0.5));
    assert_eq!(texts(&events), ["Did you mean:"]);
    assert_eq!(
        buttons(&events).iter().map(|b| b.payload.as_str()).collect::<Vec<_>>(),
        ["/returns", "/delivery_info"]
    );
    assert!(events.contains(&EventKind::Fallback {
        stage: FallbackStage::Disambiguate
    }));
    // Below the low threshold: the fallback ladder (the suggestion was its first step);
    // at the high threshold: the answer.
    let below = convo.say("blah", unsure(0.3));
    assert!(below.contains(&EventKind::Fallback { stage: FallbackStage::OfferHuman }), "{below:?}");
    assert_eq!(texts(&convo.say("return it", unsure(0.6))), ["You can return any item within 30 days."]);
    // A confident article beats an unsure intent.
    let knowledge = KnowledgeAnswer {
        hits: vec![KnowledgeHit {
            title: "Returns policy".into(),
            url: "/help/returns".into(),
            text: "Returns are free for 30 days.".into(),
        }],
        confidence: 0.8,
    };
    let turn = convo.message("sending things back").with_understanding(unsure(0.5)).with_knowledge(knowledge);
    assert_eq!(texts(&convo.turn(turn)), ["Returns are free for 30 days."]);

    // Per intent: `returns` answers from 0.45 and suggests from 0.2; others keep the
    // global thresholds.
    let mut policy = Policy::default();
    policy.intent_thresholds.insert(
        "returns".into(),
        IntentThresholds {
            high: Some(0.45),
            low: Some(0.2),
        },
    );
    let mut convo = Convo::new(policy, Some("en"));
    assert_eq!(texts(&convo.say("send it back", unsure(0.5))), ["You can return any item within 30 days."]);
    assert_eq!(texts(&convo.say("blah", unsure(0.3))), ["Did you mean:"]);
    let delivery = Understanding {
        intent: "delivery_info".into(),
        ..unsure(0.5)
    };
    assert_eq!(texts(&convo.say("how long", delivery)), ["Did you mean:"], "the global 0.6 for delivery_info");
    // The low threshold at the high one: never asks.
    let mut convo = Convo::new(Policy { suggest_confidence: 0.6, ..Policy::default() }, Some("en"));
    assert_eq!(texts(&convo.say("send it back", unsure(0.5))), ["Sorry, I didn't quite get that. Could you rephrase?"]);
}

#[test]
fn explicit_request_en_by_intent_and_fr_by_button_without_agents() {
    let mut en = Convo::new(Policy::default(), Some("en"));
    let events = en.say("human please", intent("talk_to_human", 0.9));
    assert_eq!(
        handoff(&events),
        Some((ReasonCode::ExplicitRequest, QUEUED))
    );
    assert_eq!(en.state.stage, relais_dialogue::Stage::Queued);

    let mut fr = Convo::new(Policy::default(), Some("fr"));
    let turn = fr
        .input(Input::RequestAgent { reason: None })
        .with_agents_available(false);
    let events = fr.turn(turn);
    assert_eq!(
        handoff(&events),
        Some((ReasonCode::ExplicitRequest, HandoffState::NoAgentAvailable))
    );
    assert_eq!(
        buttons(&events),
        [QuickReply {
            title: "Être rappelé".into(),
            payload: "/callback_request".into()
        }]
    );
    assert_eq!(fr.state.stage, relais_dialogue::Stage::Bot);
}

#[test]
fn frustration_lexicon_caps_and_repetition_in_both_languages() {
    let mut en = Convo::new(Policy::default(), Some("en"));
    assert_eq!(
        handoff(&en.say("this bot is useless", intent("returns", 0.9))),
        Some((ReasonCode::Frustration, QUEUED))
    );

    let mut caps = Convo::new(Policy::default(), Some("en"));
    assert_eq!(
        handoff(&caps.say("WHERE IS MY PARCEL", intent("delivery_info", 0.9))),
        Some((ReasonCode::Frustration, QUEUED))
    );

    let mut fr = Convo::new(Policy::default(), Some("fr"));
    assert_eq!(
        handoff(&fr.say("c'est n'importe quoi", oos())),
        Some((ReasonCode::Frustration, QUEUED))
    );

    let mut repeat = Convo::new(Policy::default(), Some("fr"));
    assert_eq!(handoff(&repeat.say("quand arrive mon colis", oos())), None);
    let again = repeat.say("Quand arrive mon colis ?", oos());
    assert_eq!(handoff(&again), Some((ReasonCode::Frustration, QUEUED)));
    assert!(again.iter().any(|e| matches!(e, EventKind::HandoffRequested { detail, .. } if detail == "same question repeated")));

    let mut calm = Convo::new(
        Policy {
            escalate_on_frustration: false,
            ..Policy::default()
        },
        Some("en"),
    );
    assert_eq!(
        handoff(&calm.say("this bot is useless", intent("returns", 0.9))),
        None
    );
}

#[test]
fn negative_feedback_escalates_at_the_threshold_en_and_fr() {
    for (lang, sorry) in [
        ("en", "Sorry that didn't help."),
        ("fr", "Désolé que cela ne vous ait pas aidé."),
    ] {
        let mut convo = Convo::new(Policy::default(), Some(lang));
        let first = convo.input(Input::Feedback {
            seq: 3,
            helpful: false,
        });
        let events = convo.turn(first);
        assert!(texts(&events)[0].starts_with(sorry), "{lang}");
        assert_eq!(handoff(&events), None);
        let second = convo.input(Input::Feedback {
            seq: 5,
            helpful: false,
        });
        assert_eq!(
            handoff(&convo.turn(second)),
            Some((ReasonCode::NegativeFeedback, QUEUED)),
            "{lang}"
        );
    }
}

#[test]
fn handoff_always_intent_answers_then_escalates_en_and_fr() {
    let mut en = Convo::new(Policy::default(), Some("en"));
    let events = en.say("can I upgrade", intent("upgrade_eligibility", 0.9));
    assert_eq!(
        texts(&events)[0],
        "Upgrade eligibility depends on your contract; a colleague will check it."
    );
    assert_eq!(
        handoff(&events),
        Some((ReasonCode::AlwaysHandoffIntent, QUEUED))
    );

    let mut fr = Convo::new(Policy::default(), Some("fr"));
    let events = fr.say(
        "puis-je changer de formule",
        intent("upgrade_eligibility", 0.9),
    );
    assert!(texts(&events)[0].starts_with("L'éligibilité"));
    assert_eq!(
        handoff(&events),
        Some((ReasonCode::AlwaysHandoffIntent, QUEUED))
    );
}

/// Fills the order-status form and returns the action request's payload.
fn complete_order_form(convo: &mut Convo) -> serde_json::Value {
    convo.say("where is my order", intent("order_status", 0.9));
    convo.say("BW-482913", oos());
    let events = convo.say("ada@example.com", oos());
    assert!(events.contains(&EventKind::FormEnded {
        intent: "order_status".into(),
        outcome: FormOutcome::Completed
    }));
    events
        .into_iter()
        .find_map(|e| match e {
            EventKind::ActionRequested {
                action,
                url,
                payload,
                ..
            } => {
                assert_eq!(
                    (action.as_str(), url.as_str()),
                    ("order_status", "http://localhost:8099/actions/order_status")
                );
                Some(payload)
            }
            _ => None,
        })
        .expect("action requested")
}

/// Claims stay claims: only a server-set verified id reaches the action as verified, and
/// an identification without one never replaces or clears it.
#[test]
fn actions_tell_the_verified_user_id_from_what_the_visitor_claims() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let claims = BTreeMap::from([
        ("user_id".to_string(), "ceo@brightwood.example".to_string()),
        ("identity_verified".to_string(), "true".to_string()),
    ]);
    let identified = |visitor: BTreeMap<String, String>, verified: Option<&str>| Input::Identify {
        visitor,
        verified_user_id: verified.map(str::to_owned),
    };
    let claimed = convo.input(identified(claims.clone(), None));
    convo.turn(claimed);
    let payload = complete_order_form(&mut convo);
    assert_eq!(payload["verified_user_id"], json!(null));
    assert_eq!(payload["visitor"]["user_id"], "ceo@brightwood.example");

    let mut convo = Convo::new(Policy::default(), Some("en"));
    let signed = convo.input(identified(BTreeMap::new(), Some("ada-17")));
    convo.turn(signed);
    let forged = convo.input(identified(claims, None));
    convo.turn(forged);
    assert_eq!(convo.state.verified_user_id.as_deref(), Some("ada-17"));
    let payload = complete_order_form(&mut convo);
    assert_eq!(payload["verified_user_id"], "ada-17");
    assert_eq!(payload["visitor"]["user_id"], "ceo@brightwood.example");
}

#[test]
fn form_validates_retries_and_action_success_replies_from_slots() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let start = convo.say("where is my order", intent("order_status", 0.9));
    assert!(start.contains(&EventKind::FormStarted {
        intent: "order_status".into()
    }));
    assert_eq!(
        texts(&start),
        ["What is your order number (e.g. BW-482913)?"]
    );
    let bad = convo.say("482913", oos());
    assert!(bad.contains(&EventKind::SlotRejected {
        name: "order_number".into(),
        value: "482913".into()
    }));
    assert_eq!(
        texts(&bad),
        ["An order number looks like BW-482913. Could you check it?"]
    );
    let good = convo.say(" BW-482913 ", oos());
    assert!(good.contains(&EventKind::SlotSet {
        name: "order_number".into(),
        value: "BW-482913".into()
    }));
    assert_eq!(texts(&good), ["Which email address did you order with?"]);
    let done = convo.say("ada@example.com", oos());
    let payload = done.iter().find_map(|e| match e {
        EventKind::ActionRequested { payload, .. } => Some(payload.clone()),
        _ => None,
    });
    assert_eq!(
        payload,
        Some(
            json!({"conversation_id": "c-1", "intent": "order_status", "lang": "en",
            "slots": {"email": "ada@example.com", "order_number": "BW-482913"}, "visitor": {"name": "Ada"},
            "verified_user_id": null})
        )
    );
    let result = convo.input(Input::ActionResult {
        action: "order_status".into(),
        ok: true,
        reply: Some(json!({"slots": {"status": "shipped"}})),
        error: None,
    });
    let events = convo.turn(result);
    assert_eq!(texts(&events), ["Order BW-482913 is shipped."]);
    assert!(events.contains(&EventKind::Resolved));
    assert_eq!(convo.state.turns_since_resolution, 0);
}

#[test]
fn action_reply_text_wins_and_a_stale_result_is_ignored() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    complete_order_form(&mut convo);
    let reply = json!({"text": "Your order left our warehouse today."});
    let result = Input::ActionResult {
        action: "order_status".into(),
        ok: true,
        reply: Some(reply),
        error: None,
    };
    let turn = convo.input(result.clone());
    assert_eq!(
        texts(&convo.turn(turn)),
        ["Your order left our warehouse today."]
    );
    let turn = convo.input(result);
    assert_eq!(convo.turn(turn), Vec::<EventKind>::new());
}

#[test]
fn action_failure_escalates_en_and_offers_a_human_fr_when_configured() {
    let mut en = Convo::new(Policy::default(), Some("en"));
    complete_order_form(&mut en);
    let failed = Input::ActionResult {
        action: "order_status".into(),
        ok: false,
        reply: None,
        error: Some("timeout".into()),
    };
    let turn = en.input(failed.clone());
    let events = en.turn(turn);
    assert_eq!(
        texts(&events)[0],
        "Sorry, I can't reach our system right now."
    );
    assert_eq!(handoff(&events), Some((ReasonCode::ActionFailed, QUEUED)));
    assert!(events.iter().any(|e| matches!(e, EventKind::HandoffRequested { detail, .. } if detail == "order_status: timeout")));

    let mut fr = Convo::new(
        Policy {
            escalate_on_action_failure: false,
            ..Policy::default()
        },
        Some("fr"),
    );
    let payload = complete_order_form(&mut fr);
    assert_eq!(payload["lang"], "fr");
    let turn = fr.input(failed);
    let events = fr.turn(turn);
    assert_eq!(handoff(&events), None);
    assert_eq!(
        texts(&events),
        ["Désolé, je n'arrive pas à joindre notre système pour le moment."]
    );
    assert_eq!(buttons(&events)[0].payload, "/talk_to_human");
}

#[test]
fn cancel_leaves_the_form_in_english_and_french() {
    for (lang, word, reply) in [
        ("en", "cancel", "OK, cancelled."),
        ("fr", "Annuler", "D'accord, j'annule."),
    ] {
        let mut convo = Convo::new(Policy::default(), Some(lang));
        convo.say("where is my order", intent("order_status", 0.9));
        let events = convo.say(word, oos());
        assert!(events.contains(&EventKind::FormEnded {
            intent: "order_status".into(),
            outcome: FormOutcome::Cancelled
        }));
        assert!(texts(&events)[0].starts_with(reply), "{lang}");
        assert_eq!(convo.state.form, None);
    }
}

#[test]
fn a_slot_no_one_fills_gives_up_after_the_allowed_attempts() {
    let mut convo = Convo::new(
        Policy {
            max_slot_attempts: 2,
            ..Policy::default()
        },
        Some("en"),
    );
    convo.say("where is my order", intent("order_status", 0.9));
    convo.say("no idea", oos());
    let events = convo.say("dunno", oos());
    assert!(events.contains(&EventKind::FormEnded {
        intent: "order_status".into(),
        outcome: FormOutcome::GaveUp
    }));
    assert_eq!(buttons(&events)[0].payload, "/talk_to_human");
    assert_eq!(convo.state.form, None);
}

#[test]
fn knowledge_not_found_escalates_when_configured_en_and_fr() {
    let policy = Policy {
        escalate_on_knowledge_miss: true,
        ..Policy::default()
    };
    for lang in ["en", "fr"] {
        let mut convo = Convo::new(policy.clone(), Some(lang));
        let miss = KnowledgeAnswer {
            hits: vec![],
            confidence: 0.1,
        };
        let turn = convo
            .message("do you sell garden gnomes")
            .with_understanding(oos())
            .with_knowledge(miss);
        assert_eq!(
            handoff(&convo.turn(turn)),
            Some((ReasonCode::KnowledgeNotFound, QUEUED)),
            "{lang}"
        );
    }
}

#[test]
fn no_resolution_by_turns_en_and_by_time_fr() {
    let mut en = Convo::new(
        Policy {
            max_turns_without_resolution: 3,
            ..Policy::default()
        },
        Some("en"),
    );
    assert_eq!(
        handoff(&en.say("how long is delivery", intent("delivery_info", 0.9))),
        None
    );
    assert_eq!(
        handoff(&en.say("and returns?", intent("returns", 0.9))),
        None
    );
    assert_eq!(
        handoff(&en.say("delivery again", intent("delivery_info", 0.9))),
        Some((ReasonCode::NoResolution, QUEUED))
    );

    let mut thanked = Convo::new(
        Policy {
            max_turns_without_resolution: 3,
            ..Policy::default()
        },
        Some("en"),
    );
    thanked.say("how long is delivery", intent("delivery_info", 0.9));
    thanked.say("thanks", intent("thanks", 0.9));
    thanked.say("and returns?", intent("returns", 0.9));
    assert_eq!(
        handoff(&thanked.say("delivery again", intent("delivery_info", 0.9))),
        None
    );

    let mut fr = Convo::new(
        Policy {
            max_seconds_without_resolution: 60,
            ..Policy::default()
        },
        Some("fr"),
    );
    assert_eq!(
        handoff(&fr.say("délai de livraison", intent("delivery_info", 0.9))),
        None
    );
    fr.at += 60_000;
    assert_eq!(
        handoff(&fr.say("et les retours", intent("returns", 0.9))),
        Some((ReasonCode::NoResolution, QUEUED))
    );
}

#[test]
fn agent_hold_silences_the_bot_and_hand_back_keeps_the_context() {
    let mut convo = Convo::new(Policy::default(), None);
    let first = convo.say("Bonjour, où est ma commande", intent("order_status", 0.9));
    assert_eq!(first[0], EventKind::LanguageSet { lang: "fr".into() });
    convo.say("BW-482913", oos());
    convo.turn(Turn::new(
        convo.at,
        Input::RequestAgent { reason: None },
    ));
    assert_eq!(convo.state.form, None);
    let joined = convo.input(Input::Claim { agent_name: "Ann".into() });
    assert_eq!(convo.turn(joined), Vec::<EventKind>::new());
    assert_eq!(convo.say("vous êtes là ?", oos()), Vec::<EventKind>::new());
    assert_eq!(convo.say("c'est nul", oos()), Vec::<EventKind>::new());
    let back = convo.input(Input::HandBack { agent_name: "Ann".into() });
    assert_eq!(
        texts(&convo.turn(back)),
        ["Je reprends la conversation. Puis-je vous aider pour autre chose ?"]
    );
    assert_eq!(convo.state.slots["order_number"], "BW-482913");
    let again = convo.say("où est ma commande", intent("order_status", 0.9));
    assert_eq!(
        texts(&again),
        ["Avec quelle adresse e-mail avez-vous commandé ?"]
    );
}

#[test]
fn english_is_the_fallback_for_intents_missing_in_french() {
    let mut convo = Convo::new(Policy::default(), Some("fr"));
    assert_eq!(
        texts(&convo.say("merci", intent("thanks", 0.9))),
        ["You're welcome!"]
    );
}

#[test]
fn a_closed_conversation_gets_no_reply() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let close = convo.input(Input::Close {
        by: "visitor".into(),
        resolution: None,
    });
    convo.turn(close);
    assert_eq!(
        convo.say("hello", intent("greet", 0.9)),
        Vec::<EventKind>::new()
    );
}

#[test]
fn a_missing_intents_directory_is_named_in_the_error() {
    let err = Playbook::load_dir(Path::new("/nonexistent/intents")).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot read /nonexistent/intents:"),
        "{err}"
    );
}

#[test]
fn the_rating_is_asked_once_at_the_first_resolution() {
    use relais_dialogue::RatingScale;
    let asked = |events: &[EventKind]| {
        events
            .iter()
            .filter_map(|e| match e {
                EventKind::RatingAsked { scale } => Some(*scale),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let helpful = convo.input(Input::Feedback { seq: 3, helpful: true });
    let first = convo.turn(helpful);
    assert!(first.contains(&EventKind::Resolved));
    assert_eq!(asked(&first), [2], "thumbs by default, asked with the first resolution");
    let again = convo.input(Input::Feedback { seq: 5, helpful: true });
    assert_eq!(asked(&convo.turn(again)), Vec::<u8>::new(), "asked once by the bot");
    let rate = convo.input(Input::Rate { score: 2 });
    assert_eq!(convo.outcome_of(rate), [EventKind::ConversationRated { score: 2, scale: 2 }]);
    assert_eq!(convo.state.rating_pending, None);

    let close = convo.input(Input::Close { by: "visitor".into(), resolution: None });
    assert_eq!(asked(&convo.turn(close)), Vec::<u8>::new(), "not asked again");

    let five = Policy { rating: RatingScale::Five, ..Policy::default() };
    let mut convo = Convo::new(five, Some("en"));
    let helpful = convo.input(Input::Feedback { seq: 3, helpful: true });
    assert_eq!(asked(&convo.turn(helpful)), [5]);
    let off = Policy { rating: RatingScale::Off, ..Policy::default() };
    let mut convo = Convo::new(off, Some("en"));
    let helpful = convo.input(Input::Feedback { seq: 3, helpful: true });
    assert_eq!(asked(&convo.turn(helpful)), Vec::<u8>::new());
    let by_agent = convo.input(Input::Close { by: "agent".into(), resolution: None });
    assert_eq!(asked(&convo.turn(by_agent)), Vec::<u8>::new(), "off is off");
}

#[test]
fn an_agents_close_asks_for_the_rating_after_it_unless_asked_before() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let close = convo.input(Input::Close { by: "agent".into(), resolution: Some("solved".into()) });
    let events = convo.outcome_of(close);
    assert!(matches!(events[0], EventKind::Closed { .. }), "the close first: {events:?}");
    assert_eq!(events[1..], [EventKind::RatingAsked { scale: 2 }]);
    assert_eq!(convo.state.rating_pending, Some(2));
    // Rated on the closed conversation.
    let rate = convo.input(Input::Rate { score: 1 });
    assert_eq!(convo.outcome_of(rate), [EventKind::ConversationRated { score: 1, scale: 2 }]);

    // A visitor's close asks nothing; neither does an agent's after the bot asked.
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let close = convo.input(Input::Close { by: "visitor".into(), resolution: None });
    assert_eq!(convo.turn(close), Vec::<EventKind>::new());
    let mut convo = Convo::new(Policy::default(), Some("en"));
    let helpful = convo.input(Input::Feedback { seq: 3, helpful: true });
    convo.turn(helpful);
    let close = convo.input(Input::Close { by: "agent".into(), resolution: None });
    assert_eq!(convo.turn(close), Vec::<EventKind>::new(), "asked once per conversation");
}

#[test]
fn a_conversation_started_on_a_help_article_greets_with_it_and_keeps_it_as_topic() {
    let mut convo = Convo::new(Policy::default(), Some("en"));
    assert_eq!(convo.state.topic, None);
    let topic = relais_dialogue::Topic { article_id: "return-large-items".into(), title: "Return large items".into() };
    let engine = engine(Policy::default());
    let started = engine.handle(
        &ConversationState::default(),
        Turn::new(0, Input::Start {
            conversation_id: "c-2".into(),
            lang: Some("fr".into()),
            visitor: BTreeMap::new(),
            verified_user_id: None,
            browser_id: None,
            page: Some(("https://shop.example/help/fr/retour".into(), None)),
            topic: Some(topic.clone()),
            simulated: false,
            channel: None,
        }),
    );
    assert_eq!(started.state.topic.as_deref(), Some("return-large-items"));
    let greeting = started.events.iter().find_map(|e| match &e.kind {
        EventKind::BotMessage { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert!(greeting.as_deref().is_some_and(|g| g.contains("« Return large items »")), "{greeting:?}");

    // Viewing the same article again sets nothing; another one changes the topic.
    let view = |topic: relais_dialogue::Topic| Turn::new(5, Input::PageView { url: "u".into(), title: None, topic: Some(topic) });
    let again = convo.outcome_of(view(topic.clone()));
    assert_eq!(again.iter().filter(|k| matches!(k, EventKind::TopicSet { .. })).count(), 1);
    let same = convo.outcome_of(view(topic));
    assert!(!same.iter().any(|k| matches!(k, EventKind::TopicSet { .. })), "{same:?}");
    let other = convo.outcome_of(view(relais_dialogue::Topic { article_id: "invoices".into(), title: "Download your invoice".into() }));
    assert!(other.iter().any(|k| matches!(k, EventKind::TopicSet { .. })));
    assert_eq!((convo.state.topic.as_deref(), convo.state.topic_title.as_deref()), (Some("invoices"), Some("Download your invoice")));
}
