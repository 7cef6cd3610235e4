//! What simulated visitors and agents type, in English and French: questions on the demo
//! shop's topics written in words of their own (not the intent files' examples, so the
//! simulation also shows how the assistant copes with new wording), gibberish, questions
//! no shop handles, requests for a person, complaints, thanks, and the agents' replies.
//! Templates take `{product}` and `{when}`, filled at random.

use fastrand::Rng;

/// A visitor's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }
}

/// Questions on one subject, per language.
pub struct Topic {
    /// The intent, or the help-centre articles, it is about.
    name: &'static str,
    en: &'static [&'static str],
    fr: &'static [&'static str],
}

/// The demo shop's subjects: intents and help-centre articles.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "order_status",
        en: &[
            "my {product} was meant to arrive {when} and there's still nothing at my door",
            "any news on the parcel I'm waiting for?",
            "how can I see where my delivery is right now",
            "bought a {product} ten days ago, it never showed up",
            "could you look up my purchase, I'd like to know when it comes",
        ],
        fr: &[
            "ma {product} devait arriver {when} et je n'ai toujours rien reçu",
            "vous avez des nouvelles du colis que j'attends ?",
            "comment savoir où en est ma livraison en ce moment",
            "j'ai acheté une {product} il y a dix jours, rien n'est arrivé",
        ],
    },
    Topic {
        name: "delivery_info",
        en: &[
            "how much do you charge to ship to my place",
            "do your drivers come on saturdays?",
            "how many days does a {product} take to get here",
            "is there a quicker shipping option if I'm in a hurry",
        ],
        fr: &[
            "combien coûtent les frais de port chez moi",
            "vous livrez aussi le samedi ?",
            "il faut compter combien de jours pour recevoir une {product}",
            "il existe une option de livraison plus rapide ?",
        ],
    },
    Topic {
        name: "cancel_order",
        en: &[
            "I changed my mind about my purchase, can it be stopped before it leaves?",
            "please call off the order I placed this morning",
            "I ordered the wrong {product} by mistake and don't want it shipped",
        ],
        fr: &[
            "j'ai changé d'avis sur mon achat, on peut l'arrêter avant l'envoi ?",
            "merci de supprimer la commande passée ce matin",
            "j'ai pris la mauvaise {product} par erreur, ne l'envoyez pas",
        ],
    },
    Topic {
        name: "change_address",
        en: &[
            "I've moved house, the parcel needs to go somewhere else",
            "can the delivery be sent to my office instead of home",
        ],
        fr: &[
            "j'ai déménagé, le colis doit partir à une autre adresse",
            "est-ce possible de livrer à mon bureau plutôt qu'à la maison",
        ],
    },
    Topic {
        name: "returns",
        en: &[
            "the {product} doesn't suit my living room, how do I send it back?",
            "what's the deadline to bring something back",
            "I'd like to give back the {product}, it's not what I pictured",
        ],
        fr: &[
            "la {product} ne va pas dans mon salon, comment la renvoyer ?",
            "j'ai combien de temps pour rendre un article",
            "je voudrais rendre la {product}, elle ne correspond pas à ce que j'imaginais",
        ],
    },
    Topic {
        name: "refund_status",
        en: &[
            "I posted my return two weeks ago and haven't seen my money",
            "when will the reimbursement show on my card",
        ],
        fr: &[
            "j'ai posté mon retour il y a deux semaines et toujours pas d'argent",
            "quand est-ce que le remboursement arrivera sur ma carte",
        ],
    },
    Topic {
        name: "warranty",
        en: &[
            "my {product} broke after eight months, is that covered?",
            "the lamp just died, what can I do under the guarantee",
            "something snapped on the {product}, will you repair it for free",
        ],
        fr: &[
            "ma {product} est cassée après huit mois, c'est couvert ?",
            "la lampe ne s'allume plus, que faire avec la garantie",
        ],
    },
    Topic {
        name: "payment_methods",
        en: &[
            "which ways of paying can I use at checkout?",
            "is it possible to spread the cost over a few months",
            "can I settle the bill with my PayPal balance",
        ],
        fr: &[
            "quels moyens de paiement sont proposés au moment de payer ?",
            "c'est possible d'étaler le paiement sur plusieurs mois",
        ],
    },
    Topic {
        name: "payment_problem",
        en: &[
            "my card keeps getting refused when I try to pay",
            "I was billed twice for a single order",
        ],
        fr: &[
            "ma carte est refusée à chaque fois que je veux payer",
            "on m'a débité deux fois pour une seule commande",
        ],
    },
    Topic {
        name: "reset_password",
        en: &[
            "I can't remember the password for my account",
            "my login doesn't work anymore, I need a new password",
        ],
        fr: &[
            "je ne me souviens plus du mot de passe de mon compte",
            "impossible de me connecter, il me faut un nouveau mot de passe",
        ],
    },
    Topic {
        name: "cancel_subscription",
        en: &[
            "I'd like to end my Plus membership",
            "please stop Brightwood Plus, I barely use it",
        ],
        fr: &[
            "je souhaite mettre fin à mon abonnement Plus",
            "arrêtez Brightwood Plus s'il vous plaît, je ne m'en sers presque pas",
        ],
    },
    Topic {
        name: "account_deletion",
        en: &["please remove my account and everything you hold about me"],
        fr: &["supprimez mon compte et toutes mes données s'il vous plaît"],
    },
    Topic {
        name: "assembly",
        en: &[
            "how do I put the {product} together",
            "do you send someone to build furniture at home",
        ],
        fr: &[
            "comment on monte la {product}",
            "vous proposez un service de montage à domicile ?",
        ],
    },
    Topic {
        name: "care",
        en: &["what's the best way to clean the sofa fabric", "a glass of wine went on the Nimbus sofa, help"],
        fr: &["comment nettoyer le tissu du canapé", "j'ai renversé du vin sur le canapé Nimbus, que faire"],
    },
    Topic {
        name: "gift_cards",
        en: &["how do your gift vouchers work", "where do I type a discount code"],
        fr: &["comment fonctionnent vos cartes cadeaux", "où est-ce que je saisis un code promo"],
    },
    Topic {
        name: "invoices",
        en: &["I need a VAT invoice for my purchase"],
        fr: &["il me faut une facture pour mon achat"],
    },
];

const PRODUCTS_EN: &[&str] = &["Atlas bookshelf", "Halo desk lamp", "Nimbus sofa", "Fjord dining table", "armchair"];
const PRODUCTS_FR: &[&str] = &["bibliothèque Atlas", "lampe Halo", "table Fjord", "commode", "chaise"];
const WHEN_EN: &[&str] = &["on Tuesday", "yesterday", "last week", "three days ago"];
const WHEN_FR: &[&str] = &["mardi", "hier", "la semaine dernière", "il y a trois jours"];

/// What a visitor may open with, or add, before a question.
const OPENERS_EN: &[&str] = &["", "", "hi, ", "hello, ", "quick question: ", "good morning. "];
const OPENERS_FR: &[&str] = &["", "", "bonjour, ", "salut, ", "petite question : ", "bonsoir. "];

/// What may end a question.
const CLOSERS_EN: &[&str] = &["", "", "", "?", " please", " thx", "..."];
const CLOSERS_FR: &[&str] = &["", "", "", " ?", " svp", " merci", "..."];

const GIBBERISH: &[&str] = &["asdkj qwpoe zz", "hmmm ???", "fjfjfj lol", "kkkkkk", "xq 77 plop", "...."];
const OUT_OF_SCOPE_EN: &[&str] = &[
    "what will the weather be like in Lyon tomorrow",
    "can you recommend a good pizza place nearby",
    "who won the football match last night",
    "write me a short poem about cats",
    "what's the capital of Australia",
];
const OUT_OF_SCOPE_FR: &[&str] = &[
    "quel temps fera-t-il demain à Lyon",
    "tu connais une bonne pizzeria dans le coin",
    "qui a gagné le match hier soir",
    "écris-moi un poème sur les chats",
];
const PERSON_EN: &[&str] = &[
    "I'd rather speak with somebody real",
    "can you put me through to an advisor please",
    "is there a human I can chat with",
];
const PERSON_FR: &[&str] = &[
    "je préfère parler à quelqu'un de réel",
    "vous pouvez me passer un conseiller svp",
    "il y a un humain avec qui discuter ?",
];
const COMPLAINT_EN: &[&str] = &[
    "this is the third time my delivery is late, I'm really fed up with your service",
    "your customer service is a joke, nobody ever answers my emails",
];
const COMPLAINT_FR: &[&str] = &[
    "c'est la troisième fois que ma livraison est en retard, j'en ai vraiment marre",
    "votre service client est nul, personne ne répond jamais à mes mails",
];
const THANKS_EN: &[&str] = &["thanks a lot, that's what I needed", "great, cheers!", "perfect, thank you"];
const THANKS_FR: &[&str] = &["merci beaucoup, c'est ce qu'il me fallait", "super, merci !", "parfait, merci bien"];
const FOLLOW_UP_EN: &[&str] = &["ok, and how long will it take?", "thanks, I'll wait then", "alright"];
const FOLLOW_UP_FR: &[&str] = &["d'accord, et ça prendra combien de temps ?", "merci, j'attends alors", "ok"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn by_lang<'a>(lang: Lang, en: &'a [&'a str], fr: &'a [&'a str]) -> &'a [&'a str] {
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
    }
}

/// A question on `topic`, filled in and worded a little differently each time.
pub fn question(rng: &mut Rng, lang: Lang, topic: &Topic) -> String {
    let template = pick(rng, by_lang(lang, topic.en, topic.fr));
    let text = template
        .replace("{product}", pick(rng, by_lang(lang, PRODUCTS_EN, PRODUCTS_FR)))
        .replace("{when}", pick(rng, by_lang(lang, WHEN_EN, WHEN_FR)));
    let opener = pick(rng, by_lang(lang, OPENERS_EN, OPENERS_FR));
    let closer = pick(rng, by_lang(lang, CLOSERS_EN, CLOSERS_FR));
    let text = format!("{opener}{text}{closer}");
    // Some start with a capital; none shout (capitals read as frustration).
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if rng.bool() => first.to_uppercase().chain(chars).collect(),
        _ => text,
    }
}

/// A random topic.
pub fn topic(rng: &mut Rng) -> &'static Topic {
    &TOPICS[rng.usize(..TOPICS.len())]
}

/// A question the bot answers with a form and an action: an order's status, cancelling
/// Brightwood Plus, a new password.
pub fn self_service(rng: &mut Rng) -> &'static Topic {
    let forms: Vec<&Topic> = TOPICS
        .iter()
        .filter(|topic| ["order_status", "cancel_subscription", "reset_password"].contains(&topic.name))
        .collect();
    forms[rng.usize(..forms.len())]
}

/// Gibberish or a question no shop assistant handles.
pub fn nonsense(rng: &mut Rng, lang: Lang) -> String {
    if rng.bool() {
        pick(rng, GIBBERISH).to_owned()
    } else {
        pick(rng, by_lang(lang, OUT_OF_SCOPE_EN, OUT_OF_SCOPE_FR)).to_owned()
    }
}

pub fn ask_for_person(rng: &mut Rng, lang: Lang) -> String {
    pick(rng, by_lang(lang, PERSON_EN, PERSON_FR)).to_owned()
}

pub fn complaint(rng: &mut Rng, lang: Lang) -> String {
    pick(rng, by_lang(lang, COMPLAINT_EN, COMPLAINT_FR)).to_owned()
}

pub fn thanks(rng: &mut Rng, lang: Lang) -> String {
    pick(rng, by_lang(lang, THANKS_EN, THANKS_FR)).to_owned()
}

/// What a visitor says to an agent after their first message.
pub fn follow_up(rng: &mut Rng, lang: Lang) -> String {
    pick(rng, by_lang(lang, FOLLOW_UP_EN, FOLLOW_UP_FR)).to_owned()
}

/// A value for the slot a form asks for: an order number (sometimes mistyped first) or an
/// email address.
pub fn slot_value(rng: &mut Rng, intent: &str, visitor: u32) -> String {
    match intent {
        "order_status" | "cancel_order" => match rng.u8(..6) {
            0 => "it's 482913 I think".to_owned(),
            1 | 2 => "BW-100200".to_owned(),
            _ => "BW-482913".to_owned(),
        },
        _ => format!("visitor{visitor}@example.com"),
    }
}

/// An agent's first message to the visitor.
pub fn agent_greeting(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Hello, this is {name}. I've read the conversation, let me check that for you."),
        Lang::Fr => format!("Bonjour, c'est {name}. J'ai lu la conversation, je regarde cela pour vous."),
    }
}

/// An agent's answer before closing.
pub fn agent_answer(rng: &mut Rng, lang: Lang) -> String {
    let en = &[
        "It's sorted: you'll get a confirmation by email within the hour.",
        "I've passed this on to our logistics team, they'll call you tomorrow.",
        "Done, I've refunded the difference to your card.",
    ];
    let fr = &[
        "C'est réglé : vous recevrez une confirmation par e-mail dans l'heure.",
        "J'ai transmis à notre équipe logistique, elle vous appelle demain.",
        "C'est fait, je vous ai remboursé la différence sur votre carte.",
    ];
    pick(rng, by_lang(lang, en, fr)).to_owned()
}
