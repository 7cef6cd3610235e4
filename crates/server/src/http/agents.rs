//! `GET /v1/agents`, `POST /v1/agents/reviewer` and `POST /v1/agents/disable`: an admin
//! sees the team, gives an agent the reviewer role (the review inbox) or takes it away,
//! and disables an agent (their sessions end at once, their open sockets within
//! seconds, the conversations they held go back to the queue), as
//! `relais agent list|reviewer|disable` does on the server.

use axum::Json;
use axum::extract::State;
use relais_store::Agent;
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::extract::Admin;
use crate::error::ClientError;
use crate::validate::MAX_EMAIL_BYTES;

#[derive(Deserialize)]
pub(super) struct Disable {
    email: String,
}

/// `{"email", "reviewer": true | false}`.
#[derive(Deserialize)]
pub(super) struct SetReviewer {
    email: String,
    reviewer: bool,
}

/// Every agent, disabled ones included, by email.
pub(super) async fn agents(State(app): State<App>, _: Admin) -> Result<Json<Vec<Value>>, ClientError> {
    let agents = app.hub.store.agents().await?;
    Ok(Json(agents.iter().map(agent_json).collect()))
}

/// Gives the agent with this email the reviewer role, or takes it away.
pub(super) async fn reviewer(
    State(app): State<App>,
    _: Admin,
    Json(set): Json<SetReviewer>,
) -> Result<Json<Value>, ClientError> {
    if set.email.len() > MAX_EMAIL_BYTES {
        return Err(ClientError::bad_frame(format!("the email is at most {MAX_EMAIL_BYTES} bytes")));
    }
    let agent = app.hub.store.set_reviewer(&set.email, set.reviewer).await?;
    Ok(Json(agent_json(&agent)))
}

/// Disables the agent with this email and puts the conversations they held back in the
/// queue (`requeued`: how many); disabling them again changes nothing.
pub(super) async fn disable(
    State(app): State<App>,
    Admin(admin): Admin,
    Json(disable): Json<Disable>,
) -> Result<Json<Value>, ClientError> {
    if disable.email.len() > MAX_EMAIL_BYTES {
        return Err(ClientError::bad_frame(format!("the email is at most {MAX_EMAIL_BYTES} bytes")));
    }
    if disable.email.trim().eq_ignore_ascii_case(&admin.agent.email) {
        return Err(ClientError::bad_frame(
            "you cannot disable yourself; another admin can, or `relais agent disable` on the server",
        ));
    }
    let agent = app.hub.store.disable_agent(&disable.email, crate::now_ms()).await?;
    let requeued = crate::hub::queue::requeue_from_disabled_agents(&app.hub).await?;
    let mut answer = agent_json(&agent);
    answer["requeued"] = requeued.into();
    Ok(Json(answer))
}

fn agent_json(agent: &Agent) -> Value {
    json!({
        "id": agent.id, "email": agent.email, "name": agent.name, "role": agent.role.as_str(),
        "reviewer": agent.reviewer, "created_at": agent.created_at, "disabled_at": agent.disabled_at,
    })
}
