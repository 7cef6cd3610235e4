//! Brightwood's actions: what a business writes. Each takes the payload Relais sent and
//! returns a status and a JSON reply; texts follow the payload's `lang` (English or
//! French).

use serde_json::{Value, json};

/// An HTTP status and JSON body.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self { status: 200, body }
    }

    pub fn error(status: u16, message: &str) -> Self {
        Self {
            status,
            body: json!({"error": message}),
        }
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self { year, month, day }
    }

    /// A date written `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        let date = Self { year, month, day };
        let valid = parts.next().is_none()
            && (1..=12).contains(&month)
            && (1..=date.end_of_month().day).contains(&day);
        valid.then_some(date)
    }

    fn end_of_month(self) -> Self {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let day = match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        Self { day, ..self }
    }

    fn format(self, lang: Lang) -> String {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        let names = if lang == Lang::Fr { FR } else { EN };
        format!(
            "{} {} {}",
            self.day,
            names[self.month as usize - 1],
            self.year
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Fr,
}

/// Routes `path` to its action.
pub fn handle(path: &str, payload: &Value, today: Date) -> Reply {
    let lang = match payload["lang"].as_str() {
        Some(lang) if lang.starts_with("fr") => Lang::Fr,
        _ => Lang::En,
    };
    let slot = |name| payload["slots"][name].as_str().map(str::trim);
    let action = path.split('?').next().unwrap_or_default();
    let missing = |name: &str| Reply::error(400, &format!("slots.{name} is missing"));
    match action {
        "/actions/order_status" => match slot("order_number") {
            Some(number) => order_status(&number.to_uppercase(), lang),
            None => missing("order_number"),
        },
        "/actions/reset_password" => match slot("email") {
            Some(email) => Reply::ok(json!({"slots": {"email": email}})),
            None => missing("email"),
        },
        "/actions/cancel_subscription" => match slot("email") {
            Some(_) => {
                let end_date = today.end_of_month().format(lang);
                Reply::ok(json!({"slots": {"end_date": end_date}}))
            }
            None => missing("email"),
        },
        _ => Reply::error(404, &format!("no action at {action}")),
    }
}

/// Demo orders: BW-482913 has shipped, BW-100200 is being prepared, BW-999999 breaks
/// the order database (HTTP 500, to exercise action failure); any other is unknown.
fn order_status(number: &str, lang: Lang) -> Reply {
    let fr = lang == Lang::Fr;
    match number {
        "BW-482913" => {
            let (status, eta) = if fr {
                ("expédiée", "jeudi")
            } else {
                ("shipped", "Thursday")
            };
            let text = if fr {
                format!("La commande {number} a été expédiée ; elle devrait arriver {eta}.")
            } else {
                format!("Order {number} has shipped and should arrive on {eta}.")
            };
            Reply::ok(json!({"text": text, "slots": {"status": status, "eta": eta}}))
        }
        "BW-100200" => {
            let status = if fr {
                "en préparation"
            } else {
                "being prepared"
            };
            let text = if fr {
                format!("La commande {number} est en préparation ; elle partira sous deux jours.")
            } else {
                format!("Order {number} is being prepared and will ship within two days.")
            };
            Reply::ok(json!({"text": text, "slots": {"status": status}}))
        }
        "BW-999999" => Reply::error(500, "the order database is unavailable"),
        _ => {
            let text = if fr {
                format!("Je ne trouve pas la commande {number} ; pouvez-vous vérifier le numéro ?")
            } else {
                format!("I couldn't find order {number}; please check the number.")
            };
            Reply::ok(json!({"text": text, "handoff": false}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 2,
        day: 10,
    };

    fn order(number: &str, lang: &str) -> Reply {
        let payload = json!({"lang": lang, "slots": {"order_number": number}});
        handle("/actions/order_status", &payload, TODAY)
    }

    #[test]
    fn known_unknown_and_broken_orders() {
        assert_eq!(
            order("bw-482913 ", "en").body,
            json!({"text": "Order BW-482913 has shipped and should arrive on Thursday.",
                "slots": {"status": "shipped", "eta": "Thursday"}})
        );
        assert_eq!(
            order("BW-100200", "fr").body["slots"]["status"],
            "en préparation"
        );
        assert_eq!(
            order("BW-1", "fr").body,
            json!({"text": "Je ne trouve pas la commande BW-1 ; pouvez-vous vérifier le numéro ?",
                "handoff": false})
        );
        assert_eq!(order("BW-999999", "en").status, 500);
    }

    #[test]
    fn subscriptions_end_with_the_month_in_the_visitor_language() {
        let payload = json!({"lang": "fr", "slots": {"email": "ada@example.com"}});
        let reply = handle("/actions/cancel_subscription", &payload, TODAY);
        assert_eq!(
            reply,
            Reply::ok(json!({"slots": {"end_date": "28 février 2026"}}))
        );
    }

    #[test]
    fn missing_slots_and_unknown_actions_are_client_errors() {
        let reply = handle("/actions/reset_password", &json!({"slots": {}}), TODAY);
        assert_eq!(reply, Reply::error(400, "slots.email is missing"));
        assert_eq!(handle("/actions/refund", &json!({}), TODAY).status, 404);
    }

    #[test]
    fn dates_are_read_as_year_month_day() {
        let date = |year, month, day| Date { year, month, day };
        assert_eq!(Date::parse("2026-11-15"), Some(date(2026, 11, 15)));
        assert_eq!(Date::parse("2024-02-29"), Some(date(2024, 2, 29)));
        for bad in ["2026-02-29", "2026-13-01", "2026-11", "2026-11-15-1", "today", ""] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_dates_from_days() {
        let date = |days| Date::from_days_since_epoch(days);
        assert_eq!(
            date(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            date(20_508),
            Date {
                year: 2026,
                month: 2,
                day: 24
            }
        );
        assert_eq!(
            date(11_016),
            Date {
                year: 2000,
                month: 2,
                day: 29
            }
        );
        assert_eq!(date(11_016).end_of_month().day, 29);
    }
}
