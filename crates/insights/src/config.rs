//! `[insights]` of relais.toml: when a quiet conversation counts as resolved, how soon a
//! returning visitor counts as a repeat contact, and the costs behind the ROI figures.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The settings of the insights figures (docs/metrics.md says where each one is used).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InsightsConfig {
    /// A conversation the bot answered last, with no negative rating, counts as resolved
    /// once closed or quiet this long (`bot_resolved_assumed`).
    #[serde(with = "duration_text")]
    pub assume_resolved_after: Duration,
    /// A verified visitor who starts another conversation within this time after one
    /// makes that one a repeat contact.
    #[serde(with = "duration_text")]
    pub repeat_window: Duration,
    /// What a contact handled by a person costs, in `currency`.
    pub cost_live_contact: f64,
    /// What a contact handled by self-service costs, in `currency`.
    pub cost_self_service: f64,
    /// The currency of the two costs and of `cost_saved` (a code such as "USD" or "EUR").
    pub currency: String,
    /// The minutes an agent spends on a contact, for `agent_hours_saved`.
    pub agent_handle_minutes: f64,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        Self {
            assume_resolved_after: Duration::from_secs(24 * 3600),
            repeat_window: Duration::from_secs(7 * 24 * 3600),
            cost_live_contact: 8.01,
            cost_self_service: 0.10,
            currency: "USD".into(),
            agent_handle_minutes: 6.0,
        }
    }
}

/// Durations written as people write them: "24h", "7days", "90min".
mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_duration(*duration))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text).map_err(|error| {
            D::Error::custom(format!(
                "{text:?} is not a duration ({error}); write it as \"24h\", \"7days\" or \"90min\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them_and_every_key_has_a_default() {
        let config: InsightsConfig =
            serde_json::from_str(r#"{"assume_resolved_after": "90min", "currency": "EUR"}"#).unwrap();
        assert_eq!(config.assume_resolved_after, Duration::from_secs(5400));
        assert_eq!(config.repeat_window, Duration::from_secs(7 * 86_400));
        assert_eq!(config.currency, "EUR");
        let written = serde_json::to_value(InsightsConfig::default()).unwrap();
        assert_eq!(written["assume_resolved_after"], "1day");
        let back: InsightsConfig = serde_json::from_value(written).unwrap();
        assert_eq!(back, InsightsConfig::default());
        let error = serde_json::from_str::<InsightsConfig>(r#"{"repeat_window": "a week"}"#).unwrap_err();
        assert!(error.to_string().contains("\"7days\""), "{error}");
    }
}
