//! A conversation's tally: what the insights figures need of it, folded from its events
//! in `seq` order and kept in its `conversations` row by the transaction that appends
//! them (migration 0004), so the figures of a window read one row per conversation
//! instead of its whole log. It is kept in postcard's binary form (the workspace's format
//! for model files already): compact varints and no field names, a third the size of its
//! JSON and decoded many times faster, which is what keeps the summary of 100,000
//! conversations within its time. The fold reads no clock and no setting: relais-insights
//! turns a tally into facts given `now` and `[insights]`, and docs/metrics.md defines
//! what each field feeds.

use std::collections::BTreeMap;

use relais_dialogue::{EventKind, HandoffState, ReasonCode, Source};
use serde::{Deserialize, Serialize};

use crate::{Db, Error, Result, Store, StoredEvent};

/// Conversations folded per transaction when the store fills the tallies a version
/// before 4 did not keep, or another version of the fold wrote.
const FILL_BATCH: usize = 500;

/// The version of the fold ([`Tally::apply`]) and of its encoding. A change to either
/// (a field of [`Tally`] or of a type inside it, `ReasonCode` and `Source` included)
/// comes with one more here: the store then folds every conversation's tally again from
/// its log when it opens, so no figure keeps an older fold's answer. The test
/// `the_encoding_is_pinned_to_its_version` fails on a change of encoding alone.
pub const TALLY_VERSION: u32 = 3;

/// The visitor's rating of the whole conversation: `score` from 1 to `scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub score: u8,
    pub scale: u8,
}

impl Rating {
    /// At least 80 % of the scale: 2 of 2 (👍), 4 or 5 of 5.
    pub fn positive(self) -> bool {
        5 * u32::from(self.score) >= 4 * u32::from(self.scale)
    }
}

/// A bot message that answers: it names an intent or cites articles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub intent: Option<String>,
    /// The articles it cites.
    pub articles: Vec<Source>,
    /// The `seq` of the visitor message it answers.
    pub asked: Option<u64>,
}

/// Why a visitor message is a knowledge gap: the bot could not serve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The turn escalated because the classifier was not confident enough.
    LowConfidence,
    /// The turn escalated because no article matched.
    NoArticle,
    /// The classifier judged the message out of scope and nothing answered it.
    OutOfScope,
    /// The bot fell back (asked to rephrase, offered choices or a person).
    Fallback,
    /// The answer to it was rated 👎.
    RatedUnhelpful,
}

impl GapReason {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::LowConfidence => "low_confidence",
            GapReason::NoArticle => "no_article",
            GapReason::OutOfScope => "out_of_scope",
            GapReason::Fallback => "fallback",
            GapReason::RatedUnhelpful => "rated_unhelpful",
        }
    }
}

/// The turn under way: what followed the visitor's last message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenTurn {
    /// The `seq` of the visitor message that began it.
    pub asked: u64,
    pub answered: bool,
    pub fell_back: bool,
    pub out_of_scope: bool,
    pub escalated: Option<ReasonCode>,
}

impl OpenTurn {
    /// Why this turn's message is a gap, if the bot could not serve it.
    fn gap(&self) -> Option<GapReason> {
        if self.answered {
            return None;
        }
        match self.escalated {
            Some(ReasonCode::LowConfidence) => Some(GapReason::LowConfidence),
            Some(ReasonCode::KnowledgeNotFound) => Some(GapReason::NoArticle),
            // Asked for a person, frustration …: the visitor's choice, not a gap.
            Some(_) => None,
            None if self.out_of_scope && self.fell_back => Some(GapReason::OutOfScope),
            None if self.fell_back => Some(GapReason::Fallback),
            None => None,
        }
    }
}

/// What the insights figures need of one conversation. Times in ms since the epoch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// [`TALLY_VERSION`] when folded by this version; 0 in a tally of no version.
    pub version: u32,
    /// The time of its first event.
    pub started_at: i64,
    /// The time of its last event.
    pub last_at: i64,
    /// Made by `relais simulate`.
    pub simulated: bool,
    /// The channel of its `started` event; `None`: the widget.
    pub channel: Option<String>,
    /// The last language set (`started.lang`, then `language_set`).
    pub language: Option<String>,
    /// The URL of the first `page_viewed`.
    pub first_page: Option<String>,
    /// The first verified user id (at the start or from `identify`).
    pub verified_user_id: Option<String>,
    /// The widget's browser id, a claim used only to recognise a returning browser.
    pub browser_id: Option<String>,
    /// The visitor wrote (typed, pressed a suggestion or asked for a person).
    pub engaged: bool,
    /// The intents the bot answered, each once, in the order first answered.
    pub intents: Vec<String>,
    /// The classifier's in-scope predictions: intent and confidence.
    pub predictions: Vec<(String, f32)>,
    /// The bot's answers, by `seq`.
    pub answers: BTreeMap<u64, Answer>,
    /// The latest "Was this useful?" per rated `seq` (true: 👍).
    pub feedback: BTreeMap<u64, bool>,
    /// The last feedback given, and whether any was 👎.
    pub last_feedback_helpful: Option<bool>,
    pub any_unhelpful: bool,
    /// A `resolved` that did not come from a 👍: an intent that resolves, or an action
    /// that succeeded.
    pub resolved_by_answer: bool,
    /// The turn under way began with a 👍 (the engine then says thanks and `resolved`).
    pub in_positive_feedback_turn: bool,
    /// The bot's last message was an answer and no fallback came after it.
    pub last_bot_word_answers: bool,
    pub last_answer_at: Option<i64>,
    pub rating_asked: bool,
    /// The visitor's latest rating of the conversation.
    pub rating: Option<Rating>,
    /// The reason of the first `handoff_requested`.
    pub escalation_reason: Option<ReasonCode>,
    pub queued_at: Option<i64>,
    pub queue_wait_ms: Option<i64>,
    pub joined_at: Option<i64>,
    /// The name of the first agent who joined.
    pub agent: Option<String>,
    pub first_agent_message_at: Option<i64>,
    /// Left the queue because the visitor was gone.
    pub abandoned: bool,
    pub callbacks: u32,
    pub closed_at: Option<i64>,
    /// Visitor messages of finished turns the bot could not serve, by `seq`.
    pub gaps: BTreeMap<u64, GapReason>,
    pub turn: Option<OpenTurn>,
}

impl Tally {
    /// The tally of no event yet, of this version.
    pub fn new() -> Tally {
        Tally {
            version: TALLY_VERSION,
            ..Tally::default()
        }
    }

    /// The tally of `events`, in `seq` order.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a StoredEvent>) -> Tally {
        let mut tally = Tally::new();
        for stored in events {
            tally.apply(stored);
        }
        tally
    }

    /// The visitor messages the bot could not serve, by `seq`, with the first reason
    /// that applies: a 👎 on the answer, else what happened in its turn.
    pub fn gap_messages(&self) -> BTreeMap<u64, GapReason> {
        let mut gaps = self.gaps.clone();
        if let Some(reason) = self.turn.as_ref().and_then(OpenTurn::gap) {
            gaps.insert(self.turn.as_ref().map_or(0, |turn| turn.asked), reason);
        }
        for (seq, helpful) in &self.feedback {
            if let Some(asked) = self.answers.get(seq).and_then(|answer| answer.asked)
                && !helpful
            {
                gaps.insert(asked, GapReason::RatedUnhelpful);
            }
        }
        gaps
    }

    /// Folds one more event.
    pub fn apply(&mut self, stored: &StoredEvent) {
        let at = stored.event.at;
        if self.started_at == 0 {
            self.started_at = at;
        }
        self.last_at = self.last_at.max(at);
        match &stored.event.kind {
            EventKind::Started {
                lang,
                verified_user_id,
                browser_id,
                simulated,
                channel,
                ..
            } => {
                self.simulated = *simulated;
                self.channel = channel.as_ref().map(|channel| channel.name.clone());
                self.language.clone_from(lang);
                self.verified_user_id.clone_from(verified_user_id);
                self.browser_id.clone_from(browser_id);
            }
            EventKind::LanguageSet { lang } => self.language = Some(lang.clone()),
            EventKind::VisitorIdentified {
                verified_user_id: Some(user),
                ..
            } => {
                self.verified_user_id.get_or_insert_with(|| user.clone());
            }
            EventKind::PageViewed { url, .. } => {
                self.first_page.get_or_insert_with(|| url.clone());
            }
            EventKind::VisitorMessage { .. } | EventKind::QuickReplyPressed { .. } => {
                self.engaged = true;
                self.in_positive_feedback_turn = false;
                self.begin_turn(stored.seq, matches!(stored.event.kind, EventKind::VisitorMessage { .. }));
            }
            EventKind::RequestAgent { .. } => self.engaged = true,
            EventKind::ActionResult { .. } => self.in_positive_feedback_turn = false,
            EventKind::IntentPredicted {
                intent,
                confidence,
                oos,
                ..
            } => {
                if *oos {
                    if let Some(turn) = &mut self.turn {
                        turn.out_of_scope = true;
                    }
                } else {
                    self.predictions.push((intent.clone(), *confidence));
                }
            }
            EventKind::BotMessage { intent, sources, .. } => {
                self.last_bot_word_answers = intent.is_some() || !sources.is_empty();
                if self.last_bot_word_answers {
                    self.last_answer_at = Some(at);
                    let asked = self.turn.as_mut().map(|turn| {
                        turn.answered = true;
                        turn.asked
                    });
                    self.answers.insert(
                        stored.seq,
                        Answer {
                            intent: intent.clone(),
                            articles: sources.clone(),
                            asked,
                        },
                    );
                }
                if let Some(intent) = intent
                    && !self.intents.contains(intent)
                {
                    self.intents.push(intent.clone());
                }
            }
            EventKind::Fallback { .. } => {
                self.last_bot_word_answers = false;
                if let Some(turn) = &mut self.turn {
                    turn.fell_back = true;
                }
            }
            EventKind::Resolved if !self.in_positive_feedback_turn => self.resolved_by_answer = true,
            EventKind::Feedback { seq, helpful } => {
                self.feedback.insert(*seq, *helpful);
                self.last_feedback_helpful = Some(*helpful);
                self.any_unhelpful |= !helpful;
                self.in_positive_feedback_turn = *helpful;
            }
            EventKind::RatingAsked { .. } => self.rating_asked = true,
            EventKind::ConversationRated { score, scale } => {
                self.rating = Some(Rating {
                    score: *score,
                    scale: *scale,
                });
            }
            EventKind::HandoffRequested { reason, .. } => {
                self.escalation_reason.get_or_insert(*reason);
                if let Some(turn) = &mut self.turn {
                    turn.escalated.get_or_insert(*reason);
                }
            }
            EventKind::Handoff {
                state, agent_name, ..
            } => self.handoff(*state, agent_name, at),
            EventKind::AgentMessage { agent_name, .. }
                if self.joined_at.is_some() && self.first_agent_message_at.is_none() =>
            {
                self.first_agent_message_at = Some(at);
                self.agent.get_or_insert_with(|| agent_name.clone());
            }
            EventKind::CallbackRequested { .. } => self.callbacks = self.callbacks.saturating_add(1),
            EventKind::Closed { .. } => {
                self.closed_at.get_or_insert(at);
            }
            _ => {}
        }
    }

    /// Ends the turn under way, keeping its message if it is a gap, and begins the next
    /// one: only a typed message can be a gap (a pressed suggestion is the bot's words).
    fn begin_turn(&mut self, seq: u64, typed: bool) {
        if let Some(turn) = self.turn.take()
            && let Some(reason) = turn.gap()
        {
            self.gaps.insert(turn.asked, reason);
        }
        self.turn = typed.then(|| OpenTurn {
            asked: seq,
            ..OpenTurn::default()
        });
    }

    fn handoff(&mut self, state: HandoffState, agent_name: &Option<String>, at: i64) {
        match state {
            HandoffState::Queued => self.queued_at = Some(at),
            HandoffState::AgentJoined if self.joined_at.is_none() => {
                self.joined_at = Some(at);
                self.agent.clone_from(agent_name);
                self.queue_wait_ms = self.queued_at.map(|queued| at - queued);
            }
            HandoffState::Abandoned => self.abandoned = true,
            _ => {}
        }
    }

    /// What `conversations.tally` keeps: postcard's encoding, whose first bytes are
    /// [`Tally::version`] (postcard writes fields in order, a `u32` as a varint).
    pub(crate) fn encode(&self) -> Result<Vec<u8>> {
        postcard::to_stdvec(self).map_err(|e| Error::encode("a tally", e))
    }

    /// Reads conversation `id`'s `conversations.tally`.
    pub(crate) fn decode(bytes: &[u8], id: &str) -> Result<Tally> {
        postcard::from_bytes(bytes).map_err(|e| Error::corrupt(format!("the tally of conversation {id}"), e))
    }

    /// Who started it, to recognise the same visitor coming back: the verified user id,
    /// else the browser id (two name spaces, never mixed).
    pub fn visitor(&self) -> Option<String> {
        match (&self.verified_user_id, &self.browser_id) {
            (Some(user), _) => Some(format!("user:{user}")),
            (None, Some(browser)) => Some(format!("browser:{browser}")),
            (None, None) => None,
        }
    }
}

impl Store {
    /// Folds the tally and the review turns of every conversation that has no tally
    /// (written before schema version 4, or since emptied by a migration) or one of
    /// another [`TALLY_VERSION`], a batch per transaction; nothing to do on a store
    /// written by this version.
    pub(crate) async fn fill_tallies(&self) -> Result<()> {
        // The first bytes of a tally of this version (see `Tally::encode`).
        let version = postcard::to_stdvec(&TALLY_VERSION).map_err(|e| Error::encode("a tally's version", e))?;
        loop {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM conversations WHERE tally IS NULL OR substr(tally, 1, length($1)) IS DISTINCT FROM $1 LIMIT $2",
            )
            .bind(&version)
            .bind(i64::try_from(FILL_BATCH).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
            if ids.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin_write().await?;
            for id in &ids {
                let events = read_log(&mut tx, id, 0).await?;
                let tally = Tally::of(&events);
                crate::review::save_turns(&mut tx, &crate::review::fold_turns(id, &events, None)).await?;
                sqlx::query("UPDATE conversations SET tally = $1, visitor = $2 WHERE id = $3")
                    .bind(tally.encode()?)
                    .bind(tally.visitor())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }
}

/// The tally of conversation `id`'s whole log, read inside `tx`.
pub(crate) async fn fold_log(tx: &mut sqlx::Transaction<'static, Db>, id: &str) -> Result<Tally> {
    Ok(Tally::of(&read_log(tx, id, 0).await?))
}

/// Conversation `id`'s log from `seq` on (0: the whole log), read inside `tx`.
pub(crate) async fn read_log(tx: &mut sqlx::Transaction<'static, Db>, id: &str, seq: u64) -> Result<Vec<StoredEvent>> {
    let rows = sqlx::query("SELECT seq, at, kind, payload FROM events WHERE conversation_id = $1 AND seq >= $2 ORDER BY seq")
        .bind(id)
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|row| crate::events::stored_event(row, id)).collect()
}

#[cfg(test)]
mod tests {
    use relais_dialogue::{Event, FallbackStage, Source};

    use super::*;

    fn at(seq: u64, kind: EventKind) -> StoredEvent {
        StoredEvent {
            seq,
            event: Event { at: seq as i64 * 1000, kind },
        }
    }

    fn message(seq: u64, text: &str) -> StoredEvent {
        at(seq, EventKind::VisitorMessage {
            text: text.into(),
            client_id: format!("m{seq}"),
        })
    }

    fn answer(seq: u64) -> StoredEvent {
        at(seq, EventKind::BotMessage {
            text: "An answer.".into(),
            quick_replies: Vec::new(),
            sources: Vec::new(),
            intent: Some("order_status".into()),
            ask_feedback: true,
        })
    }

    fn fallback(seq: u64) -> StoredEvent {
        at(seq, EventKind::Fallback {
            stage: FallbackStage::Rephrase,
        })
    }

    #[test]
    fn the_messages_the_bot_could_not_serve_are_gaps_with_their_reason() {
        let oos = at(4, EventKind::IntentPredicted {
            intent: "greet".into(),
            confidence: 0.2,
            ranking: Vec::new(),
            oos: true,
            ambiguous: false,
        });
        let low = at(9, EventKind::HandoffRequested {
            reason: ReasonCode::LowConfidence,
            detail: String::new(),
        });
        let events = [
            message(1, "where is my parcel"),
            answer(2),
            // 3: out of scope, fell back.
            message(3, "can I pay in bitcoin"),
            oos,
            fallback(5),
            // 6: fell back.
            message(6, "asdf"),
            fallback(7),
            // 8: escalated for low confidence, the turn still open at the end.
            message(8, "my thing broke"),
            low,
        ];
        let tally = Tally::of(&events);
        let gaps: Vec<(u64, GapReason)> = tally.gap_messages().into_iter().collect();
        assert_eq!(
            gaps,
            [(3, GapReason::OutOfScope), (6, GapReason::Fallback), (8, GapReason::LowConfidence)]
        );
        // A 👎 on the answer makes its question a gap too.
        let mut rated = tally.clone();
        rated.apply(&at(10, EventKind::Feedback { seq: 2, helpful: false }));
        assert_eq!(rated.gap_messages().get(&1), Some(&GapReason::RatedUnhelpful));
        // A turn that fell back, then escalated because the visitor asked for a person.
        let mut asked_for_person = Tally::of(&events[..2]);
        asked_for_person.apply(&message(3, "blorp"));
        asked_for_person.apply(&fallback(4));
        asked_for_person.apply(&at(5, EventKind::HandoffRequested {
            reason: ReasonCode::ExplicitRequest,
            detail: String::new(),
        }));
        assert!(asked_for_person.gap_messages().is_empty(), "{asked_for_person:?}");
        // A 👍 after it takes that back; the others stay.
        rated.apply(&at(11, EventKind::Feedback { seq: 2, helpful: true }));
        assert_eq!(rated.gap_messages().get(&1), None);
        assert_eq!(rated.gap_messages().len(), 3);
    }

    #[test]
    fn the_visitor_is_the_verified_user_else_the_browser() {
        let mut tally = Tally::default();
        assert_eq!(tally.visitor(), None);
        tally.browser_id = Some("b-1234567".into());
        assert_eq!(tally.visitor().as_deref(), Some("browser:b-1234567"));
        tally.verified_user_id = Some("u-7".into());
        assert_eq!(tally.visitor().as_deref(), Some("user:u-7"));
    }

    #[test]
    fn the_encoding_is_pinned_to_its_version() {
        let mut tally = Tally::of(&[
            at(1, EventKind::Started {
                conversation_id: "c".into(),
                lang: Some("fr".into()),
                visitor: Default::default(),
                verified_user_id: None,
                browser_id: Some("b-1234567".into()),
                simulated: false,
                channel: None,
            }),
            message(2, "où est mon colis"),
            answer(3),
            at(4, EventKind::HandoffRequested {
                reason: ReasonCode::NoResolution,
                detail: String::new(),
            }),
        ]);
        tally.answers.get_mut(&3).unwrap().articles.push(Source {
            title: "Livraison".into(),
            url: "/aide/livraison".into(),
        });
        let hex: String = tally.encode().unwrap().iter().map(|b| format!("{b:02x}")).collect();
        // A change here is a change of encoding: add one to TALLY_VERSION, then write the
        // new bytes here.
        assert_eq!(
            hex,
            "03d00fc03e00000102667200000109622d3132333435363701010c6f726465725f737461747573000103010c6f726465725f73746174757301094c6976726169736f6e0f2f616964652f6c6976726169736f6e010200000000000101f02e0000010800000000000000000001020100000108",
            "the tally's encoding changed: add one to TALLY_VERSION");
        assert_eq!(Tally::decode(&tally.encode().unwrap(), "c").unwrap(), tally);
        // postcard writes an enum's variant as its position: a variant moved or inserted
        // before another changes what stored tallies mean (new ones go last).
        let reasons = [
            ReasonCode::LowConfidence,
            ReasonCode::ExplicitRequest,
            ReasonCode::Frustration,
            ReasonCode::NegativeFeedback,
            ReasonCode::AlwaysHandoffIntent,
            ReasonCode::ActionFailed,
            ReasonCode::ActionHandoff,
            ReasonCode::KnowledgeNotFound,
            ReasonCode::NoResolution,
        ];
        for (position, reason) in reasons.into_iter().enumerate() {
            assert_eq!(postcard::to_stdvec(&reason).unwrap(), [position as u8], "{reason:?} moved: add one to TALLY_VERSION");
        }
        let gaps = [
            GapReason::LowConfidence,
            GapReason::NoArticle,
            GapReason::OutOfScope,
            GapReason::Fallback,
            GapReason::RatedUnhelpful,
        ];
        for (position, gap) in gaps.into_iter().enumerate() {
            assert_eq!(postcard::to_stdvec(&gap).unwrap(), [position as u8], "{gap:?} moved: add one to TALLY_VERSION");
        }
    }

    #[tokio::test]
    async fn a_store_written_before_tallies_folds_them_when_it_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relais.db");
        let store = Store::open(&path).await.unwrap();
        let started = Event {
            at: 5,
            kind: EventKind::Started {
                conversation_id: "c".into(),
                lang: Some("fr".into()),
                visitor: Default::default(),
                verified_user_id: None,
                browser_id: Some("b-1234567".into()),
                simulated: false,
                channel: None,
            },
        };
        let said = Event {
            at: 6,
            kind: EventKind::VisitorMessage {
                text: "bonjour".into(),
                client_id: "m1".into(),
            },
        };
        store.append("c", &[started, said]).await.unwrap();
        let kept = store.tallies_started(0, 10).await.unwrap();
        // As a version-3 store left it.
        sqlx::query("UPDATE conversations SET tally = NULL, visitor = NULL")
            .execute(&store.pool)
            .await
            .unwrap();
        store.close().await;
        let reopened = Store::open(&path).await.unwrap();
        assert_eq!(reopened.tallies_started(0, 10).await.unwrap(), kept);
        // As another version of the fold left it (version 1 was JSON): folded again when
        // the store opens …
        sqlx::query("UPDATE conversations SET tally = '{\"v\":1,\"started_at\":1}'")
            .execute(&reopened.pool)
            .await
            .unwrap();
        reopened.close().await;
        let reopened = Store::open(&path).await.unwrap();
        assert_eq!(reopened.tallies_started(0, 10).await.unwrap(), kept);
        let older = Tally {
            version: TALLY_VERSION - 1,
            ..kept[0].tally.clone()
        };
        sqlx::query("UPDATE conversations SET tally = $1")
            .bind(older.encode().unwrap())
            .execute(&reopened.pool)
            .await
            .unwrap();
        reopened.close().await;
        let reopened = Store::open(&path).await.unwrap();
        assert_eq!(reopened.tallies_started(0, 10).await.unwrap(), kept);
        // … and by the next append if it changes while the store is open, or is unreadable.
        sqlx::query("UPDATE conversations SET tally = x'ff'")
            .execute(&reopened.pool)
            .await
            .unwrap();
        let more = Event {
            at: 7,
            kind: EventKind::PageViewed {
                url: "/help".into(),
                title: None,
            },
        };
        reopened.append("c", &[more]).await.unwrap();
        let refolded = reopened.tallies_started(0, 10).await.unwrap();
        assert_eq!(refolded[0].tally, Tally::of(&reopened.events_after("c", 0).await.unwrap()));
        assert_eq!(refolded[0].tally.first_page.as_deref(), Some("/help"));
        assert!(kept[0].tally.engaged);
        assert_eq!(kept[0].tally.language.as_deref(), Some("fr"));
        assert_eq!(reopened.visitor_starts(0, 10).await.unwrap().len(), 1);
    }
}
