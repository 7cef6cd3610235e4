//! The intent model trained on the demo intents: predictions, out-of-scope queries,
//! saving and reloading, and bad input.

mod common;

use relais_encoder::Encoder;
use relais_nlu::{Example, IntentModel, NluError, TrainOptions, load_training_data};

fn encoder() -> Encoder {
    Encoder::load(common::model_dir()).expect("run `make models` first")
}

fn demo_model(encoder: &Encoder, lang: &str) -> IntentModel {
    let data = load_training_data(&common::repo_dir().join("intents").join(lang)).unwrap();
    IntentModel::train(
        encoder,
        None,
        &data.examples,
        None,
        &TrainOptions::default(),
        |_| {},
    )
    .unwrap()
}

#[test]
fn recognises_the_demo_intents_and_rejects_strangers() {
    let encoder = encoder();
    let model = demo_model(&encoder, "en");
    for (text, intent) in [
        (
            "hi, where's my package BW-553120? it was due yesterday",
            "order_status",
        ),
        (
            "I need to talk with someone from your team",
            "talk_to_human",
        ),
        (
            "my card keeps getting refused at checkout",
            "payment_problem",
        ),
        (
            "how do I stop paying for brightwood plus",
            "cancel_subscription",
        ),
        ("i cant log in, forgot my pasword", "reset_password"),
    ] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert_eq!(prediction.intent, intent, "{text}: {prediction:?}");
        assert!(prediction.confidence > 0.5, "{text}: {prediction:?}");
    }
    for text in [
        "what will the weather be like in Lisbon tomorrow",
        "who won the football world cup in 1998",
        "how many grams of flour in a cup",
    ] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert!(prediction.is_oos(), "{text}: {prediction:?}");
    }
}

#[test]
fn french_intents_work_with_and_without_accents() {
    let encoder = encoder();
    let model = demo_model(&encoder, "fr");
    for text in [
        "où est ma commande BW-102938 ?",
        "ou est ma commande BW-102938",
    ] {
        assert_eq!(
            model.predict(&encoder, text).unwrap().intent,
            "order_status",
            "{text}"
        );
    }
    assert_eq!(
        model
            .predict(&encoder, "je veux parler à un conseiller")
            .unwrap()
            .intent,
        "talk_to_human"
    );
}

#[test]
fn a_saved_model_reloads_with_the_same_answers_and_data_hash() {
    let encoder = encoder();
    let data = load_training_data(&common::repo_dir().join("intents/en")).unwrap();
    let options = TrainOptions::default();
    let model = IntentModel::train(&encoder, None, &data.examples, None, &options, |_| {}).unwrap();
    assert_eq!(
        model.trained_on(),
        IntentModel::data_hash(&encoder, &data.examples, None, &options)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/intents.bin");
    model.save(&path).unwrap();
    let loaded = IntentModel::load(&path).unwrap();
    assert_eq!(loaded.trained_on(), model.trained_on());
    let text = "can I send back the lamp I bought";
    let (a, b) = (
        model.predict(&encoder, text).unwrap(),
        loaded.predict(&encoder, text).unwrap(),
    );
    assert_eq!(a.intent, b.intent);
    assert!((a.confidence - b.confidence).abs() < 1e-6);
    assert!((a.typicality - b.typicality).abs() < 1e-6);
    assert!(model.typicality_cut().is_some(), "the demo's typicality check is on");
    assert_eq!(loaded.typicality_cut(), model.typicality_cut());

    let mut changed = data.examples.clone();
    changed.push(Example {
        text: "any news on my parcel".into(),
        intent: "order_status".into(),
    });
    assert_ne!(
        model.trained_on(),
        IntentModel::data_hash(&encoder, &changed, None, &options)
    );
}

#[test]
fn bad_input_gets_a_defined_result() {
    let encoder = encoder();
    let model = demo_model(&encoder, "en");
    for text in ["", "   ", "!!!???", &"refund ".repeat(15_000)] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert!(
            !prediction.ranking.is_empty(),
            "{:?}",
            &text[..text.len().min(20)]
        );
        assert!(prediction.confidence.is_finite());
    }
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("model.bin");
    std::fs::write(&garbage, b"definitely not a model").unwrap();
    let message = IntentModel::load(&garbage)
        .err()
        .expect("garbage is no model")
        .to_string();
    assert!(message.contains("relais nlu train"), "{message}");
}

#[test]
fn training_needs_two_intents_and_copes_with_a_single_example() {
    let encoder = encoder();
    let one = vec![Example {
        text: "hello".into(),
        intent: "greet".into(),
    }];
    let error = IntentModel::train(&encoder, None, &one, None, &TrainOptions::default(), |_| {})
        .err()
        .unwrap();
    assert!(matches!(error, NluError::TooFewIntents(1)), "{error}");

    let two = vec![
        Example {
            text: "hello".into(),
            intent: "greet".into(),
        },
        Example {
            text: "good morning".into(),
            intent: "greet".into(),
        },
        Example {
            text: "bye".into(),
            intent: "goodbye".into(),
        },
    ];
    let model =
        IntentModel::train(&encoder, None, &two, None, &TrainOptions::default(), |_| {}).unwrap();
    assert_eq!(model.intents().collect::<Vec<_>>(), ["goodbye", "greet"]);
    model.predict(&encoder, "see you later").unwrap();
}

/// Each intent's name, read as words, is one more example of it, unless `intent_names`
/// is off: the name's own text then finds a training example identical to it.
#[test]
fn an_intents_name_is_learnt_as_an_example() {
    let encoder = encoder();
    let data: Vec<Example> = [
        ("where is my parcel", "order_status"),
        ("has my order shipped yet", "order_status"),
        ("I want my money back", "refund_request"),
        ("please give me a refund", "refund_request"),
    ]
    .into_iter()
    .map(|(text, intent)| Example {
        text: text.into(),
        intent: intent.into(),
    })
    .collect();
    let with_names =
        IntentModel::train(&encoder, None, &data, None, &TrainOptions::default(), |_| {}).unwrap();
    let prediction = with_names.predict(&encoder, "refund request").unwrap();
    assert_eq!(prediction.ranking[0].intent, "refund_request", "{prediction:?}");
    assert!(prediction.nearest_similarity > 0.999, "{prediction:?}");

    let options = TrainOptions {
        intent_names: false,
        ..TrainOptions::default()
    };
    let without = IntentModel::train(&encoder, None, &data, None, &options, |_| {}).unwrap();
    let prediction = without.predict(&encoder, "refund request").unwrap();
    assert!(prediction.nearest_similarity < 0.99, "{prediction:?}");
}

/// The intents' Gaussians vote on which intent a text is, and on nothing else: with
/// `gaussian_weight` at 0 or at an extreme 0.9, the same texts are out of scope with the
/// same in-scope score, while the confidences of the intents move. Without the
/// typicality check, the `oos` class decides most of these strangers: a vote that
/// reached it (taking 90% of its probability away) would show.
#[test]
fn the_gaussian_vote_picks_among_intents_and_leaves_out_of_scope_alone() {
    let encoder = encoder();
    let data = load_training_data(&common::repo_dir().join("intents/en")).unwrap();
    let train = |gaussian_weight| {
        let options = TrainOptions {
            gaussian_weight,
            typicality_rejection: 0.0,
            ..TrainOptions::default()
        };
        IntentModel::train(&encoder, None, &data.examples, None, &options, |_| {}).unwrap()
    };
    let (without, with) = (train(0.0), train(0.9));
    let (mut moved, mut strangers) = (0, 0);
    for text in [
        "where is my parcel, it should be here by now",
        "I was charged twice for the same order",
        "can I send back the shoes I bought",
        "what will the weather be like in Lisbon tomorrow",
        "who won the football world cup in 1998",
        "asdf qwerty",
        "will it rain on the day my parcel comes",
        "a good recipe to cook while I wait for my refund",
        "which films are on at the cinema near your shop",
        "how tall is the tallest building in your city",
        "tell me a joke about passwords",
        "what time is it in Tokyo",
        "is the post office open on sundays",
        "translate thank you into german",
    ] {
        let (a, b) = (without.predict(&encoder, text).unwrap(), with.predict(&encoder, text).unwrap());
        assert_eq!(a.is_oos(), b.is_oos(), "{text}: {a:?} / {b:?}");
        strangers += usize::from(a.is_oos());
        assert!((a.in_scope_score - b.in_scope_score).abs() < 1e-5, "{text}: {a:?} / {b:?}");
        moved += usize::from((a.confidence - b.confidence).abs() > 1e-4);
    }
    assert!(moved > 0, "the vote changes some confidence");
    assert!((1..14).contains(&strangers), "some texts, not all, are out of scope: {strangers}");
}

/// The built-in strangers ask about the weather; an assistant whose own intents do too
/// answers those questions instead of turning them away, and still turns away the
/// strangers it has no intent for.
#[test]
fn an_intent_claims_the_built_in_strangers_it_covers() {
    let encoder = encoder();
    let mut data = load_training_data(&common::repo_dir().join("intents").join("en"))
        .unwrap()
        .examples;
    for text in [
        "what's the weather like today",
        "will it rain tomorrow",
        "is it going to be sunny this weekend",
        "what's the forecast for saturday",
        "how cold will it be tonight",
        "do I need an umbrella today",
        "is it snowing in the mountains",
        "what temperature is it outside",
    ] {
        data.push(Example {
            text: text.into(),
            intent: "weather".into(),
        });
    }
    let model =
        IntentModel::train(&encoder, None, &data, None, &TrainOptions::default(), |_| {}).unwrap();
    let claimed = model.claimed_strangers();
    println!("claimed: {claimed:?}");
    assert!(
        claimed.iter().any(|(intent, n)| intent == "weather" && *n >= 2),
        "the weather intent claims the weather questions among the strangers: {claimed:?}"
    );
    for text in [
        "what will the weather be like in Lisbon tomorrow",
        "is it going to rain in Paris today",
        "how hot will it be on sunday",
    ] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert_eq!(prediction.intent, "weather", "{text}: {prediction:?}");
    }
    for text in [
        "who won the football world cup in 1998",
        "how many grams of flour in a cup",
    ] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert!(prediction.is_oos(), "{text}: {prediction:?}");
    }
}

/// French in words of a visitor's own, none of them in the intent files: the
/// multilingual encoder understands them all (all-MiniLM-L6-v2, which is English, gets a
/// request wrong and takes a trivia question for an intent).
#[test]
fn the_multilingual_encoder_understands_french_paraphrases() {
    let encoder = Encoder::load(common::multilingual_dir()).expect("run `make models` first");
    let model = demo_model(&encoder, "fr");
    for (text, intent) in [
        ("mon colis n'est toujours pas là, il en est où ?", "order_status"),
        ("je n'arrive plus à me connecter à mon espace client", "reset_password"),
        ("ma carte bancaire est refusée quand je paie", "payment_problem"),
        ("je voudrais renvoyer un article qui ne me plaît pas", "returns"),
        ("quand vais-je recevoir mon remboursement ?", "refund_status"),
        ("est-ce que mon grille-pain est encore sous garantie ?", "warranty"),
        ("je souhaite supprimer toutes mes données et mon compte", "account_deletion"),
        ("je me suis trompé d'adresse de livraison", "change_address"),
        ("annulez ma commande de ce matin s'il vous plaît", "cancel_order"),
        ("combien de temps prend la livraison ?", "delivery_info"),
        ("vous prenez PayPal ?", "payment_methods"),
        ("je veux discuter avec une vraie personne", "talk_to_human"),
        ("c'est inadmissible, je suis très mécontent de votre service", "complaint"),
        ("merci beaucoup pour votre aide", "thanks"),
        ("est-ce que je parle à un robot ?", "bot_challenge"),
        ("je ne veux plus payer l'abonnement premium", "cancel_subscription"),
        ("salut, bonne journée à vous", "greet"),
        ("au revoir et à bientôt", "goodbye"),
        ("oui c'est exactement ça", "affirm"),
        ("non pas du tout", "deny"),
    ] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert_eq!(prediction.intent, intent, "{text}: {prediction:?}");
    }
    for text in [
        "quel temps fera-t-il demain à Lyon ?",
        "qui a gagné la coupe du monde en 1998 ?",
        "donne-moi une recette de crêpes",
    ] {
        let prediction = model.predict(&encoder, text).unwrap();
        assert!(prediction.is_oos(), "{text}: {prediction:?}");
    }
}
