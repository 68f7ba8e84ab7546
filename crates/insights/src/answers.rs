//! Written answers in the insights: how many were shown, whether they answered, how often the customer
//! went on to support, and the share of answered visits that filed no ticket — the resolution rate the
//! vendors of AI agents advertise — overall, per locale and per topic (the section of the answer's first
//! source).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{EventGroup, EventKind, VisitCounts, share};

/// Visits shown an answer whose first source was `subject`, in `locale`, and how many of them filed a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnsweredVisits {
    pub locale: Option<String>,
    pub subject: String,
    pub visits: u32,
    pub with_ticket: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerCounts {
    pub shown: u32,
    pub helpful: u32,
    pub not_helpful: u32,
    /// Answers after which the customer chose "Contact support".
    pub contacted: u32,
    /// Visits shown at least one answer.
    pub visits: u32,
    pub visits_without_ticket: u32,
    /// `visits_without_ticket / visits`.
    pub resolution_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerGroup {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub counts: AnswerCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerFigures {
    #[serde(flatten)]
    pub overall: AnswerCounts,
    /// Settled questions no article covered well enough to answer; the gaps report lists them.
    pub unsure: u32,
    pub by_locale: Vec<AnswerGroup>,
    pub by_topic: Vec<AnswerGroup>,
}

/// The figures from the report's grouped events, its answered visits per locale and first source, the
/// answered visits overall (a visit counts once however many answers it saw), and each article's topic
/// (`"<locale>/<slug>"` → the section's slug and title).
pub fn answers(
    events: &[EventGroup],
    answered: &[AnsweredVisits],
    overall_visits: VisitCounts,
    topics: &BTreeMap<String, (String, String)>,
) -> AnswerFigures {
    let mut overall = AnswerCounts::default();
    let (mut by_locale, mut by_topic) = (BTreeMap::new(), BTreeMap::new());
    let topic = |locale: &Option<String>, slug: &str| {
        topics
            .get(&format!("{}/{slug}", locale.as_deref().unwrap_or_default()))
            .cloned()
            .unwrap_or_else(|| ("other".to_owned(), "Other".to_owned()))
    };
    let mut add = |locale: &Option<String>, slug: &str, change: &dyn Fn(&mut AnswerCounts)| {
        let language = locale.clone().unwrap_or_default();
        change(&mut by_locale.entry(language.clone()).or_insert_with(|| group(&language, &language)).counts);
        let (key, label) = topic(locale, slug);
        change(&mut by_topic.entry(key.clone()).or_insert_with(|| group(&key, &label)).counts);
    };
    let mut unsure = 0;
    for event in events {
        let (count, positive) = (event.count, event.positive);
        let change: &dyn Fn(&mut AnswerCounts) = match event.kind {
            EventKind::AnswerShown => &move |counts| counts.shown += count,
            EventKind::AnswerFeedback => &move |counts| {
                counts.helpful += positive;
                counts.not_helpful += count - positive;
            },
            EventKind::AnswerContact => &move |counts| counts.contacted += count,
            EventKind::AnswerUnsure => {
                unsure += count;
                continue;
            }
            _ => continue,
        };
        change(&mut overall);
        add(&event.locale, &event.subject, change);
    }
    for row in answered {
        let (visits, without) = (row.visits, row.visits.saturating_sub(row.with_ticket));
        add(&row.locale, &row.subject, &move |counts| {
            counts.visits += visits;
            counts.visits_without_ticket += without;
        });
    }
    overall.visits = overall_visits.visits;
    overall.visits_without_ticket = overall_visits.visits.saturating_sub(overall_visits.with_ticket);
    let finish = |groups: BTreeMap<String, AnswerGroup>| -> Vec<AnswerGroup> {
        let mut groups: Vec<AnswerGroup> = groups.into_values().map(with_rate).collect();
        groups.sort_by(|a, b| b.counts.shown.cmp(&a.counts.shown).then_with(|| a.key.cmp(&b.key)));
        groups
    };
    AnswerFigures { overall: rate(overall), unsure, by_locale: finish(by_locale), by_topic: finish(by_topic) }
}

fn group(key: &str, label: &str) -> AnswerGroup {
    AnswerGroup { key: key.to_owned(), label: label.to_owned(), counts: AnswerCounts::default() }
}

fn rate(counts: AnswerCounts) -> AnswerCounts {
    AnswerCounts { resolution_rate: share(counts.visits_without_ticket, counts.visits), ..counts }
}

fn with_rate(group: AnswerGroup) -> AnswerGroup {
    AnswerGroup { counts: rate(group.counts), ..group }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, locale: &str, slug: &str, count: u32, positive: u32) -> EventGroup {
        EventGroup { kind, locale: Some(locale.into()), subject: slug.into(), count, positive }
    }

    fn visits(locale: &str, slug: &str, visits: u32, with_ticket: u32) -> AnsweredVisits {
        AnsweredVisits { locale: Some(locale.into()), subject: slug.into(), visits, with_ticket }
    }

    #[test]
    fn answers_are_counted_per_locale_and_topic_with_the_resolution_rate() {
        let topics = BTreeMap::from([
            ("en/reset-password".to_owned(), ("account".to_owned(), "Account and security".to_owned())),
            ("ru/reset-password".to_owned(), ("account".to_owned(), "Аккаунт".to_owned())),
            ("en/refunds".to_owned(), ("billing".to_owned(), "Billing and plans".to_owned())),
        ]);
        let events = [
            event(EventKind::AnswerShown, "en", "reset-password", 6, 6),
            event(EventKind::AnswerShown, "ru", "reset-password", 2, 2),
            event(EventKind::AnswerShown, "en", "refunds", 2, 2),
            event(EventKind::AnswerFeedback, "en", "reset-password", 4, 3),
            event(EventKind::AnswerContact, "en", "refunds", 1, 1),
            event(EventKind::AnswerUnsure, "en", "my dog ate the invoice", 3, 0),
            event(EventKind::Search, "en", "reset password", 9, 9),
        ];
        let answered =
            [visits("en", "reset-password", 5, 1), visits("ru", "reset-password", 2, 0), visits("en", "refunds", 2, 2)];
        let figures = answers(&events, &answered, VisitCounts { visits: 8, with_ticket: 3 }, &topics);
        let overall = &figures.overall;
        assert_eq!((overall.shown, overall.helpful, overall.not_helpful, overall.contacted), (10, 3, 1, 1));
        assert_eq!((overall.visits, overall.visits_without_ticket), (8, 5));
        assert!((overall.resolution_rate - 5.0 / 8.0).abs() < 1e-12);
        assert_eq!(figures.unsure, 3);

        let account = &figures.by_topic[0];
        assert_eq!((account.key.as_str(), account.label.as_str()), ("account", "Account and security"));
        assert_eq!((account.counts.shown, account.counts.visits, account.counts.visits_without_ticket), (8, 7, 6));
        let billing = &figures.by_topic[1];
        assert_eq!(
            (billing.key.as_str(), billing.counts.contacted, billing.counts.resolution_rate),
            ("billing", 1, 0.0)
        );
        let locales: Vec<(&str, u32)> =
            figures.by_locale.iter().map(|group| (group.key.as_str(), group.counts.shown)).collect();
        assert_eq!(locales, [("en", 8), ("ru", 2)]);
    }
}
