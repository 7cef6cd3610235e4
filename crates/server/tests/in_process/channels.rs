//! Channels beyond the widget, against a stand-in provider server (`support::Provider`)
//! that answers as Twilio, WhatsApp's Graph API and a business's webhook: signatures
//! checked before anything is stored, replays stored once, replies delivered through the
//! outbox (retried while the provider is down, then `failed` shown to the agent), STOP
//! honoured, an SMS escalated to an agent whose reply leaves by SMS, the REST API, and
//! one contact across channels.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::{Method, Request};
use hmac::{Hmac, Mac};
use relais_channels::{ChannelsConfig, RestConfig, TwilioConfig, WhatsAppConfig, twilio};
use relais_server::{Clock, ServerConfig};
use relais_store::Role;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::*;

const ACCOUNT: &str = "AC00000000000000000000000000000001";
const AUTH_TOKEN: &str = "twilio-auth-token";
const OUR_NUMBER: &str = "+15550000000";
const PUBLIC_URL: &str = "https://support.example/v1/channels/twilio";
const APP_SECRET: &str = "whatsapp-app-secret";
const PHONE_ID: &str = "106540352242922";
const WEBHOOK_SECRET: &str = "webhook-secret";

fn channels(provider: &Provider) -> ChannelsConfig {
    ChannelsConfig {
        twilio: Some(TwilioConfig {
            account_sid: ACCOUNT.into(),
            auth_token: AUTH_TOKEN.into(),
            from: OUR_NUMBER.into(),
            public_url: Some(PUBLIC_URL.into()),
            api_base: provider.url(),
        }),
        whatsapp: Some(WhatsAppConfig {
            verify_token: "let-me-in".into(),
            app_secret: APP_SECRET.into(),
            access_token: "graph-token".into(),
            phone_number_id: PHONE_ID.into(),
            api_base: provider.url(),
        }),
        rest: Some(RestConfig { webhook_url: format!("{}/hook", provider.url()), webhook_secret: WEBHOOK_SECRET.into() }),
        max_attempts: 3,
        retry_base_ms: 20,
        retry_max_ms: 100,
        timeout_seconds: 5,
    }
}

async fn channel_server(provider: &Provider) -> TestServer {
    let config = channels(provider);
    TestServer::built(ServerConfig::default(), |server| server.with_channels(config)).await
}

/// A form POST to `path` signed (or not) as Twilio signs it.
fn twilio_request(path: &str, params: &[(&str, &str)], signature: Option<String>) -> Request<Body> {
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("Host", "support.example")
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(signature) = signature {
        request = request.header("X-Twilio-Signature", signature);
    }
    request.body(Body::from(body)).unwrap()
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// An SMS from `from`, signed with the auth token over the public URL.
async fn sms(server: &TestServer, sid: &str, from: &str, text: &str) -> Answer {
    let params = [("MessageSid", sid), ("AccountSid", ACCOUNT), ("From", from), ("To", OUR_NUMBER), ("Body", text), ("NumMedia", "0")];
    let signature = twilio::signature(AUTH_TOKEN, PUBLIC_URL, &owned(&params));
    server.http(twilio_request("/v1/channels/twilio", &params, Some(signature))).await
}

/// Twilio's report that the SMS `sid` reached its number.
async fn delivered(server: &TestServer, sid: &str) -> Answer {
    let params = [("MessageSid", sid), ("MessageStatus", "delivered"), ("AccountSid", ACCOUNT)];
    let signature = twilio::signature(AUTH_TOKEN, &format!("{PUBLIC_URL}/status"), &owned(&params));
    server.http(twilio_request("/v1/channels/twilio/status", &params, Some(signature))).await
}

fn sha256_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A WhatsApp webhook POST carrying `value`, signed with `secret`.
async fn whatsapp(server: &TestServer, value: Value, secret: &str) -> Answer {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}).to_string();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/channels/whatsapp")
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", format!("sha256={}", sha256_hex(secret, body.as_bytes())))
        .body(Body::from(body))
        .unwrap();
    server.http(request).await
}

fn whatsapp_text(from: &str, id: &str, text: &str) -> Value {
    json!({"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": "1", "type": "text", "text": {"body": text}}]})
}

fn whatsapp_pressed(from: &str, id: &str, payload: &str) -> Value {
    json!({"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID},
        "messages": [{"from": from, "id": id, "timestamp": "2", "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": payload, "title": "Talk to an advisor"}}}]})
}

/// The SMS the stand-in was asked to send to `to`.
fn sms_to<'a>(calls: &'a [Call], to: &str) -> Vec<&'a Call> {
    calls.iter().filter(|call| call.path.ends_with("/Messages.json") && call.form("To").as_deref() == Some(to)).collect()
}

/// The conversations of the store on `channel`.
async fn on_channel(server: &TestServer, channel: &str) -> Vec<relais_store::Conversation> {
    let all = server.store.conversations(None, relais_store::Page::first(100)).await.unwrap();
    all.into_iter().filter(|c| c.channel == channel).collect()
}

/// Kinds of the events of conversation `id`.
async fn kinds(server: &TestServer, id: &str) -> Vec<String> {
    let events = server.store.events_after(id, 0).await.unwrap();
    events.iter().map(|stored| serde_json::to_value(&stored.event).unwrap()["kind"].as_str().unwrap().to_owned()).collect()
}

/// An agent socket, available, signed in as `email`.
async fn agent_on(server: &TestServer, email: &str) -> Client {
    let token = server.signed_in(email, "Ana").await;
    agent(server, &token).await.0
}

/// Asks for a person by SMS the way a contact does: the bot offers "Talk to an advisor"
/// as choice 1, and the contact replies "1". Returns the conversation id.
async fn escalated_by_sms(server: &TestServer, provider: &Provider, from: &str) -> String {
    assert_eq!(sms(server, &format!("SM{from}a"), from, "are you a bot").await.status, 200);
    let calls = provider.wait_for(|calls| sms_to(calls, from).iter().any(|c| c.form("Body").unwrap().contains("Reply 1"))).await;
    let offer = sms_to(&calls, from).into_iter().find(|c| c.form("Body").unwrap().contains("Reply 1")).unwrap().form("Body").unwrap();
    assert!(offer.contains("Reply 1 for \"Talk to an advisor\""), "{offer}");
    assert_eq!(sms(server, &format!("SM{from}b"), from, "1").await.status, 200);
    let conversation = on_channel(server, "sms").await.into_iter().find(|c| c.address.as_deref() == Some(from)).unwrap();
    assert_eq!(conversation.stage, relais_dialogue::Stage::Queued, "the reply 1 pressed 'Talk to an advisor'");
    conversation.id
}

/// A conversation started by SMS from `from`, escalated, and held by an agent.
struct Held {
    provider: Provider,
    server: TestServer,
    agent: Client,
    id: String,
}

async fn held_by_sms(from: &str) -> Held {
    let provider = Provider::start().await;
    let server = channel_server(&provider).await;
    let mut agent = agent_on(&server, "ana@example.com").await;
    let id = escalated_by_sms(&server, &provider, from).await;
    claim(&mut agent, &id).await;
    Held { provider, server, agent, id }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_signatures_are_checked_before_anything_is_stored() {
    // The worked example of Twilio's webhook security docs: auth token 12345, this URL,
    // these parameters, this signature.
    let provider = Provider::start().await;
    let mut config = channels(&provider);
    let twilio_config = config.twilio.as_mut().unwrap();
    twilio_config.auth_token = "12345".into();
    twilio_config.public_url = Some("https://mycompany.com/myapp.php?foo=1&bar=2".into());
    let server = TestServer::built(ServerConfig::default(), |server| server.with_channels(config)).await;
    let docs = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675310"), ("Digits", "1234"), ("From", "+14158675310"), ("To", "+18005551212")];
    let signed = server.http(twilio_request("/v1/channels/twilio", &docs, Some("GvWf1cFY/Q7PnoempGyD5oXAezc=".into()))).await;
    assert_eq!((signed.status, signed.json()["error"]["code"].as_str()), (400, Some("bad_frame")), "signed, but not an SMS: {}", signed.text);
    let tampered = server.http(twilio_request("/v1/channels/twilio", &docs, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=".into()))).await;
    assert_eq!((tampered.status, tampered.json()["error"]["code"].as_str()), (403, Some("bad_signature")));

    // A real SMS with a wrong or missing signature: refused, nothing stored.
    let params = [("MessageSid", "SM1"), ("From", "+15551110000"), ("To", OUR_NUMBER), ("Body", "where is my order")];
    let wrong = twilio::signature("not-the-token", "https://mycompany.com/myapp.php?foo=1&bar=2", &owned(&params));
    assert_eq!(server.http(twilio_request("/v1/channels/twilio", &params, Some(wrong))).await.status, 403);
    assert_eq!(server.http(twilio_request("/v1/channels/twilio", &params, None)).await.status, 403);
    assert!(on_channel(&server, "sms").await.is_empty());
    assert_eq!(server.store.count_conversations(None).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_is_answered_by_sms_and_a_replayed_message_sid_is_stored_once() {
    let provider = Provider::start().await;
    let server = channel_server(&provider).await;
    let from = "+15551230001";
    let answer = sms(&server, "SMaaaa", from, "are you a bot").await;
    assert_eq!((answer.status, answer.header("content-type")), (200, "text/xml"), "{}", answer.text);
    let calls = provider.wait_for(|calls| sms_to(calls, from).len() >= 2).await;
    let sent = sms_to(&calls, from);
    let reply = sent.iter().find(|c| c.form("Body").unwrap().contains("virtual assistant")).expect("the bot's answer by SMS");
    assert_eq!(reply.path, format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json"));
    assert_eq!(reply.form("From").as_deref(), Some(OUR_NUMBER));
    assert_eq!(reply.form("StatusCallback"), Some(format!("{PUBLIC_URL}/status")));
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{AUTH_TOKEN}"));
    assert_eq!(reply.headers["authorization"], format!("Basic {basic}").as_str());

    let conversation = on_channel(&server, "sms").await.pop().unwrap();
    assert_eq!(conversation.address.as_deref(), Some(from));
    assert_eq!(conversation.contact, Some(format!("phone:{from}")));
    let before = kinds(&server, &conversation.id).await;
    // Twilio retries a webhook it thinks failed: the same MessageSid again.
    assert_eq!(sms(&server, "SMaaaa", from, "are you a bot").await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(kinds(&server, &conversation.id).await, before, "the replay stored nothing");
    assert_eq!(sms_to(&provider.calls(), from).len(), sent.len(), "and sent nothing");
    assert_eq!(before.iter().filter(|k| *k == "visitor_message").count(), 1);
    let deliveries = server.store.deliveries(&conversation.id).await.unwrap();
    assert!(deliveries.iter().all(|d| d.state == relais_store::DeliveryState::Sent), "{deliveries:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_escalated_to_an_agent_gets_the_agents_reply_by_sms() {
    let provider = Provider::start().await;
    let server = channel_server(&provider).await;
    let mut agent = agent_on(&server, "ana@example.com").await;
    let from = "+15551230002";
    let id = escalated_by_sms(&server, &provider, from).await;
    assert!(kinds(&server, &id).await.contains(&"quick_reply_pressed".to_owned()));
    let queue = agent.recv_until(|f| f["type"] == "queue" && f["total"] == 1).await.pop().unwrap();
    assert_eq!(queue["conversations"][0]["channel"], "sms", "{queue}");

    let claimed = claim(&mut agent, &id).await;
    assert_eq!(claimed["context"]["channel"], "sms", "{claimed}");
    assert_eq!(claimed["context"]["address"], from);
    agent.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "Hello, Ana here. How can I help?"})).await;
    let ack = agent.recv_until(|f| f["type"] == "ack").await.pop().unwrap();
    let seq = ack["seq"].as_u64().unwrap();
    let calls = provider.wait_for(|calls| sms_to(calls, from).iter().any(|c| c.form("Body").unwrap().starts_with("Hello, Ana here"))).await;
    assert!(sms_to(&calls, from).iter().any(|c| c.form("Body").unwrap() == "Ana joined the conversation."));
    let sent = agent.recv_until(|f| f["type"] == "delivery" && f["seq"] == seq).await.pop().unwrap();
    assert_eq!((sent["state"].as_str(), sent["conversation_id"].as_str()), (Some("sent"), Some(id.as_str())), "{sent}");
    // After the agent spoke, a number is an answer, not a press of the bot's old choice.
    assert_eq!(sms(&server, "SMtwo", from, "2").await.status, 200);
    agent.recv_until(|f| f["kind"] == "message" && f["from"] == "visitor" && f["text"] == "2").await;

    // Twilio reports the SMS reached the phone.
    let sid = server.store.deliveries(&id).await.unwrap();
    assert!(sid.iter().any(|d| d.seq == seq));
    let reply_sid = provider.calls().iter().rposition(|c| c.form("Body").is_some_and(|b| b.starts_with("Hello, Ana here"))).unwrap() + 1;
    assert_eq!(delivered(&server, &format!("SM{reply_sid:032}")).await.status, 200);
    let reached = agent.recv_until(|f| f["type"] == "delivery" && f["seq"] == seq && f["state"] != "sent").await.pop().unwrap();
    assert_eq!(reached["state"], "delivered", "{reached}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_down_is_retried_then_failed_is_shown_to_the_agent_and_nothing_is_lost() {
    let from = "+15551230003";
    let Held { provider, server, mut agent, id } = held_by_sms(from).await;
    provider.wait_for(|calls| sms_to(calls, from).iter().any(|c| c.form("Body").unwrap().contains("joined"))).await;

    // Down for two calls: the third attempt goes through.
    provider.fail_next(2);
    agent.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "First reply"})).await;
    let first = agent.recv_until(|f| f["type"] == "ack").await.pop().unwrap()["seq"].as_u64().unwrap();
    let frames = agent.recv_until(|f| f["type"] == "delivery" && f["seq"] == first && f["state"] == "sent").await;
    let retries: Vec<&Value> = frames.iter().filter(|f| f["type"] == "delivery" && f["state"] == "pending").collect();
    assert_eq!(retries.len(), 2, "{frames:?}");
    assert!(retries[0]["error"].as_str().unwrap().contains("HTTP 503"), "{}", retries[0]);
    assert_eq!(frames.last().unwrap()["attempts"], 3);

    // Down for good: given up after max_attempts, and the agent is told why.
    provider.fail_next(100);
    agent.send(json!({"type": "message", "conversation_id": id, "client_id": "a2", "text": "Second reply"})).await;
    let second = agent.recv_until(|f| f["type"] == "ack").await.pop().unwrap()["seq"].as_u64().unwrap();
    let failed = agent.recv_until(|f| f["type"] == "delivery" && f["seq"] == second && f["state"] == "failed").await.pop().unwrap();
    assert!(failed["error"].as_str().unwrap().contains("gave up after 3 attempts"), "{failed}");
    // Nothing lost: the reply is in the log, and the conversation frame says it failed.
    let reader = server.login("ana@example.com").await;
    let (_, log) = server.get(&format!("/v1/conversations/{id}/events"), Some(&reader)).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["text"] == "Second reply"), "{log}");
    let (mut again, _) = crate::support::agent(&server, &reader).await;
    let held = again.recv_until(|f| f["type"] == "conversation").await.pop().unwrap();
    let states: Vec<(u64, &str)> = held["deliveries"].as_array().unwrap().iter().map(|d| (d["seq"].as_u64().unwrap(), d["state"].as_str().unwrap())).collect();
    assert!(states.contains(&(first, "sent")) && states.contains(&(second, "failed")), "{states:?}");
    // The next message is not held up behind the failed one.
    provider.fail_next(0);
    agent.send(json!({"type": "message", "conversation_id": id, "client_id": "a3", "text": "Third reply"})).await;
    provider.wait_for(|calls| sms_to(calls, from).iter().any(|c| c.form("Body").as_deref() == Some("Third reply"))).await;
}

/// The texts of the visitor messages of conversation `id`.
async fn visitor_texts(server: &TestServer, id: &str) -> Vec<String> {
    let events = server.store.events_after(id, 0).await.unwrap();
    events
        .iter()
        .filter_map(|s| match &s.event.kind {
            relais_dialogue::EventKind::VisitorMessage { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_closes_the_conversation_and_silences_the_number_until_start() {
    let from = "+15551230004";
    let Held { provider, server, mut agent, id } = held_by_sms(from).await;
    // "yes" is an answer while the number has not sent STOP.
    assert_eq!(sms(&server, "SMyes", from, "Yes").await.status, 200);
    agent.recv_until(|f| f["kind"] == "message" && f["text"] == "Yes").await;
    assert_eq!(sms(&server, "SMstop", from, "Arrêt").await.status, 200);
    let closed = agent.recv_until(|f| f["kind"] == "closed").await.pop().unwrap();
    assert_eq!(closed["by"], "visitor", "{closed}");

    // Written to again while opted out: the bot's replies are not sent.
    let sent_before = sms_to(&provider.calls(), from).len();
    assert_eq!(sms(&server, "SMagain", from, "where is my order").await.status, 200);
    let again = on_channel(&server, "sms").await.into_iter().find(|c| c.address.as_deref() == Some(from) && c.id != id).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let deliveries = server.store.deliveries(&again.id).await.unwrap();
        if !deliveries.is_empty() && deliveries.iter().all(|d| d.state == relais_store::DeliveryState::Failed) {
            assert!(deliveries[0].error.as_deref().unwrap().contains("STOP"), "{deliveries:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{deliveries:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sms_to(&provider.calls(), from).len(), sent_before, "nothing was sent to the number");

    assert_eq!(sms(&server, "SMstart", from, "start").await.status, 200);
    assert_eq!(sms(&server, "SMback", from, "are you a bot").await.status, 200);
    provider.wait_for(|calls| sms_to(calls, from).len() > sent_before).await;
    assert_eq!(visitor_texts(&server, &id).await, ["are you a bot", "Yes"], "STOP is no message");
    assert_eq!(visitor_texts(&server, &again.id).await, ["where is my order", "are you a bot"], "START is no message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_agent_free_the_number_is_the_callback_request_and_queued_contacts_stay() {
    let provider = Provider::start().await;
    let config = channels(&provider);
    let server = TestServer::built(ServerConfig { queue_abandon_after_seconds: 1, ..ServerConfig::default() }, |server| server.with_channels(config)).await;
    let from = "+15551230006";
    assert_eq!(sms(&server, "SMn1", from, "are you a bot").await.status, 200);
    provider.wait_for(|calls| sms_to(calls, from).iter().any(|c| c.form("Body").unwrap().contains("Reply 1"))).await;
    assert_eq!(sms(&server, "SMn2", from, "1").await.status, 200);
    let callbacks = server.store.callback_requests(relais_store::Page::first(10)).await.unwrap();
    assert_eq!(callbacks.len(), 1, "{callbacks:?}");
    assert_eq!(callbacks[0].request.phone.as_deref(), Some(from));
    // The greeting, the answer, "no one is free" and "your request is noted".
    let calls = provider.wait_for(|calls| sms_to(calls, from).len() >= 4).await;
    let bodies: Vec<String> = sms_to(&calls, from).iter().map(|c| c.form("Body").unwrap()).collect();
    assert!(!bodies.iter().any(|b| b.contains("Request a callback")), "no callback choice: the number is the request: {bodies:?}");

    // A queued SMS contact has no socket to lose: the sweep of gone visitors leaves them.
    let mut agent = agent_on(&server, "ana@example.com").await;
    let id = escalated_by_sms(&server, &provider, "+15551230007").await;
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(claim(&mut agent, &id).await["type"], "conversation", "still queued after the abandon time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_verifies_signs_offers_buttons_and_keeps_to_the_24_hour_window() {
    let provider = Provider::start().await;
    let offset = Arc::new(AtomicI64::new(0));
    let later = offset.clone();
    let clock = Clock::from_fn(move || relais_server::now_ms() + later.load(Ordering::Relaxed));
    let config = channels(&provider);
    let server = TestServer::built(ServerConfig::default(), |server| server.with_channels(config).with_clock(clock)).await;

    let verify = |token: &str| format!("/v1/channels/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444");
    let answer = server.fetch(&verify("let-me-in"), None).await;
    assert_eq!((answer.status, answer.text.as_str()), (200, "1158201444"));
    assert_eq!(server.fetch(&verify("guess"), None).await.status, 403);

    let from = "15551230005";
    assert_eq!(whatsapp(&server, whatsapp_text(from, "wamid.in1", "are you a bot"), "not-the-secret").await.status, 403);
    assert_eq!(server.store.count_conversations(None).await.unwrap(), 0, "a forged POST stores nothing");

    assert_eq!(whatsapp(&server, whatsapp_text(from, "wamid.in1", "are you a bot"), APP_SECRET).await.status, 200);
    let path = format!("/{PHONE_ID}/messages");
    let calls = provider.wait_for(|calls| calls.iter().any(|c| c.path == path && c.json()["type"] == "interactive")).await;
    let offer = calls.iter().find(|c| c.json()["type"] == "interactive").unwrap();
    assert_eq!(offer.json()["to"], from);
    assert_eq!(offer.json()["interactive"]["action"]["buttons"][0]["reply"]["id"], "/talk_to_human");
    assert_eq!(offer.headers["authorization"], "Bearer graph-token");
    assert_eq!(whatsapp(&server, whatsapp_text(from, "wamid.in1", "are you a bot"), APP_SECRET).await.status, 200);
    let conversation = on_channel(&server, "whatsapp").await.pop().unwrap();
    assert_eq!(conversation.address.as_deref(), Some("+15551230005"));
    assert_eq!(kinds(&server, &conversation.id).await.iter().filter(|k| *k == "visitor_message").count(), 1, "the wamid replayed is stored once");

    // The button pressed escalates; the provider's status report settles a delivery.
    let mut agent = agent_on(&server, "ana@example.com").await;
    assert_eq!(whatsapp(&server, whatsapp_pressed(from, "wamid.in2", "/talk_to_human"), APP_SECRET).await.status, 200);
    let claimed = claim(&mut agent, &conversation.id).await;
    assert_eq!(claimed["context"]["visitor"]["name"], "Ana", "{claimed}");
    let statuses = json!({"messaging_product": "whatsapp", "statuses": [{"id": "wamid.out1", "status": "delivered", "recipient_id": from}]});
    assert_eq!(whatsapp(&server, statuses, APP_SECRET).await.status, 200);
    let deliveries = server.store.deliveries(&conversation.id).await.unwrap();
    assert_eq!(deliveries.iter().filter(|d| d.state == relais_store::DeliveryState::Delivered).count(), 1, "{deliveries:?}");

    // A day and more since the contact wrote: the agent is told a template is needed.
    offset.store(25 * 3_600_000, Ordering::Relaxed);
    agent.send(json!({"type": "message", "conversation_id": conversation.id, "client_id": "late", "text": "Still there?"})).await;
    let refused = agent.recv_until(|f| f["type"] == "error").await.pop().unwrap();
    assert_eq!(refused["code"], "template_needed", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("template"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rest_channel_answers_in_json_and_posts_later_events_signed() {
    let provider = Provider::start().await;
    let server = channel_server(&provider).await;
    let message = json!({"user_id": "u-42", "text": "are you a bot", "client_id": "m1"});
    assert_eq!(refusal(&server.post("/v1/channels/rest/messages", None, message.clone()).await), (401, "unauthorized"));
    assert_eq!(refusal(&server.post("/v1/channels/rest/messages", Some("rlk_guess"), message.clone()).await), (401, "unauthorized"));
    let key = relais_channels::rest::new_key([9; 32]);
    server.store.add_channel_key("mobile-app", &relais_channels::rest::key_hash(&key), 0).await.unwrap();
    assert!(matches!(server.store.add_channel_key("mobile-app", "other", 0).await, Err(relais_store::Error::DuplicateKeyName(_))));

    let (status, answer) = server.post("/v1/channels/rest/messages", Some(&key), message.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["conversation_id"].as_str().unwrap().to_owned();
    let texts: Vec<&str> = answer["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "message" && e["from"] == "bot").map(|e| e["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("virtual assistant")), "{answer}");
    let echoed: Vec<&Value> = answer["events"].as_array().unwrap().iter().filter(|e| e["from"] == "visitor").collect();
    assert_eq!(echoed[0]["client_id"], "m1", "the caller's own client id: {answer}");
    // Sent again (a timeout on the caller's side): the same answer, nothing stored twice.
    let (_, again) = server.post("/v1/channels/rest/messages", Some(&key), message).await;
    assert_eq!((again["repeated"].as_bool(), &again["seq"]), (Some(true), &answer["seq"]), "{again}");
    let answered: Vec<&Value> = answer["events"].as_array().unwrap().iter().filter(|e| e["seq"].as_u64() >= answer["seq"].as_u64()).collect();
    assert_eq!(again["events"].as_array().unwrap().iter().collect::<Vec<_>>(), answered);
    assert_eq!(kinds(&server, &id).await.iter().filter(|k| *k == "visitor_message").count(), 1);

    let too_long = "x".repeat(ServerConfig::default().limits.max_message_chars + 1);
    assert_eq!(refusal(&server.post("/v1/channels/rest/messages", Some(&key), json!({"user_id": "u-42", "text": too_long})).await), (400, "too_long"));
    assert_eq!(refusal(&server.post("/v1/channels/rest/messages", Some(&key), json!({"user_id": "u-42"})).await), (400, "bad_frame"));
    assert_eq!(refusal(&server.post("/v1/channels/rest/messages", Some(&key), json!({"user_id": "", "text": "hi"})).await).0, 400);
    assert_eq!(refusal(&server.post("/v1/channels/rest/messages", Some(&key), json!({"user_id": "u-42", "text": "hi", "admin": true})).await), (400, "bad_frame"));

    let mut agent = agent_on(&server, "ana@example.com").await;
    let (_, pressed) = server.post("/v1/channels/rest/messages", Some(&key), json!({"user_id": "u-42", "quick_reply": "/talk_to_human"})).await;
    assert!(pressed["events"].as_array().unwrap().iter().any(|e| e["kind"] == "handoff" && e["state"] == "queued"), "{pressed}");
    assert!(provider.calls().iter().all(|c| c.path != "/hook"), "what the caller asked for is answered, not POSTed");
    let claimed = claim(&mut agent, &id).await;
    assert_eq!(claimed["context"]["verified_user_id"], "u-42");
    agent.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "Hi, Ana here"})).await;
    let from_agent = |call: &Call| call.path == "/hook" && call.json()["event"]["from"] == "agent";
    let calls = provider.wait_for(|calls| calls.iter().any(from_agent)).await;
    let hook = calls.iter().find(|call| from_agent(call)).unwrap();
    assert_eq!((hook.json()["conversation_id"].as_str(), hook.json()["user_id"].as_str()), (Some(id.as_str()), Some("u-42")));
    assert_eq!(hook.json()["event"]["text"], "Hi, Ana here");
    let signature = hook.headers["x-relais-signature"].to_str().unwrap();
    assert_eq!(signature, format!("sha256={}", sha256_hex(WEBHOOK_SECRET, hook.body.as_bytes())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_contact_across_channels_has_one_history_and_is_counted_as_a_switch() {
    let provider = Provider::start().await;
    let server = channel_server(&provider).await;
    let number = "+15559990000";
    assert_eq!(sms(&server, "SMx1", number, "where is my order").await.status, 200);
    let mut agent = agent_on(&server, "ana@example.com").await;
    assert_eq!(whatsapp(&server, whatsapp_text(&number[1..], "wamid.x1", "are you a bot"), APP_SECRET).await.status, 200);
    assert_eq!(whatsapp(&server, whatsapp_pressed(&number[1..], "wamid.x2", "/talk_to_human"), APP_SECRET).await.status, 200);
    let on_whatsapp = on_channel(&server, "whatsapp").await.pop().unwrap();
    let on_sms = on_channel(&server, "sms").await.pop().unwrap();
    assert_eq!(on_whatsapp.contact, on_sms.contact);
    let claimed = claim(&mut agent, &on_whatsapp.id).await;
    let earlier = &claimed["context"]["earlier"];
    assert_eq!(earlier.as_array().map(Vec::len), Some(1), "{claimed}");
    assert_eq!((earlier[0]["conversation_id"].as_str(), earlier[0]["channel"].as_str()), (Some(on_sms.id.as_str()), Some("sms")));

    // A widget visitor is another contact; the insights count one switch of two contacts… of one.
    visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let now = relais_server::now_ms();
    let window = format!("from={}&to={}", relais_server::rfc3339(now - 3_600_000), relais_server::rfc3339(now + 3_600_000));
    let (status, counts) = server.get(&format!("/v1/insights/channels?{window}"), Some(&admin)).await;
    assert_eq!(status, 200, "{counts}");
    let per_channel: Vec<(&str, u64)> = counts["channels"].as_array().unwrap().iter().map(|c| (c["channel"].as_str().unwrap(), c["conversations"].as_u64().unwrap())).collect();
    assert!(per_channel.contains(&("sms", 1)) && per_channel.contains(&("whatsapp", 1)) && per_channel.contains(&("widget", 1)), "{counts}");
    assert_eq!((counts["contacts"].as_u64(), counts["switching_contacts"].as_u64()), (Some(1), Some(1)), "{counts}");
    let (_, summary) = server.get(&format!("/v1/insights/summary?{window}&channel=sms"), Some(&admin)).await;
    assert_eq!(summary["conversations"], 1, "the insights filter by channel: {summary}");
}
