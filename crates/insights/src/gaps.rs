//! Knowledge gaps: the visitor messages the bot could not serve (docs/metrics.md says
//! which), grouped into topics by the similarity of their embeddings, the largest topic
//! first. Grouping is one pass over the messages in time order (leader clustering): a
//! message joins the topic whose centroid is most similar to it if that similarity
//! (the cosine relative to the encoder's chance similarity, `(cosine − chance) / (1 −
//! chance)`, which the caller computes) is at least [`TOPIC_SIMILARITY`], else it starts
//! a topic. One pass keeps the gaps of a busy
//! quarter within a second or two, and the same messages always give the same topics.
//! A message with no embedding (read before vectors were kept), or with one made by another
//! encoder than the one in use (whose cosines with it mean nothing), joins the topic of the
//! same text, case and spaces aside. Past 2,000 topics a message joins its nearest one.

use std::collections::{BTreeMap, HashMap};

use relais_store::{GapReason, Store};
use serde::Serialize;

/// The similarity to a topic's centroid (relative to chance, in the message's language)
/// at or above which a message joins it: a cosine of 0.6 under all-MiniLM-L6-v2 in
/// English, whose chance similarity is 0.065.
pub const TOPIC_SIMILARITY: f32 = 0.57;

/// Most topics formed: past it, a message joins its nearest topic whatever the
/// similarity, so varied noise cannot make the grouping quadratic.
const MAX_GROUPS: usize = 2_000;

/// Sample messages shown per topic.
const SAMPLES: usize = 5;

/// A message the bot could not serve.
#[derive(Debug, Clone, PartialEq)]
pub struct GapMessage {
    pub conversation_id: String,
    pub seq: u64,
    pub at: i64,
    pub text: String,
    pub lang: Option<String>,
    pub reason: GapReason,
    /// The message's embedding, components times 127 (relais-store's `message_vectors`);
    /// `None` when it has none that the encoder in use can compare ([`read_gap_messages`]).
    pub vector: Option<Vec<i8>>,
}

/// Reads the gap messages `wanted` (conversation id, `seq`, reason, language — as
/// [`crate::Cohort::gap_messages`] lists them) with their text and vector; a key that is
/// no visitor message is left out. A vector is kept only if `encoder` (the encoder in use,
/// its short fingerprint) made it; one stored before encoders were recorded, only if it
/// has `dim` components, the length of the encoder in use's.
pub async fn read_gap_messages(
    store: &Store,
    wanted: Vec<(String, u64, GapReason, Option<String>)>,
    encoder: &str,
    dim: usize,
) -> relais_store::Result<Vec<GapMessage>> {
    let keys: Vec<(String, u64)> = wanted.iter().map(|(id, seq, _, _)| (id.clone(), *seq)).collect();
    let mut read: HashMap<(String, u64), relais_store::MessageRead> = store
        .visitor_messages(&keys)
        .await?
        .into_iter()
        .map(|m| ((m.conversation_id.clone(), m.seq), m))
        .collect();
    Ok(wanted
        .into_iter()
        .filter_map(|(id, seq, reason, lang)| {
            let m = read.remove(&(id, seq))?;
            Some(GapMessage {
                conversation_id: m.conversation_id,
                seq,
                at: m.at,
                text: m.text,
                lang,
                reason,
                vector: comparable(m.vector, m.encoder.as_deref(), encoder, dim),
            })
        })
        .collect())
}

/// `vector`, if it can be compared with the embeddings of the encoder in use (`encoder`,
/// `dim` components): if that encoder made it, or, made by an unrecorded encoder (before
/// encoders were recorded), if it has that encoder's length.
fn comparable(vector: Option<Vec<i8>>, made_by: Option<&str>, encoder: &str, dim: usize) -> Option<Vec<i8>> {
    vector.filter(|vector| match made_by {
        Some(made_by) => made_by == encoder,
        None => vector.len() == dim,
    })
}

/// A message shown as an example of its topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub text: String,
    pub lang: Option<String>,
    pub conversation_id: String,
    pub seq: u64,
}

/// The article nearest a topic, by the knowledge search, and its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearestArticle {
    /// Its URL.
    pub id: String,
    pub title: String,
    pub score: f32,
}

/// A group of similar messages the bot could not serve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    /// The message nearest the topic's centroid: its name.
    pub topic: String,
    pub messages: u64,
    pub conversations: u64,
    /// Messages per conversation language (`unknown` when none was set).
    pub languages: BTreeMap<String, u64>,
    /// Messages per reason.
    pub reasons: BTreeMap<&'static str, u64>,
    /// Up to five messages of different text, the nearest the centroid first.
    pub samples: Vec<Sample>,
    /// Filled by the caller, which has the knowledge base.
    pub nearest_article: Option<NearestArticle>,
    /// The conversations the messages are from, in order of their first message here.
    pub conversation_ids: Vec<String>,
}

/// A topic while messages are added.
struct Group {
    /// The sum of its members' unit vectors, and that sum scaled to unit length.
    sum: Vec<f32>,
    centroid: Vec<f32>,
    members: Vec<usize>,
}

/// The topics of `messages`, the most messages first (then the most conversations,
/// then the earliest), at most `limit`. `relative` turns a cosine between texts of a
/// language into a similarity relative to the encoder's chance (relais-encoder's
/// `ChanceSimilarity::relative`).
pub fn topics(
    mut messages: Vec<GapMessage>,
    limit: usize,
    relative: impl Fn(f32, Option<&str>) -> f32,
) -> Vec<Topic> {
    messages.sort_by(|a, b| (a.at, &a.conversation_id, a.seq).cmp(&(b.at, &b.conversation_id, b.seq)));
    let vectors: Vec<Option<Vec<f32>>> = messages.iter().map(|m| m.vector.as_deref().map(unit)).collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    for (index, vector) in vectors.iter().enumerate() {
        let Some(vector) = vector else {
            let key = messages[index].text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            let group = *by_text.entry(key).or_insert_with(|| {
                groups.push(Group {
                    sum: Vec::new(),
                    centroid: Vec::new(),
                    members: Vec::new(),
                });
                groups.len() - 1
            });
            groups[group].members.push(index);
            continue;
        };
        let lang = messages[index].lang.as_deref();
        let best = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.centroid.is_empty())
            .map(|(i, g)| (i, relative(dot(&g.centroid, vector), lang)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, similarity)) if similarity >= TOPIC_SIMILARITY || groups.len() >= MAX_GROUPS => {
                let group = &mut groups[i];
                for (s, x) in group.sum.iter_mut().zip(vector) {
                    *s += x;
                }
                group.centroid = unit_f32(&group.sum);
                group.members.push(index);
            }
            _ => groups.push(Group {
                sum: vector.clone(),
                centroid: vector.clone(),
                members: vec![index],
            }),
        }
    }
    let mut topics: Vec<(usize, Topic)> = groups
        .into_iter()
        .map(|group| (group.members[0], topic(&messages, &vectors, &group)))
        .collect();
    topics.sort_by(|a, b| {
        (b.1.messages, b.1.conversations)
            .cmp(&(a.1.messages, a.1.conversations))
            .then(a.0.cmp(&b.0))
    });
    topics.into_iter().take(limit).map(|(_, topic)| topic).collect()
}

fn topic(messages: &[GapMessage], vectors: &[Option<Vec<f32>>], group: &Group) -> Topic {
    let mut nearest: Vec<(f32, usize)> = group
        .members
        .iter()
        .map(|&i| {
            let similarity = vectors[i].as_ref().map_or(0.0, |v| dot(&group.centroid, v));
            (similarity, i)
        })
        .collect();
    nearest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut samples: Vec<Sample> = Vec::new();
    for &(_, i) in &nearest {
        let m = &messages[i];
        if samples.len() < SAMPLES && !samples.iter().any(|s| s.text == m.text) {
            samples.push(Sample {
                text: m.text.clone(),
                lang: m.lang.clone(),
                conversation_id: m.conversation_id.clone(),
                seq: m.seq,
            });
        }
    }
    let mut languages = BTreeMap::new();
    let mut reasons = BTreeMap::new();
    let mut conversation_ids: Vec<String> = Vec::new();
    for &i in &group.members {
        let m = &messages[i];
        *languages.entry(m.lang.clone().unwrap_or_else(|| "unknown".into())).or_insert(0) += 1;
        *reasons.entry(m.reason.as_str()).or_insert(0) += 1;
        if !conversation_ids.contains(&m.conversation_id) {
            conversation_ids.push(m.conversation_id.clone());
        }
    }
    Topic {
        topic: samples.first().map(|s| s.text.clone()).unwrap_or_default(),
        messages: group.members.len() as u64,
        conversations: conversation_ids.len() as u64,
        languages,
        reasons,
        samples,
        nearest_article: None,
        conversation_ids,
    }
}

fn unit(vector: &[i8]) -> Vec<f32> {
    unit_f32(&vector.iter().map(|&x| f32::from(x)).collect::<Vec<_>>())
}

fn unit_f32(vector: &[f32]) -> Vec<f32> {
    let norm = dot(vector, vector).sqrt();
    if norm == 0.0 {
        return vector.to_vec();
    }
    vector.iter().map(|x| x / norm).collect()
}

/// The dot product, summed in eight lanes so the compiler can use SIMD (a single running
/// sum must add in order, which it cannot vectorise).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0_f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a8.zip(b8) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_vectors_of_the_encoder_in_use_are_compared() {
        let vector = || Some(vec![76_i8, -102, 0]);
        assert_eq!(comparable(vector(), Some("minilm"), "minilm", 3), vector());
        assert_eq!(comparable(vector(), Some("e5"), "minilm", 3), None, "another encoder, even of the same length");
        // Stored before encoders were recorded: kept if its length fits.
        assert_eq!(comparable(vector(), None, "minilm", 3), vector());
        assert_eq!(comparable(vector(), None, "mpnet", 768), None);
        assert_eq!(comparable(None, Some("minilm"), "minilm", 3), None);
    }

    fn message(conversation: &str, at: i64, text: &str, vector: Option<Vec<i8>>) -> GapMessage {
        GapMessage {
            conversation_id: conversation.into(),
            seq: 2,
            at,
            text: text.into(),
            lang: Some("en".into()),
            reason: GapReason::Fallback,
            vector,
        }
    }

    #[test]
    fn similar_messages_share_a_topic_and_the_largest_comes_first() {
        // Two directions 90° apart; "crypto" messages lean within 25° of the first axis
        // (cosine ≥ 0.9), the "gift card" ones sit on the second.
        let messages = vec![
            message("a", 1, "can I pay in bitcoin", Some(vec![127, 0, 0])),
            message("b", 2, "gift card balance", Some(vec![0, 127, 0])),
            message("c", 3, "do you take crypto", Some(vec![120, 40, 0])),
            message("d", 4, "ethereum payments?", Some(vec![115, 0, 50])),
            message("d", 5, "GIFT  card balance", None),
            message("e", 6, "gift card balance", None),
        ];
        let topics = topics(messages, 10, raw);
        assert_eq!(topics.len(), 3, "{topics:#?}");
        assert_eq!(topics[0].messages, 3);
        assert_eq!(topics[0].conversation_ids, ["a", "c", "d"]);
        // The centroid is (0.98, 0.11, 0.14): bitcoin's (1, 0, 0) is nearest.
        assert_eq!(topics[0].topic, "can I pay in bitcoin", "the nearest the centroid names it");
        // The text-only messages group by text, apart from the vector one.
        assert_eq!(topics[1].messages, 2);
        assert_eq!(topics[1].conversations, 2);
        assert_eq!(topics[2].messages, 1);
        assert_eq!(topics[0].languages.get("en"), Some(&3));
        assert_eq!(topics[0].reasons.get("fallback"), Some(&3));
    }

    /// Cosines as they are (chance 0).
    fn raw(cosine: f32, _: Option<&str>) -> f32 {
        cosine
    }

    #[test]
    fn topics_are_measured_from_the_chance_of_the_language() {
        // Cosine 0.8: one topic where unrelated texts are at 0 (English here: 0.8 of the
        // way from chance), two where they are at 0.7 (French: a third of the way).
        let relative = |cosine: f32, lang: Option<&str>| {
            let chance = if lang == Some("fr") { 0.7 } else { 0.0 };
            (cosine - chance) / (1.0 - chance)
        };
        let messages = |lang: &str| {
            [("a", "can I pay in bitcoin", vec![127, 0]), ("b", "do you take crypto", vec![102, 76])]
                .into_iter()
                .enumerate()
                .map(|(at, (conversation, text, vector))| GapMessage {
                    lang: Some(lang.into()),
                    ..message(conversation, at as i64, text, Some(vector))
                })
                .collect()
        };
        assert_eq!(topics(messages("en"), 10, relative).len(), 1);
        assert_eq!(topics(messages("fr"), 10, relative).len(), 2);
    }

    #[test]
    fn the_limit_keeps_the_largest() {
        let messages = (0..5)
            .map(|i| message(&format!("c{i}"), i, &format!("topic {}", i % 2), None))
            .collect();
        let topics = topics(messages, 1, raw);
        assert_eq!(topics.len(), 1);
        assert_eq!(topics[0].topic, "topic 0");
        assert_eq!(topics[0].messages, 3);
    }
}
