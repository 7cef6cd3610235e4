//! Agents (argon2-hashed passwords, see `passwords`) and their login sessions (random
//! tokens, stored only as SHA-256 hashes, with an expiry). A disabled agent keeps their
//! record (their name stays on past conversations) but has no session and cannot log in.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Error, Result, Store};

/// What an agent may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Agent,
    Admin,
}

impl Role {
    /// The name stored and shown (`agent`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "agent" => Ok(Role::Agent),
            "admin" => Ok(Role::Admin),
            other => Err(Error::UnknownRole(other.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A human agent who works escalated conversations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: i64,
    /// Lower-cased, unique.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Given the reviewer role: works the review inbox as admins do (docs/review.md).
    pub reviewer: bool,
    pub created_at: i64,
    /// When the agent was disabled (ms since the epoch), if they are.
    pub disabled_at: Option<i64>,
}

/// What [`Store::add_agent`] needs.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub reviewer: bool,
    pub password: String,
}

/// Random bytes in a session token.
const TOKEN_BYTES: usize = 32;

impl Agent {
    fn from_row(row: &crate::DbRow) -> Result<Self> {
        let role: String = row.try_get("role")?;
        Ok(Agent {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: role
                .parse()
                .map_err(|_| Error::corrupt("agents.role", role))?,
            reviewer: crate::flag(row, "reviewer")?,
            created_at: row.try_get("created_at")?,
            disabled_at: row.try_get("disabled_at")?,
        })
    }

    /// May work the review inbox: an admin, or an agent given the reviewer role.
    pub fn reviews(&self) -> bool {
        self.role == Role::Admin || self.reviewer
    }
}

const AGENT_COLUMNS: &str = "id, email, name, role, CAST(reviewer AS INTEGER) AS reviewer, created_at, disabled_at";

impl Store {
    /// Adds an agent, hashing the password with argon2id. The email is trimmed and
    /// lower-cased; an email already used gives [`Error::DuplicateEmail`].
    pub async fn add_agent(&self, agent: NewAgent, now: i64) -> Result<Agent> {
        let email = normalise_email(&agent.email);
        let hash = self.passwords.hash(agent.password).await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO agents (email, name, role, reviewer, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {AGENT_COLUMNS}"
        ));
        let row = sqlx::query(sql)
        .bind(&email)
        .bind(&agent.name)
        .bind(agent.role.as_str())
        .bind(agent.reviewer)
        .bind(hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::DuplicateEmail(email.clone())
            }
            _ => Error::Database(e),
        })?;
        Agent::from_row(&row)
    }

    /// The agent with this email if `password` is theirs; `None` for an unknown email,
    /// a disabled agent or a wrong password, each after the same work (the caller
    /// should not say which).
    pub async fn verify_password(&self, email: &str, password: &str) -> Result<Option<Agent>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS}, password_hash FROM agents WHERE email = $1 AND disabled_at IS NULL"
        ));
        let row = sqlx::query(sql)
            .bind(normalise_email(email))
            .fetch_optional(&self.pool)
            .await?;
        let hash = row
            .as_ref()
            .map(|row| row.try_get::<String, _>("password_hash"))
            .transpose()?;
        let matches = self.passwords.check(password.to_owned(), hash).await?;
        match row {
            Some(row) if matches => Agent::from_row(&row).map(Some),
            _ => Ok(None),
        }
    }

    /// Every agent, disabled ones included, by email.
    pub async fn agents(&self) -> Result<Vec<Agent>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY email"));
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(Agent::from_row).collect()
    }

    /// Gives the agent with this email the reviewer role, or takes it away.
    pub async fn set_reviewer(&self, email: &str, reviewer: bool) -> Result<Agent> {
        let email = normalise_email(email);
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE agents SET reviewer = $2 WHERE email = $1 RETURNING {AGENT_COLUMNS}"
        ));
        let row = sqlx::query(sql)
            .bind(&email)
            .bind(reviewer)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::AgentNotFound(email))?;
        Agent::from_row(&row)
    }

    /// Disables the agent with this email at `now` and ends every session of theirs;
    /// they can no longer log in. Disabling them again changes nothing. Written under the
    /// store's write lock, as claims are: a claim either comes before (and the requeue
    /// that follows a disable sees it) or after (and is refused).
    pub async fn disable_agent(&self, email: &str, now: i64) -> Result<Agent> {
        let email = normalise_email(email);
        let mut tx = self.begin_write().await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE agents SET disabled_at = COALESCE(disabled_at, $2) WHERE email = $1 RETURNING {AGENT_COLUMNS}"
        ));
        let row = sqlx::query(sql)
            .bind(&email)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::AgentNotFound(email.clone()))?;
        let agent = Agent::from_row(&row)?;
        sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
            .bind(agent.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(agent)
    }

    /// The conversations a disabled agent still holds, oldest first, each with that
    /// agent's id and name: they are to go back to the queue.
    pub async fn held_by_disabled_agents(&self) -> Result<Vec<(String, i64, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, a.id AS agent_id, a.name FROM conversations c JOIN agents a ON a.id = c.holder_agent_id \
             WHERE c.state = $1 AND a.disabled_at IS NOT NULL ORDER BY c.queued_at, c.id",
        )
        .bind(relais_dialogue::Stage::Agent.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("agent_id")?, row.try_get("name")?)))
            .collect()
    }

    /// Removes the agent with this email and their sessions; false if there is none. An
    /// agent who holds a conversation, labelled or flagged a turn is kept
    /// ([`Error::AgentInUse`]).
    pub async fn remove_agent(&self, email: &str) -> Result<bool> {
        let email = normalise_email(email);
        let mut tx = self.begin_write().await?;
        let Some(id): Option<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let (held, labelled, flagged): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM conversations WHERE holder_agent_id = $1), \
             (SELECT count(*) FROM review_labels WHERE agent_id = $1), \
             (SELECT count(*) FROM review_flags WHERE agent_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if held > 0 || labelled > 0 || flagged > 0 {
            let why = format!(
                "they hold {held} conversation(s), labelled {labelled} turn(s) and flagged {flagged}"
            );
            return Err(Error::AgentInUse { email, why });
        }
        sqlx::query("DELETE FROM sessions WHERE agent_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM agents WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Starts a login session for `agent_id` valid for `ttl` from `now` (ms since the
    /// epoch) and returns its token; only the token's SHA-256 is stored.
    pub async fn create_session(&self, agent_id: i64, ttl: Duration, now: i64) -> Result<String> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(Error::Random)?;
        let token = to_hex(&bytes);
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(agent_id)
        .bind(now)
        .bind(now.saturating_add(ttl_ms))
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The agent whose session `token` is still valid at `now`, or `None`.
    pub async fn agent_for_token(&self, token: &str, now: i64) -> Result<Option<Agent>> {
        let row = sqlx::query(
            "SELECT a.id, a.email, a.name, a.role, CAST(a.reviewer AS INTEGER) AS reviewer, a.created_at, a.disabled_at FROM sessions s \
             JOIN agents a ON a.id = s.agent_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Agent::from_row).transpose()
    }

    /// Ends the session `token` (logout); unknown tokens are ignored.
    pub async fn revoke_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
