//! What the nodes of one PostgreSQL store tell each other, and the named locks that keep
//! one conversation's turns (or one contact's inbound messages) one at a time across them. On SQLite (one node) there is no one
//! to tell: [`Store::listen`] gives nothing and announcing is free.
//!
//! A node announces with NOTIFY, inside the transaction that stores what it announces,
//! so listeners hear only of what was committed. A notification carries ids and seqs,
//! never events (payloads are capped at 8000 bytes and never replayed): a listener reads
//! the events from the table. Notifications sent while a listener's connection was down
//! are lost, so [`Listener::next`] says [`Signal::Lost`] and the node catches up from
//! the table.

use sqlx::postgres::PgListener;

use crate::{Backend, Db, Error, Result, Store, StoredEvent};

/// The pools of the named locks (PostgreSQL), apart from the store's pool: a holder
/// still gets connections to do its work, however many others wait for the lock.
pub(crate) struct LockPools {
    pub(crate) turns: sqlx::Pool<Db>,
    pub(crate) contacts: sqlx::Pool<Db>,
}

/// The kinds of named locks, each a key space of its own (the first key of PostgreSQL's
/// two-key advisory locks): a contact's holder takes a turn, which must never be the
/// same lock.
const TURNS: i32 = 1;
const CONTACTS: i32 = 2;

/// Takes the advisory lock `name` of `kind` on a connection of `pool`, waiting while
/// another session holds it. Two names of a kind may share a lock (a 32-bit hash names
/// them): that only makes one wait. The guard exists before the wait does: a wait given
/// up (its future dropped) closes the connection, so a lock granted late dies with it.
async fn lock(pool: &sqlx::Pool<Db>, kind: i32, name: &str) -> Result<NodeLock> {
    let mut held = NodeLock { connection: Some(pool.acquire().await?), kind, name: name.to_owned() };
    if let Some(connection) = held.connection.as_mut() {
        sqlx::query("SELECT pg_advisory_lock($1, hashtext($2))")
            .bind(kind)
            .bind(name)
            .execute(&mut **connection)
            .await?;
    }
    Ok(held)
}

/// Stored events of a conversation: `{node} {first} {last} {conversation id}`.
const EVENTS: &str = "relais_events";
/// Someone is typing: `{node} {from} {last seq} {conversation id}`.
const TYPING: &str = "relais_typing";
/// A node's agents changed (availability, the queue): `{node}`.
const AGENTS: &str = "relais_agents";
/// What became of an outbound message: `{node} {seq} {conversation id}`.
const DELIVERIES: &str = "relais_deliveries";
/// A node's ping to itself, proof its listening connection is alive: `{node}`.
const PING: &str = "relais_ping";

/// How long a node's row stays in the presence table after its last heartbeat.
const GONE_FOR_GOOD_MS: i64 = 24 * 3_600_000;

/// What another node said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A node (this one too) stored the events `first..=last` of a conversation.
    Appended { conversation_id: String, first: u64, last: u64 },
    /// Someone is typing in a conversation (agent or visitor, as `from`).
    Typing { conversation_id: String, from: String, last_seq: u64 },
    /// Its agents' availability changed.
    Agents,
    /// An outbound message of a conversation (its event's seq) was sent, delivered or failed.
    Delivery { conversation_id: String, seq: u64 },
    /// This node's own ping came back ([`Store::ping`]): its listening connection works.
    Alive,
    /// The listening connection was lost and is back: what was said meanwhile is not
    /// known; read it from the store.
    Lost,
}

/// A node's ear on the others.
pub struct Listener {
    listener: PgListener,
    node: u64,
}

impl Listener {
    /// The next thing a node said (this node's own are skipped, but for its appends);
    /// reconnects after [`Signal::Lost`] on the next call, and fails only if it cannot.
    pub async fn next(&mut self) -> Result<Signal> {
        loop {
            let Some(notification) = self.listener.try_recv().await? else {
                return Ok(Signal::Lost);
            };
            if let Some(signal) = parse(notification.channel(), notification.payload(), self.node) {
                return Ok(signal);
            }
        }
    }
}

/// The signal in a notification, unless it is not one of ours or the `own` node sent it
/// (but for appends: a node publishes its own events from their notices too, in the
/// order PostgreSQL delivers them, which is the order of the commits).
fn parse(channel: &str, payload: &str, own: u64) -> Option<Signal> {
    let mut fields = payload.splitn(4, ' ');
    let node: u64 = fields.next()?.parse().ok()?;
    if channel == PING {
        return (node == own).then_some(Signal::Alive);
    }
    if node == own && channel != EVENTS {
        return None;
    }
    match channel {
        EVENTS => {
            let first = fields.next()?.parse().ok()?;
            let last = fields.next()?.parse().ok()?;
            Some(Signal::Appended { conversation_id: fields.next()?.to_owned(), first, last })
        }
        TYPING => {
            let from = fields.next()?.to_owned();
            let last_seq = fields.next()?.parse().ok()?;
            Some(Signal::Typing { conversation_id: fields.next()?.to_owned(), from, last_seq })
        }
        AGENTS => Some(Signal::Agents),
        DELIVERIES => {
            let seq = fields.next()?.parse().ok()?;
            Some(Signal::Delivery { conversation_id: fields.next()?.to_owned(), seq })
        }
        _ => None,
    }
}

/// A named lock held on every node: the PostgreSQL session that holds it ends if the
/// node dies, which frees it. Give it back with [`NodeLock::release`].
pub struct NodeLock {
    connection: Option<sqlx::pool::PoolConnection<Db>>,
    kind: i32,
    name: String,
}

impl NodeLock {
    /// Frees the lock. A lock dropped without this, or whose unlock fails, closes its
    /// connection, which frees it too.
    pub async fn release(mut self) -> Result<()> {
        if let Some(mut connection) = self.connection.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
                .bind(self.kind)
                .bind(&self.name)
                .execute(&mut *connection)
                .await;
            if unlocked.is_err() {
                connection.close_on_drop();
            }
            unlocked?;
        }
        Ok(())
    }
}

impl Drop for NodeLock {
    fn drop(&mut self) {
        if let Some(mut connection) = self.connection.take() {
            connection.close_on_drop();
        }
    }
}

impl Store {
    /// Starts listening to the other nodes, or `None` on SQLite, where there are none.
    pub async fn listen(&self) -> Result<Option<Listener>> {
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let mut listener = PgListener::connect(url).await?;
        listener.listen_all([EVENTS, TYPING, AGENTS, DELIVERIES, PING]).await?;
        Ok(Some(Listener { listener, node: self.node }))
    }

    /// Takes conversation `id`'s turn on every node, waiting while another node runs one;
    /// `None` on SQLite, where the node's own lock is enough.
    pub async fn turn_lock(&self, id: &str) -> Result<Option<NodeLock>> {
        match &self.locks {
            Some(locks) => lock(&locks.turns, TURNS, id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Takes the contact at `address` on `channel` on every node (one inbound message of
    /// theirs at a time), waiting while another node holds them; `None` on SQLite. A
    /// contact's holder takes a turn lock too: the two come from two pools, so holders
    /// of one never wait for the connections of the other.
    pub async fn contact_lock(&self, channel: &str, address: &str) -> Result<Option<NodeLock>> {
        match &self.locks {
            Some(locks) => lock(&locks.contacts, CONTACTS, &format!("{channel}:{address}")).await.map(Some),
            None => Ok(None),
        }
    }

    /// Records this node's heartbeat at `now` (ms) with its count of available agents,
    /// and gives the count of the other nodes whose heartbeat is later than `since`.
    pub async fn heartbeat(&self, available: u64, now: i64, since: i64) -> Result<u64> {
        let node = self.node.to_string();
        let available = i64::try_from(available).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO node_presence (node, available, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (node) DO UPDATE SET available = excluded.available, seen_at = excluded.seen_at",
        )
        .bind(&node)
        .bind(available)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Nodes gone for long are forgotten.
        sqlx::query("DELETE FROM node_presence WHERE seen_at < $1")
            .bind(since.saturating_sub(GONE_FOR_GOOD_MS))
            .execute(&mut *tx)
            .await?;
        let elsewhere: i64 = sqlx::query_scalar(
            "SELECT CAST(coalesce(sum(available), 0) AS BIGINT) FROM node_presence WHERE node <> $1 AND seen_at > $2",
        )
        .bind(&node)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        crate::to_u64(elsewhere, "node_presence.available")
    }

    /// Notes that a visitor socket of each conversation `ids` was open at `now` (ms) on
    /// this node (those still queued).
    pub async fn visitors_seen(&self, ids: &[String], now: i64) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query("UPDATE conversations SET visitor_seen_at = $1 WHERE id = $2 AND state = 'queued'")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The queued widget conversations whose visitor no node has seen since `since` (ms),
    /// counting from when they were queued.
    pub async fn queued_unseen_since(&self, since: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM conversations WHERE state = 'queued' AND channel = 'widget' \
             AND CASE WHEN visitor_seen_at > queued_at THEN visitor_seen_at ELSE coalesce(queued_at, 0) END < $1 \
             ORDER BY queued_at",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Takes this node out of the presence table (at shutdown: its agents are gone at once).
    pub async fn leave(&self) -> Result<()> {
        sqlx::query("DELETE FROM node_presence WHERE node = $1")
            .bind(self.node.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Tells the other nodes someone is typing in conversation `id`.
    pub async fn announce_typing(&self, id: &str, from: &str, last_seq: u64) -> Result<()> {
        self.notify(TYPING, &format!("{} {from} {last_seq} {id}", self.node)).await
    }

    /// Tells the other nodes what became of the outbound message of event `seq` of
    /// conversation `id`.
    pub async fn announce_delivery(&self, id: &str, seq: u64) -> Result<()> {
        self.notify(DELIVERIES, &format!("{} {seq} {id}", self.node)).await
    }

    /// Sends this node a ping through the database, which its listener hears as
    /// [`Signal::Alive`]: a listener that hears nothing for long is on a dead connection
    /// (a half-open TCP connection says nothing by itself).
    pub async fn ping(&self) -> Result<()> {
        self.notify(PING, &self.node.to_string()).await
    }

    /// Tells the other nodes this node's agents changed.
    pub async fn announce_agents(&self) -> Result<()> {
        self.notify(AGENTS, &self.node.to_string()).await
    }

    async fn notify(&self, channel: &str, payload: &str) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Tells the other nodes, at commit of `tx`, of the events just stored in it.
    pub(crate) async fn announce_appended(
        &self,
        tx: &mut sqlx::Transaction<'static, Db>,
        id: &str,
        stored: &[StoredEvent],
    ) -> Result<()> {
        if let (Backend::Postgres, Some(first), Some(last)) = (self.backend, stored.first(), stored.last()) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(EVENTS)
                .bind(format!("{} {} {} {id}", self.node, first.seq, last.seq))
                .execute(&mut **tx)
                .await
                .map_err(Error::from)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_skips_its_own_notifications_but_appends_and_reads_the_others() {
        assert_eq!(parse(EVENTS, "7 3 4 c 1", 7), Some(Signal::Appended { conversation_id: "c 1".into(), first: 3, last: 4 }));
        assert_eq!(parse(TYPING, "7 agent 4 c", 7), None);
        assert_eq!(
            parse(EVENTS, "8 3 4 c 1", 7),
            Some(Signal::Appended { conversation_id: "c 1".into(), first: 3, last: 4 })
        );
        assert_eq!(
            parse(TYPING, "8 agent 4 c", 7),
            Some(Signal::Typing { conversation_id: "c".into(), from: "agent".into(), last_seq: 4 })
        );
        assert_eq!(parse(AGENTS, "8", 7), Some(Signal::Agents));
        assert_eq!(parse(DELIVERIES, "8 5 c", 7), Some(Signal::Delivery { conversation_id: "c".into(), seq: 5 }));
        assert_eq!(parse(EVENTS, "garbage", 7), None);
        assert_eq!(parse(PING, "7", 7), Some(Signal::Alive));
        assert_eq!(parse(PING, "8", 7), None);
    }
}
