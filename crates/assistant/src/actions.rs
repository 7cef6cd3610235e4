//! Calls the business's actions.
//!
//! When a form completes, the dialogue engine emits `ActionRequested`; [`ActionClient`]
//! POSTs its payload as JSON to the action's URL and turns the outcome into the
//! `ActionResult` event the engine expects back. Each attempt has a timeout (5 s by
//! default); a connection error, a timeout or a 5xx status is retried once. The reply
//! must be a JSON object (it may hold `text`, `slots` and `handoff`); an empty 2xx body
//! is accepted as "no reply", and the intent's own responses answer. Plain `http://`
//! only: this build of `ureq` carries no TLS.

use std::io::ErrorKind;
use std::time::Duration;

use relais_dialogue::Input;
use serde_json::Value;

/// Largest reply body read from an action server.
const MAX_REPLY_BYTES: u64 = 1 << 20;

/// Longest part of an error reply quoted in the `error` string.
const MAX_QUOTED_CHARS: usize = 200;

/// Performs actions over HTTP; cheap to share, keeps connections alive between calls.
pub struct ActionClient {
    timeout: Duration,
    agent: ureq::Agent,
}

/// The outcome of one HTTP attempt.
enum Attempt {
    /// Final: the reply (`None` for an empty body) or why the action failed.
    Done(Result<Option<Value>, String>),
    /// Worth one more try (connection error, timeout, 5xx); holds the error.
    Retry(String),
}

impl ActionClient {
    /// A client whose every attempt gives up after `timeout` (so a call with its retry
    /// takes at most about twice that).
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("relais/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { timeout, agent }
    }

    /// POSTs `payload` to `url` and returns the `ActionResult` for `action`.
    pub fn perform(&self, action: &str, url: &str, payload: &Value) -> Input {
        let outcome = match self.attempt(url, payload) {
            Attempt::Done(outcome) => outcome,
            Attempt::Retry(_) => match self.attempt(url, payload) {
                Attempt::Done(outcome) => outcome,
                Attempt::Retry(error) => Err(format!("{error} (after one retry)")),
            },
        };
        let (ok, reply, error) = match outcome {
            Ok(reply) => (true, reply, None),
            Err(error) => (false, None, Some(error)),
        };
        Input::ActionResult {
            action: action.to_owned(),
            ok,
            reply,
            error,
        }
    }

    fn attempt(&self, url: &str, payload: &Value) -> Attempt {
        let mut response = match self.agent.post(url).send_json(payload) {
            Ok(response) => response,
            Err(error) => return self.failed(url, &error),
        };
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY_BYTES)
            .read_to_string();
        if !(200..300).contains(&status) {
            let quoted = body.as_deref().map(quote).unwrap_or_default();
            let error = format!("the action server at {url} answered HTTP {status}{quoted}");
            return if status >= 500 {
                Attempt::Retry(error)
            } else {
                Attempt::Done(Err(error))
            };
        }
        let body = match body {
            Ok(body) => body,
            Err(error) => return self.failed(url, &error),
        };
        if body.trim().is_empty() {
            return Attempt::Done(Ok(None));
        }
        Attempt::Done(match serde_json::from_str::<Value>(&body) {
            Ok(reply @ Value::Object(_)) => Ok(Some(reply)),
            Ok(_) => Err(format!(
                "the action server at {url} replied with JSON that is not an object"
            )),
            Err(_) => Err(format!(
                "the action server at {url} replied with something that is not JSON"
            )),
        })
    }

    /// Classifies a transport error: connection problems and timeouts are retried.
    fn failed(&self, url: &str, error: &ureq::Error) -> Attempt {
        use ureq::Error as E;
        match error {
            E::Timeout(_) => Attempt::Retry(format!(
                "the action server at {url} did not answer within {} ms",
                self.timeout.as_millis()
            )),
            E::Io(io) if io.kind() == ErrorKind::ConnectionRefused => Attempt::Retry(format!(
                "could not connect to the action server at {url}: connection refused"
            )),
            E::Io(io) => {
                Attempt::Retry(format!("could not reach the action server at {url}: {io}"))
            }
            E::ConnectionFailed | E::HostNotFound => Attempt::Retry(format!(
                "could not connect to the action server at {url}: {error}"
            )),
            E::BadUri(_) | E::Http(_) => {
                Attempt::Done(Err(format!("the action URL {url} is not valid: {error}")))
            }
            E::BodyExceedsLimit(_) => Attempt::Done(Err(format!(
                "the action server at {url} replied with more than {MAX_REPLY_BYTES} bytes"
            ))),
            _ => Attempt::Done(Err(format!(
                "calling the action server at {url} failed: {error}"
            ))),
        }
    }
}

/// `": <start of body>"` for an error reply, or nothing for an empty one.
fn quote(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    let mut quoted: String = body.chars().take(MAX_QUOTED_CHARS).collect();
    if quoted.len() < body.len() {
        quoted.push('…');
    }
    format!(": {quoted}")
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    use serde_json::json;

    use super::*;

    const TEST_TIMEOUT: Duration = Duration::from_millis(300);

    /// A canned HTTP response with a JSON content type.
    fn http(status: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
    }

    /// Serves `responses` in order, one connection each, and sends every request body
    /// it read to the returned receiver. Returns the action URL.
    fn serve(responses: Vec<String>) -> (String, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/actions/order_status",
            listener.local_addr().unwrap()
        );
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for response in responses {
                let (stream, _) = listener.accept().unwrap();
                let body = read_request(&stream);
                tx.send(body).unwrap();
                (&stream).write_all(response.as_bytes()).unwrap();
            }
        });
        (url, rx)
    }

    /// Reads one request's head and `Content-Length` body; returns the body.
    fn read_request(stream: &TcpStream) -> String {
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        String::from_utf8(body).unwrap()
    }

    fn client() -> ActionClient {
        ActionClient::new(TEST_TIMEOUT)
    }

    fn payload() -> Value {
        json!({"conversation_id": "c-1", "intent": "order_status", "lang": "en",
            "slots": {"order_number": "BW-482913"}, "visitor": {}})
    }

    fn error_of(result: &Input) -> &str {
        match result {
            Input::ActionResult {
                ok: false,
                reply: None,
                error: Some(error),
                ..
            } => error,
            other => panic!("expected a failed action result, got {other:?}"),
        }
    }

    #[test]
    fn posts_the_payload_and_returns_the_json_reply() {
        let reply = r#"{"text": "Order BW-482913 has shipped.", "slots": {"status": "shipped"}}"#;
        let (url, requests) = serve(vec![http("200 OK", reply)]);
        let result = client().perform("order_status", &url, &payload());
        assert_eq!(
            result,
            Input::ActionResult {
                action: "order_status".into(),
                ok: true,
                reply: Some(serde_json::from_str(reply).unwrap()),
                error: None,
            }
        );
        let sent: Value = serde_json::from_str(&requests.recv().unwrap()).unwrap();
        assert_eq!(sent, payload());
    }

    #[test]
    fn an_empty_reply_is_ok_without_reply() {
        let (url, _requests) = serve(vec![http("204 No Content", "")]);
        let result = client().perform("order_status", &url, &payload());
        assert!(matches!(
            result,
            Input::ActionResult {
                ok: true,
                reply: None,
                error: None,
                ..
            }
        ));
    }

    #[test]
    fn a_reply_that_is_not_json_fails_clearly() {
        let (url, _requests) = serve(vec![http("200 OK", "<html>hello</html>")]);
        let result = client().perform("order_status", &url, &payload());
        assert_eq!(
            error_of(&result),
            format!("the action server at {url} replied with something that is not JSON")
        );
        let (url, _requests) = serve(vec![http("200 OK", "[1, 2]")]);
        let result = client().perform("order_status", &url, &payload());
        assert!(error_of(&result).ends_with("replied with JSON that is not an object"));
    }

    #[test]
    fn a_server_error_is_retried_once() {
        let (url, requests) = serve(vec![
            http("500 Internal Server Error", r#"{"error": "database down"}"#),
            http("200 OK", r#"{"text": "Found it."}"#),
        ]);
        let result = client().perform("order_status", &url, &payload());
        assert!(
            matches!(result, Input::ActionResult { ok: true, .. }),
            "{result:?}"
        );
        assert_eq!(requests.iter().count(), 2);
    }

    #[test]
    fn two_server_errors_fail_with_the_status_and_the_reply() {
        let error = http("503 Service Unavailable", r#"{"error": "down"}"#);
        let (url, _requests) = serve(vec![error.clone(), error]);
        let result = client().perform("order_status", &url, &payload());
        assert_eq!(
            error_of(&result),
            format!(
                r#"the action server at {url} answered HTTP 503: {{"error": "down"}} (after one retry)"#
            )
        );
    }

    #[test]
    fn a_client_error_is_not_retried() {
        let (url, requests) = serve(vec![http("404 Not Found", "")]);
        let result = client().perform("order_status", &url, &payload());
        assert_eq!(
            error_of(&result),
            format!("the action server at {url} answered HTTP 404")
        );
        assert_eq!(requests.iter().count(), 1);
    }

    #[test]
    fn a_server_that_never_answers_times_out_twice() {
        // Connections complete in the backlog but are never accepted nor answered.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/actions/order_status",
            listener.local_addr().unwrap()
        );
        let start = Instant::now();
        let result = client().perform("order_status", &url, &payload());
        let elapsed = start.elapsed();
        assert_eq!(
            error_of(&result),
            format!("the action server at {url} did not answer within 300 ms (after one retry)")
        );
        assert!(elapsed >= 2 * TEST_TIMEOUT, "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        drop(listener);
    }

    #[test]
    fn a_refused_connection_fails_after_a_retry() {
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let url = format!("http://{address}/actions/order_status");
        let result = client().perform("order_status", &url, &payload());
        assert_eq!(
            error_of(&result),
            format!(
                "could not connect to the action server at {url}: connection refused (after one retry)"
            )
        );
    }

    #[test]
    fn an_invalid_url_is_not_retried() {
        let result = client().perform("order_status", "not a url", &payload());
        assert!(error_of(&result).starts_with("the action URL not a url is not valid"));
    }
}
