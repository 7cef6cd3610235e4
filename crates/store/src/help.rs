//! The help centre's "Was this article helpful?" answers, and their count per article;
//! the contact form's visits, and how many were deflected (docs/metrics.md).

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
            "SELECT lang, article_id, CAST(SUM(CASE WHEN helpful THEN 1 ELSE 0 END) AS BIGINT) AS yes, \
             CAST(SUM(CASE WHEN helpful THEN 0 ELSE 1 END) AS BIGINT) AS no FROM help_feedback \
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
        // The latest COMMENTS_KEPT comments of each article, newest first.
        let comments = sqlx::query(
            "SELECT lang, article_id, CAST(helpful AS INTEGER) AS helpful, comment, at FROM ( \
               SELECT lang, article_id, helpful, comment, at, id, \
                 ROW_NUMBER() OVER (PARTITION BY lang, article_id ORDER BY at DESC, id DESC) AS place \
               FROM help_feedback WHERE at >= $1 AND at < $2 AND comment IS NOT NULL) \
             AS latest WHERE place <= $3 ORDER BY at DESC, id DESC",
        )
        .bind(from)
        .bind(to)
        .bind(COMMENTS_KEPT as i64)
        .fetch_all(&self.pool)
        .await?;
        for row in comments {
            let (lang, id): (String, String) = (row.try_get("lang")?, row.try_get("article_id")?);
            if let Some(article) = articles.iter_mut().find(|a| a.lang == lang && a.article_id == id) {
                article.comments.push(HelpComment { helpful: crate::flag(&row, "helpful")?, text: row.try_get("comment")?, at: row.try_get("at")? });
            }
        }
        Ok(articles)
    }
}

/// The contact form's visits in a window (docs/metrics.md, "Help centre deflection").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deflection {
    /// Visits that opened a suggested article in the window.
    pub suggestions_opened: u64,
    /// Of those, the visits that sent no form (by now).
    pub deflected: u64,
    /// Visits that sent the form in the window.
    pub forms_sent: u64,
}

impl Store {
    /// Visit `visit` of the contact form opened suggested article `article_id` at `at`:
    /// the first one opened counts, later ones change nothing.
    pub async fn help_suggestion_opened(&self, visit: &str, lang: &str, article_id: &str, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO help_visits (visit_id, lang, article_id, opened_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (visit_id) DO UPDATE SET article_id = excluded.article_id, opened_at = excluded.opened_at \
             WHERE help_visits.opened_at IS NULL",
        )
        .bind(visit)
        .bind(lang)
        .bind(article_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Visit `visit` of the contact form sent it at `at` (the first sending counts).
    pub async fn help_form_sent(&self, visit: &str, lang: &str, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO help_visits (visit_id, lang, form_sent_at) VALUES ($1, $2, $3) \
             ON CONFLICT (visit_id) DO UPDATE SET form_sent_at = excluded.form_sent_at \
             WHERE help_visits.form_sent_at IS NULL",
        )
        .bind(visit)
        .bind(lang)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The contact form's visits of [`from`, `to`) (ms).
    pub async fn help_deflection(&self, from: i64, to: i64) -> Result<Deflection> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM help_visits WHERE opened_at >= $1 AND opened_at < $2) AS opened, \
               (SELECT COUNT(*) FROM help_visits WHERE opened_at >= $1 AND opened_at < $2 AND form_sent_at IS NULL) AS deflected, \
               (SELECT COUNT(*) FROM help_visits WHERE form_sent_at >= $1 AND form_sent_at < $2) AS sent",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        Ok(Deflection {
            suggestions_opened: to_u64(row.try_get("opened")?, "a count of opened suggestions")?,
            deflected: to_u64(row.try_get("deflected")?, "a count of deflections")?,
            forms_sent: to_u64(row.try_get("sent")?, "a count of sent forms")?,
        })
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

    #[tokio::test]
    async fn a_visit_that_opened_a_suggestion_and_sent_no_form_is_deflected() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db")).await.unwrap();
        store.help_suggestion_opened("a", "en", "refund-timing", 10).await.unwrap();
        store.help_suggestion_opened("a", "en", "return-an-item", 11).await.unwrap();
        store.help_suggestion_opened("b", "en", "refund-timing", 20).await.unwrap();
        store.help_form_sent("b", "en", 30).await.unwrap();
        store.help_form_sent("c", "fr", 40).await.unwrap();
        store.help_form_sent("c", "fr", 41).await.unwrap();
        store.help_suggestion_opened("d", "en", "invoices", 500).await.unwrap();
        let deflection = store.help_deflection(0, 100).await.unwrap();
        assert_eq!(deflection, Deflection { suggestions_opened: 2, deflected: 1, forms_sent: 2 });
        store.close().await;
    }
}
