//! Agents (argon2-hashed passwords) and their login sessions (random tokens, stored
//! only as SHA-256 hashes, with an expiry).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

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
    pub created_at: i64,
}

/// What [`Store::add_agent`] needs.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// Random bytes in a session token.
const TOKEN_BYTES: usize = 32;

impl Agent {
    fn from_row(row: &SqliteRow) -> Result<Self> {
        let role: String = row.try_get("role")?;
        Ok(Agent {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: role
                .parse()
                .map_err(|_| Error::corrupt("agents.role", role))?,
            created_at: row.try_get("created_at")?,
        })
    }
}

impl Store {
    /// Adds an agent, hashing the password with argon2id. The email is trimmed and
    /// lower-cased; an email already used gives [`Error::DuplicateEmail`].
    pub async fn add_agent(&self, agent: NewAgent, now: i64) -> Result<Agent> {
        let email = normalise_email(&agent.email);
        let hash = hash_password(agent.password).await?;
        let row = sqlx::query(
            "INSERT INTO agents (email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id, email, name, role, created_at",
        )
        .bind(&email)
        .bind(&agent.name)
        .bind(agent.role.as_str())
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

    /// The agent with this email if `password` is theirs; `None` for an unknown email
    /// or a wrong password (the caller should not say which).
    pub async fn verify_password(&self, email: &str, password: &str) -> Result<Option<Agent>> {
        let row = sqlx::query(
            "SELECT id, email, name, role, created_at, password_hash FROM agents WHERE email = $1",
        )
        .bind(normalise_email(email))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let hash: String = row.try_get("password_hash")?;
        if check_password(password.to_owned(), hash).await? {
            Agent::from_row(&row).map(Some)
        } else {
            Ok(None)
        }
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
            "SELECT a.id, a.email, a.name, a.role, a.created_at FROM sessions s \
             JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = $1 AND s.expires_at > $2",
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

/// Hashes on a blocking thread: argon2 takes tens of milliseconds on purpose.
async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| Error::PasswordHash(e.to_string()))
    })
    .await
    .map_err(|e| Error::PasswordHash(e.to_string()))?
}

async fn check_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|e| Error::corrupt("agents.password_hash", e))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| Error::PasswordHash(e.to_string()))?
}
