//! The help centre's "Was this article helpful?" answers, and their count per article.

use sqlx::Row;

use crate::{Result, Store, to_u64};

/// One answer of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpFeedback {
    pub lang: String,
    pub article_id: String,
    pub helpful: bool,
    /// Trimmed; `None` when left empty.
    pub comment: Option<String>,
    /// ms since the epoch.
    pub at: i64,
}

/// The answers about one article in a window of time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HelpArticleFeedback {
    pub lang: String,
    pub article_id: String,
    pub helpful: u64,
    pub not_helpful: u64,
    /// The latest comments first, at most [`COMMENTS_KEPT`].
    pub comments: Vec<HelpComment>,
}

/// A comment left with an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HelpComment {
    pub helpful: bool,
    pub text: String,
    pub at: i64,
}

/// Most comments listed per article.
pub const COMMENTS_KEPT: usize = 20;

impl Store {
    /// Stores one answer.
    pub async fn add_help_feedback(&self, feedback: &HelpFeedback) -> Result<()> {
        sqlx::query("INSERT INTO help_feedback (lang, article_id, helpful, comment, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&feedback.lang)
            .bind(&feedback.article_id)
            .bind(feedback.helpful)
            .bind(&feedback.comment)
            .bind(feedback.at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Per article answered in [`from`, `to`) (ms), the most answers first.
    pub async fn help_feedback(&self, from: i64, to: i64) -> Result<Vec<HelpArticleFeedback>> {
        let rows = sqlx::query(
            "SELECT lang, article_id, SUM(helpful) AS yes, COUNT(*) - SUM(helpful) AS no FROM help_feedback \
             WHERE at >= $1 AND at < $2 GROUP BY lang, article_id ORDER BY COUNT(*) DESC, lang, article_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut articles = Vec::with_capacity(rows.len());
        for row in rows {
            articles.push(HelpArticleFeedback {
                lang: row.try_get("lang")?,
                article_id: row.try_get("article_id")?,
                helpful: to_u64(row.try_get("yes")?, "a helpful count")?,
                not_helpful: to_u64(row.try_get("no")?, "a not-helpful count")?,
                comments: Vec::new(),
            });
        }
        let comments = sqlx::query(
            "SELECT lang, article_id, helpful, comment, at FROM help_feedback \
             WHERE at >= $1 AND at < $2 AND comment IS NOT NULL ORDER BY at DESC, id DESC",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        for row in comments {
            let (lang, id): (String, String) = (row.try_get("lang")?, row.try_get("article_id")?);
            if let Some(article) = articles.iter_mut().find(|a| a.lang == lang && a.article_id == id)
                && article.comments.len() < COMMENTS_KEPT
            {
                article.comments.push(HelpComment { helpful: row.try_get("helpful")?, text: row.try_get("comment")?, at: row.try_get("at")? });
            }
        }
        Ok(articles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_are_counted_per_article_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db")).await.unwrap();
        let answer = |id: &str, helpful: bool, comment: Option<&str>, at: i64| HelpFeedback {
            lang: "en".into(),
            article_id: id.into(),
            helpful,
            comment: comment.map(str::to_owned),
            at,
        };
        for feedback in [
            answer("return", true, None, 10),
            answer("return", false, Some("no word on sofas"), 20),
            answer("return", false, None, 30),
            answer("track", true, Some("clear"), 40),
            answer("track", true, None, 500),
        ] {
            store.add_help_feedback(&feedback).await.unwrap();
        }
        let rows = store.help_feedback(0, 100).await.unwrap();
        let shape: Vec<(&str, u64, u64, usize)> = rows.iter().map(|r| (r.article_id.as_str(), r.helpful, r.not_helpful, r.comments.len())).collect();
        assert_eq!(shape, [("return", 1, 2, 1), ("track", 1, 0, 1)]);
        assert_eq!(rows[0].comments[0].text, "no word on sofas");
        assert!(!rows[0].comments[0].helpful);
        store.close().await;
    }
}
