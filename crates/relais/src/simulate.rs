//! `relais simulate --conversations N --days D [--seed S] [--data-dir DIR] [--if-empty]`: fills a data
//! folder with conversations for a demo, through the real path. It loads the assistant
//! as `relais serve` does, starts the real server in this process on an ephemeral port of
//! 127.0.0.1 — marking every conversation it starts as simulated, and stamping events
//! with a clock the simulation moves — and drives N conversations, started at times
//! spread over the last D days, through real visitor and agent sockets: questions in
//! English and French, nonsense, 👍/👎 on answers, conversation ratings, requests for a
//! person, complaints, callbacks when no agent is free, visitors who leave; simulated
//! agents claim, answer and close. Everything follows from the seed but the ids.
//! `relais purge --simulated` removes what it made.

mod clients;
mod phrases;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fastrand::Rng;
use relais_dialogue::{EventKind, HandoffState};
use relais_server::{Clock, Server, ServerConfig, Signer};
use relais_store::{NewAgent, Role, Store, StoredEvent};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use self::clients::{Agent, Visitor};
use self::phrases::Lang;
use crate::config::Settings;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The simulated agents: name and email (`.invalid` is a domain that never exists).
pub(crate) const AGENTS: [(&str, &str); 2] = [
    ("Sam (simulated agent)", "sam@simulated-agent.invalid"),
    ("Noor (simulated agent)", "noor@simulated-agent.invalid"),
];

/// Pages of the demo shop where conversations start.
const PAGES: [(&str, &str); 5] = [
    ("http://127.0.0.1:8080/", "Brightwood — home"),
    ("http://127.0.0.1:8080/products.html", "Brightwood — products"),
    ("http://127.0.0.1:8080/help.html", "Brightwood — help centre"),
    ("http://127.0.0.1:8080/products.html#nimbus-sofa", "Nimbus sofa"),
    ("http://127.0.0.1:8080/help.html#returns", "Returns"),
];

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// How many conversations to make.
    #[arg(long, default_value_t = 300)]
    conversations: usize,
    /// Spread their starts over this many days up to now (1–366).
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Seed of every choice: the same seed makes the same conversations (ids apart).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The data folder to fill (relais.db) [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Do nothing when the data folder already holds conversations (for `make run`).
    #[arg(long)]
    if_empty: bool,
}

pub fn run(args: SimulateArgs, settings: Settings) -> anyhow::Result<()> {
    if args.conversations == 0 || !(1..=366).contains(&args.days) {
        bail!("give --conversations 1 or more and --days from 1 to 366");
    }
    crate::serve::init_logging("warn");
    let settings = settings.served(args.data_dir.clone())?;
    let data_dir = settings.assistant.data_dir.clone();
    let store_at = settings.store_at(&data_dir);
    if args.if_empty && store_at.exists() {
        let held = crate::serve::with_store(&store_at, |store| async move { Ok(store.count_conversations(None).await?) })?;
        if held > 0 {
            println!("{} already holds {held} conversations: nothing simulated", data_dir.display());
            return Ok(());
        }
    }
    let bot = Arc::new(crate::bot::load_bot(&settings.assistant)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = Instant::now();
    let tally = runtime.block_on(async {
        let store = crate::serve::open_store(&store_at).await?;
        let signer = Signer::load_or_create(&data_dir.join("secret.key"))?;
        let clock = Arc::new(AtomicI64::new(relais_server::now_ms()));
        let read = clock.clone();
        let server = Server::new(simulation_config(settings.server), store.clone(), bot, signer)?
            .with_insights(settings.insights)
            .with_clock(Clock::from_fn(move || read.load(Ordering::Relaxed)))
            .simulated();
        let listener = TcpListener::bind("127.0.0.1:0").await.context("listening on 127.0.0.1")?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server.serve(listener, async {
            let _ = stopped.await;
        }));
        let result = simulate(&args, &store, address, clock).await;
        let _ = stop.send(());
        serving.await.context("the in-process server failed")?;
        result.context("the simulation stopped; `relais purge --simulated` removes what it made")
    })?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "simulated {} conversations over the last {} days in {took:.1} s ({:.1} a second)",
        tally.conversations,
        args.days,
        tally.conversations as f64 / took
    );
    println!(
        "  {} with a visitor message ({} in French); {} escalated: {} handled by an agent, {} offered a callback ({} left a request)",
        tally.engaged, tally.french, tally.escalated, tally.agent_handled, tally.no_agent, tally.callbacks
    );
    println!(
        "  answers rated 👍 {} / 👎 {}; {} conversations rated",
        tally.helpful, tally.unhelpful, tally.rated
    );
    println!("  marked simulated: `relais purge --simulated` removes them");
    Ok(())
}

/// The server's configuration for a simulation: relais.toml's (business hours apply at
/// the simulated time), without the per-address limits, since every simulated client
/// comes from 127.0.0.1.
fn simulation_config(mut config: ServerConfig) -> ServerConfig {
    let limits = &mut config.limits;
    limits.frames_per_second = 1e6;
    limits.frames_burst = 1e6;
    limits.conversations_per_ip_per_minute = 1_000_000;
    limits.handoffs_per_ip_per_minute = 1_000_000;
    limits.handoffs_per_conversation_per_minute = 1_000_000;
    config
}

/// What the simulation made, for its report.
#[derive(Default)]
struct Tally {
    conversations: usize,
    engaged: usize,
    french: usize,
    escalated: usize,
    agent_handled: usize,
    no_agent: usize,
    callbacks: usize,
    helpful: usize,
    unhelpful: usize,
    rated: usize,
}

/// What a visitor does.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Opens the chat and says nothing.
    Silent,
    /// Asks one or two questions, rates answers mostly 👍, often thanks.
    Satisfied,
    /// Asks for something the bot does with a form (order, subscription, password).
    SelfService,
    /// Asks a question, then for a person.
    WantsPerson,
    /// Types nonsense or asks what no shop handles.
    Lost,
    /// Finds the answers useless (👎) and asks again.
    Unhappy,
    /// Complains, then asks the same thing again, louder.
    Angry,
}

impl Behaviour {
    fn pick(rng: &mut Rng) -> Self {
        match rng.u8(..100) {
            0..5 => Behaviour::Silent,
            5..40 => Behaviour::Satisfied,
            40..53 => Behaviour::SelfService,
            53..70 => Behaviour::WantsPerson,
            70..82 => Behaviour::Lost,
            82..92 => Behaviour::Unhappy,
            _ => Behaviour::Angry,
        }
    }
}

/// One visitor's conversation in progress.
struct Talk {
    visitor: Visitor,
    lang: Lang,
    /// Chance of rating an answer, and of the rating being 👍.
    rates: f32,
    likes: f32,
    /// The intent of the form asking the visitor for a value, if any.
    form: Option<String>,
    /// Messages sent, for client ids.
    sent: u32,
    number: u32,
    /// Ended: escalated to an agent or a callback, or closed.
    over: bool,
    /// A handoff was requested (counted once).
    escalated: bool,
}

/// The simulation's state: the store, the clock it moves, its agents, its dice.
struct Sim<'a> {
    store: &'a Store,
    clock: Arc<AtomicI64>,
    rng: Rng,
    visitor_url: String,
    agents: Vec<Agent>,
    tally: Tally,
    /// The browsers visitors come from: fewer than the conversations, so some come back.
    browsers: u32,
}

async fn simulate(args: &SimulateArgs, store: &Store, address: SocketAddr, clock: Arc<AtomicI64>) -> anyhow::Result<Tally> {
    let mut rng = Rng::with_seed(args.seed);
    let starts = start_times(&mut rng, args.conversations, args.days, relais_server::now_ms());
    let (agents, tokens) = connect_agents(store, address).await?;
    let mut sim = Sim {
        store,
        clock,
        rng,
        visitor_url: format!("ws://{address}/v1/ws"),
        agents,
        tally: Tally::default(),
        browsers: u32::try_from(args.conversations * 3 / 4).unwrap_or(u32::MAX).max(1),
    };
    let mut result = Ok(());
    for (number, start) in starts.into_iter().enumerate() {
        result = sim.conversation(number as u32, start).await;
        if result.is_err() {
            break;
        }
    }
    for token in tokens {
        store.revoke_session(&token).await?;
    }
    result.map(|()| sim.tally)
}

/// `count` start times over the `days` days up to `now`, in order: mostly in office
/// hours (UTC), all at least an hour ago so that every conversation ends in the past.
fn start_times(rng: &mut Rng, count: usize, days: u32, now: i64) -> Vec<i64> {
    let today = now - now.rem_euclid(DAY);
    let mut starts: Vec<i64> = (0..count)
        .map(|_| {
            let hour = if rng.u8(..4) == 0 { rng.i64(0..24) } else { rng.i64(8..19) };
            let start = today - rng.i64(0..i64::from(days)) * DAY + hour * HOUR + rng.i64(0..HOUR);
            if start > now - HOUR { start - DAY } else { start }
        })
        .collect();
    starts.sort_unstable();
    starts
}

/// The simulated agents' sockets (each agent added to the store the first time, with a
/// password nobody knows), signed in with sessions made in the store; and the sessions'
/// tokens, to end them afterwards.
async fn connect_agents(store: &Store, address: SocketAddr) -> anyhow::Result<(Vec<Agent>, Vec<String>)> {
    let existing = store.agents().await?;
    let now = relais_server::now_ms();
    let (mut agents, mut tokens) = (Vec::new(), Vec::new());
    for (name, email) in AGENTS {
        let agent = match existing.iter().find(|agent| agent.email == email) {
            Some(agent) if agent.disabled_at.is_some() => {
                bail!("the simulated agent {email} is disabled; simulated conversations need it enabled")
            }
            Some(agent) => agent.clone(),
            None => {
                let mut secret = [0u8; 24];
                getrandom::fill(&mut secret).context("drawing a password for the simulated agent")?;
                let password = secret.iter().map(|byte| format!("{byte:02x}")).collect();
                let new = NewAgent {
                    email: email.into(),
                    name: name.into(),
                    role: Role::Agent,
                    reviewer: false,
                    password,
                };
                store.add_agent(new, now).await?
            }
        };
        let token = store.create_session(agent.id, Duration::from_secs(3_600), now).await?;
        agents.push(Agent::connect(&format!("ws://{address}/v1/agent/ws"), &token, agent.name).await?);
        tokens.push(token);
    }
    Ok((agents, tokens))
}

impl Sim<'_> {
    /// Moves the clock on by a random time in `[low, high)` ms.
    fn wait(&mut self, low: i64, high: i64) {
        let step = self.rng.i64(low..high);
        self.clock.fetch_add(step, Ordering::Relaxed);
    }

    /// One conversation, started at `start`.
    async fn conversation(&mut self, number: u32, start: i64) -> anyhow::Result<()> {
        self.clock.store(start, Ordering::Relaxed);
        let lang = if self.rng.u8(..100) < 35 { Lang::Fr } else { Lang::En };
        // The team is in from 8:00 to 20:00 (UTC), and sometimes all busy.
        let hour = start.rem_euclid(DAY) / HOUR;
        let staffed = (8..20).contains(&hour) && self.rng.u8(..100) < 85;
        for agent in &mut self.agents {
            agent.set_available(staffed).await?;
        }
        let (url, title) = PAGES[self.rng.usize(..PAGES.len())];
        let browser = format!("simulated-browser-{:06}", self.rng.u32(..self.browsers));
        let mut hello = json!({"type": "hello", "page": {"url": url, "title": title}, "browser_id": browser});
        if self.rng.u8(..10) < 8 {
            hello["lang"] = lang.code().into();
        }
        let visitor = Visitor::start(&self.visitor_url, hello).await?;
        self.tally.conversations += 1;
        let behaviour = Behaviour::pick(&mut self.rng);
        if !matches!(behaviour, Behaviour::Silent) {
            self.tally.engaged += 1;
            if lang == Lang::Fr {
                self.tally.french += 1;
            }
        }
        let mut talk = Talk {
            visitor,
            lang,
            rates: 0.6,
            likes: 0.85,
            form: None,
            sent: 0,
            number,
            over: false,
            escalated: false,
        };
        match behaviour {
            Behaviour::Silent => {
                self.wait(5 * SECOND, 2 * MINUTE);
                let (url, title) = PAGES[self.rng.usize(..PAGES.len())];
                self.act(&mut talk, json!({"type": "page_view", "url": url, "title": title})).await?;
            }
            Behaviour::Satisfied => {
                for _ in 0..self.rng.u8(1..3) {
                    let topic = phrases::topic(&mut self.rng);
                    let question = phrases::question(&mut self.rng, lang, topic);
                    self.say(&mut talk, question).await?;
                }
                if self.rng.u8(..10) < 6 {
                    let thanks = phrases::thanks(&mut self.rng, lang);
                    self.say(&mut talk, thanks).await?;
                }
            }
            Behaviour::SelfService => {
                let topic = phrases::self_service(&mut self.rng);
                let question = phrases::question(&mut self.rng, lang, topic);
                self.say(&mut talk, question).await?;
                if self.rng.bool() {
                    let thanks = phrases::thanks(&mut self.rng, lang);
                    self.say(&mut talk, thanks).await?;
                }
            }
            Behaviour::WantsPerson => {
                let topic = phrases::topic(&mut self.rng);
                let question = phrases::question(&mut self.rng, lang, topic);
                self.say(&mut talk, question).await?;
                if self.rng.bool() {
                    let ask = phrases::ask_for_person(&mut self.rng, lang);
                    self.say(&mut talk, ask).await?;
                } else {
                    self.wait(5 * SECOND, 30 * SECOND);
                    self.act(&mut talk, json!({"type": "request_agent"})).await?;
                }
            }
            Behaviour::Lost => {
                talk.rates = 0.2;
                for _ in 0..self.rng.u8(1..4) {
                    let nonsense = phrases::nonsense(&mut self.rng, lang);
                    self.say(&mut talk, nonsense).await?;
                }
            }
            Behaviour::Unhappy => {
                (talk.rates, talk.likes) = (1.0, 0.1);
                let topic = phrases::topic(&mut self.rng);
                for _ in 0..2 {
                    let question = phrases::question(&mut self.rng, lang, topic);
                    self.say(&mut talk, question).await?;
                }
            }
            Behaviour::Angry => {
                talk.likes = 0.3;
                let complaint = phrases::complaint(&mut self.rng, lang);
                self.say(&mut talk, complaint.clone()).await?;
                self.say(&mut talk, complaint.to_uppercase()).await?;
            }
        }
        if !talk.over && self.rng.u8(..10) < 3 {
            self.wait(5 * SECOND, MINUTE);
            self.act(&mut talk, json!({"type": "close"})).await?;
        }
        talk.visitor.leave().await;
        Ok(())
    }

    /// The visitor types `text` (unless the conversation is over), then reacts to the turn.
    async fn say(&mut self, talk: &mut Talk, text: String) -> anyhow::Result<()> {
        if talk.over {
            return Ok(());
        }
        self.wait(8 * SECOND, 50 * SECOND);
        talk.sent += 1;
        let frame = json!({"type": "message", "client_id": format!("v{}-{}", talk.number, talk.sent), "text": text});
        self.act(talk, frame).await
    }

    /// Sends a visitor frame (unless the conversation is over: an earlier turn may have
    /// ended with an agent's close), waits for its turn, and reacts to what came of it: a
    /// form asking for a value, an answer to rate, a rating asked, a handoff.
    async fn act(&mut self, talk: &mut Talk, frame: Value) -> anyhow::Result<()> {
        if talk.over {
            return Ok(());
        }
        let mut frame = Some(frame);
        let mut rated = Vec::new();
        // Bounded: a reaction leads to another turn only a few times (a form's retries, 👎s).
        for _ in 0..8 {
            let Some(next) = frame.take() else { break };
            let before = talk.visitor.last_seq(self.store).await?;
            talk.visitor.send(next).await?;
            let events = talk.visitor.settle(self.store, before).await?;
            for stored in &events {
                match &stored.event.kind {
                    EventKind::FormStarted { intent } => talk.form = Some(intent.clone()),
                    EventKind::FormEnded { .. } => talk.form = None,
                    EventKind::Closed { .. } => talk.over = true,
                    EventKind::HandoffRequested { .. } if !talk.escalated => {
                        talk.escalated = true;
                        self.tally.escalated += 1;
                    }
                    _ => {}
                }
            }
            if talk.over {
                return Ok(());
            }
            if let Some(state) = handoff(&events) {
                talk.over = true;
                return match state {
                    HandoffState::Queued => self.agent_serves(talk).await,
                    _ => self.callback(talk).await,
                };
            }
            // Three visitors in four answer a rating request.
            if let Some(scale) = rating_asked(&events)
                && self.rng.u8(..4) != 0
            {
                self.wait(3 * SECOND, 20 * SECOND);
                let score = if self.rng.f32() < talk.likes { scale } else { 1 };
                self.tally.rated += 1;
                frame = Some(json!({"type": "rate", "score": score}));
            } else if let Some(seq) = answer(&events).filter(|seq| !rated.contains(seq))
                && self.rng.f32() < talk.rates
            {
                rated.push(seq);
                self.wait(2 * SECOND, 15 * SECOND);
                let helpful = self.rng.f32() < talk.likes;
                *if helpful { &mut self.tally.helpful } else { &mut self.tally.unhelpful } += 1;
                frame = Some(json!({"type": "feedback", "seq": seq, "helpful": helpful}));
            } else if let Some(intent) = talk.form.clone() {
                self.wait(5 * SECOND, 40 * SECOND);
                let value = if self.rng.u8(..10) == 0 {
                    "stop".to_owned()
                } else {
                    phrases::slot_value(&mut self.rng, &intent, talk.number)
                };
                talk.sent += 1;
                frame = Some(json!({"type": "message", "client_id": format!("v{}-{}", talk.number, talk.sent), "text": value}));
            }
        }
        Ok(())
    }

    /// A queued conversation: an agent claims it after a wait, greets, answers, and closes
    /// it (or, sometimes, hands it back to the bot).
    async fn agent_serves(&mut self, talk: &mut Talk) -> anyhow::Result<()> {
        self.wait(MINUTE, 15 * MINUTE);
        let index = self.rng.usize(..self.agents.len());
        let id = talk.visitor.id.clone();
        let claim = json!({"type": "claim", "conversation_id": id});
        self.agent_act(talk, index, claim, |f| f["type"] == "conversation").await?;
        self.tally.agent_handled += 1;
        self.wait(20 * SECOND, 90 * SECOND);
        let greeting = phrases::agent_greeting(talk.lang, &self.agents[index].name);
        self.agent_says(talk, index, greeting).await?;
        self.wait(15 * SECOND, MINUTE);
        let follow_up = phrases::follow_up(&mut self.rng, talk.lang);
        talk.sent += 1;
        let message = json!({"type": "message", "client_id": format!("v{}-{}", talk.number, talk.sent), "text": follow_up});
        let before = talk.visitor.last_seq(self.store).await?;
        talk.visitor.send(message).await?;
        talk.visitor.settle(self.store, before).await?;
        self.wait(MINUTE, 5 * MINUTE);
        let answer = phrases::agent_answer(&mut self.rng, talk.lang);
        self.agent_says(talk, index, answer).await?;
        self.wait(10 * SECOND, MINUTE);
        let end = if self.rng.u8(..10) < 9 {
            json!({"type": "close", "conversation_id": id, "resolution": "solved"})
        } else {
            json!({"type": "hand_back", "conversation_id": id})
        };
        let before = talk.visitor.last_seq(self.store).await?;
        self.agents[index].send(end).await?;
        let events = talk.visitor.settle(self.store, before).await?;
        talk.over = true;
        // The close asks for a rating: three visitors in four answer it.
        if let Some(scale) = rating_asked(&events)
            && self.rng.u8(..4) != 0
        {
            self.wait(5 * SECOND, 40 * SECOND);
            let score = if self.rng.f32() < talk.likes { scale } else { 1 };
            self.tally.rated += 1;
            let before = talk.visitor.last_seq(self.store).await?;
            talk.visitor.send(json!({"type": "rate", "score": score})).await?;
            talk.visitor.settle(self.store, before).await?;
        }
        Ok(())
    }

    /// An agent's message, acknowledged, and seen by the visitor.
    async fn agent_says(&mut self, talk: &mut Talk, index: usize, text: String) -> anyhow::Result<()> {
        talk.sent += 1;
        let client_id = format!("a{}-{}", talk.number, talk.sent);
        let message = json!({"type": "message", "conversation_id": talk.visitor.id, "client_id": client_id, "text": text});
        self.agent_act(talk, index, message, move |f| f["type"] == "ack" && f["client_id"] == client_id.as_str())
            .await
    }

    /// An agent's frame, its answer, and the visitor's view of its turn.
    async fn agent_act(
        &mut self,
        talk: &mut Talk,
        index: usize,
        frame: Value,
        answer: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<()> {
        let before = talk.visitor.last_seq(self.store).await?;
        self.agents[index].request(frame, answer).await?;
        talk.visitor.settle(self.store, before).await?;
        Ok(())
    }

    /// No agent was free: most visitors leave a callback request.
    async fn callback(&mut self, talk: &mut Talk) -> anyhow::Result<()> {
        self.tally.no_agent += 1;
        if self.rng.u8(..4) == 0 {
            return Ok(());
        }
        self.wait(20 * SECOND, 2 * MINUTE);
        let number = talk.number;
        let request = if self.rng.bool() {
            json!({"type": "callback_request", "name": format!("Visitor {number}"), "email": format!("visitor{number}@example.com"), "preferred_time": "tomorrow morning"})
        } else {
            json!({"type": "callback_request", "phone": format!("+33 6 12 34 {:02} {:02}", number % 100, number / 100 % 100), "note": "about my order"})
        };
        let before = talk.visitor.last_seq(self.store).await?;
        talk.visitor.send(request).await?;
        talk.visitor.settle(self.store, before).await?;
        self.tally.callbacks += 1;
        Ok(())
    }
}

/// The state of the turn's `handoff` that ends the bot's part: queued, or no agent free.
fn handoff(events: &[StoredEvent]) -> Option<HandoffState> {
    events.iter().find_map(|stored| match stored.event.kind {
        EventKind::Handoff {
            state: state @ (HandoffState::Queued | HandoffState::NoAgentAvailable),
            ..
        } => Some(state),
        _ => None,
    })
}

/// The scale of a rating the turn asked for.
fn rating_asked(events: &[StoredEvent]) -> Option<u8> {
    events.iter().find_map(|stored| match stored.event.kind {
        EventKind::RatingAsked { scale } => Some(scale),
        _ => None,
    })
}

/// The `seq` of the turn's last answer that asks "was this useful?".
fn answer(events: &[StoredEvent]) -> Option<u64> {
    events.iter().rev().find_map(|stored| match stored.event.kind {
        EventKind::BotMessage { ask_feedback: true, .. } => Some(stored.seq),
        _ => None,
    })
}
