//! The handoff queue's sweeper: takes out of the queue the visitors who have gone
//! (`abandoned`), and puts back in it the conversations a disabled agent held
//! (`agent_left`). (A newcomer's place is numbered by the store, in the transaction that
//! appends the `handoff queued` event.)

use std::time::{Duration, Instant};

use relais_dialogue::{Input, Stage};
use relais_store::Page;

use super::{Guard, Hub, Turned};
use crate::error::ClientError;

/// Most often the queue is checked for visitors who have gone.
const ABANDON_SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Takes out of the queue, every so often, every widget visitor who has had no socket
/// open for `queue_abandon_after_seconds` (counted from the server's start for those who
/// left before it; on PostgreSQL, on any node, as the nodes' heartbeats note it). A
/// contact on another channel (SMS, WhatsApp, REST) has no socket to leave: they wait
/// until an agent claims them. Each time, also puts back in the queue what disabled
/// agents held (an agent disabled by `relais agent disable`, which does not reach the
/// server, is noticed here).
pub(crate) async fn sweep_abandoned(hub: &Hub) {
    let after = Duration::from_secs(hub.config.queue_abandon_after_seconds);
    let mut every = tokio::time::interval(ABANDON_SWEEP_EVERY.min(after / 2).max(Duration::from_millis(100)));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = abandon_gone_visitors(hub, after).await {
            tracing::warn!("the queue could not be swept: {}", error.message);
        }
        if let Err(error) = requeue_from_disabled_agents(hub).await {
            tracing::warn!("the conversations of disabled agents could not be queued again: {}", error.message);
        }
    }
}

async fn abandon_gone_visitors(hub: &Hub, after: Duration) -> Result<(), ClientError> {
    if hub.clustered() {
        let since = hub.clock.now_ms().saturating_sub(i64::try_from(after.as_millis()).unwrap_or(i64::MAX));
        for id in hub.store.queued_unseen_since(since).await? {
            hub.turn(&id, Input::Abandon, Guard::StillQueued, None).await?;
        }
        return Ok(());
    }
    let Some(deadline) = Instant::now().checked_sub(after) else {
        return Ok(());
    };
    let queued = hub
        .store
        .conversations(Some(Stage::Queued), Page::first(u32::MAX))
        .await?
        .into_iter()
        .filter(|c| c.channel == relais_store::WIDGET)
        .map(|c| c.id)
        .collect();
    for id in hub.rooms.gone_before(queued, deadline, hub.started) {
        hub.turn(&id, Input::Abandon, Guard::StillQueued, None).await?;
        hub.rooms.forget_gone(&id);
    }
    Ok(())
}

/// Puts every conversation a disabled agent still holds back in the queue
/// (`handoff agent_left`, with the agent's name), for another agent to claim: the visitor
/// is not left waiting for someone who can no longer answer. Their abandon clock starts
/// again: a visitor who left while the agent held them has the whole
/// `queue_abandon_after_seconds` to come back. A conversation that fails is logged and
/// left for the next sweep; gives how many were put back.
pub(crate) async fn requeue_from_disabled_agents(hub: &Hub) -> Result<usize, ClientError> {
    let mut requeued = 0;
    for (id, agent_id, agent_name) in hub.store.held_by_disabled_agents().await? {
        let left = Input::AgentLeft { agent_name };
        match hub.turn(&id, left, Guard::StillHeldBy(agent_id), None).await {
            Ok(Turned::Stored(_)) => {
                if hub.clustered() {
                    hub.store.visitors_seen(std::slice::from_ref(&id), hub.clock.now_ms()).await?;
                } else {
                    hub.rooms.gone_from_now(&id);
                }
                requeued += 1;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!("conversation {id} could not be queued again: {}", error.message),
        }
    }
    Ok(requeued)
}
