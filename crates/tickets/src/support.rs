//! How a support team works: its topics, its hours, its holidays and the reply times it promises per
//! urgency. From these, every ticket gets an honest `expected_reply_at`: a reply due in 24 business hours
//! on a Friday evening is due on Tuesday, not on Saturday.
//!
//! The team's time zone is resolved at build time into the list of its UTC offsets (with the daylight
//! saving changes of the coming years), so the worker needs no time-zone database.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Timelike};
use edgedesk_protocol::api::Urgency;
use serde::{Deserialize, Serialize};

/// Seconds in a day.
const DAY: i64 = 86_400;
/// Business hours are searched this far ahead before giving up on a schedule with no open days.
const MAX_DAYS_AHEAD: i64 = 400;

/// Whether a reply target counts only open hours or every hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    Business,
    Always,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub hours: u32,
    pub clock: Clock,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub id: String,
    /// The topic's name per locale.
    pub title: BTreeMap<String, String>,
    /// A complaint gets an apology in the acknowledgement.
    #[serde(default)]
    pub complaint: bool,
}

impl Topic {
    /// The topic's name in `locale`, else in English, else its id.
    pub fn title_in(&self, locale: &str) -> &str {
        self.title.get(locale).or_else(|| self.title.get("en")).unwrap_or(&self.id)
    }
}

/// The support team as the worker needs it: compiled from `[support]` in `edgedesk.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Support {
    /// The IANA name, for people (`Europe/Berlin`).
    pub time_zone: String,
    /// `(from, offset)`: from Unix second `from` on, local time is UTC + `offset` seconds. Sorted.
    pub offsets: Vec<(i64, i32)>,
    /// Open hours per weekday (0 = Monday) as minutes after local midnight: `[start, end)`.
    pub hours: [Option<(u32, u32)>; 7],
    pub holidays: Vec<NaiveDate>,
    pub targets: BTreeMap<Urgency, Target>,
    pub topics: Vec<Topic>,
    /// The optional form parts this site shows: `topic`, `urgency`, `steps_tried`, `attachments`.
    #[serde(default = "all_optional_fields")]
    pub fields: Vec<String>,
    /// Label overrides per locale, then per field.
    #[serde(default)]
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
}

/// The optional parts of the contact form, in form order.
pub const OPTIONAL_FIELDS: [&str; 4] = ["topic", "urgency", "steps_tried", "attachments"];
/// Fields whose labels a site may change.
pub const LABELLED_FIELDS: [&str; 8] =
    ["name", "email", "topic", "urgency", "subject", "message", "steps_tried", "attachments"];

fn all_optional_fields() -> Vec<String> {
    OPTIONAL_FIELDS.iter().map(|field| field.to_string()).collect()
}

impl Default for Support {
    /// Monday to Friday, 09:00–17:00 UTC; a first reply within 48, 24, 8 business hours or 4 hours.
    fn default() -> Self {
        let weekday = Some((9 * 60, 17 * 60));
        Self {
            time_zone: "UTC".into(),
            offsets: Vec::new(),
            hours: [weekday, weekday, weekday, weekday, weekday, None, None],
            holidays: Vec::new(),
            targets: [
                (Urgency::Low, Target { hours: 48, clock: Clock::Business }),
                (Urgency::Normal, Target { hours: 24, clock: Clock::Business }),
                (Urgency::High, Target { hours: 8, clock: Clock::Business }),
                (Urgency::Critical, Target { hours: 4, clock: Clock::Always }),
            ]
            .into_iter()
            .collect(),
            topics: vec![Topic {
                id: "question".into(),
                title: [("en".to_owned(), "A question".to_owned())].into_iter().collect(),
                complaint: false,
            }],
            fields: all_optional_fields(),
            labels: BTreeMap::new(),
        }
    }
}

impl Support {
    /// The local offset from UTC, in seconds, at Unix second `at`.
    pub fn offset_at(&self, at: i64) -> i32 {
        let after = self.offsets.partition_point(|&(from, _)| from <= at);
        after
            .checked_sub(1)
            .map_or_else(|| self.offsets.first().map_or(0, |&(_, offset)| offset), |i| self.offsets[i].1)
    }

    /// The contact form for `locale`: topic titles fall back to English, then to the id.
    pub fn form(&self, locale: &str) -> edgedesk_protocol::api::FormConfig {
        edgedesk_protocol::api::FormConfig {
            topics: self
                .topics
                .iter()
                .map(|topic| edgedesk_protocol::api::FormTopic {
                    id: topic.id.clone(),
                    title: topic.title_in(locale).to_owned(),
                })
                .collect(),
            fields: self.fields.clone(),
            labels: self.labels.get(locale).cloned().unwrap_or_default(),
            max_attachments: edgedesk_protocol::attachment::MAX_ATTACHMENTS,
            max_attachment_bytes: edgedesk_protocol::attachment::MAX_ATTACHMENT_BYTES,
            attachment_types: edgedesk_protocol::attachment::MEDIA_TYPES.iter().map(|t| t.to_string()).collect(),
            turnstile_site_key: None,
        }
    }

    pub fn topic_ids(&self) -> Vec<&str> {
        self.topics.iter().map(|topic| topic.id.as_str()).collect()
    }

    /// A topic's name in `locale`, for any id: English, then the id itself, when it has none there.
    pub fn topic_title(&self, id: &str, locale: &str) -> String {
        self.topic(id).map_or(id, |topic| topic.title_in(locale)).to_owned()
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|topic| topic.id == id)
    }

    /// Whether the team is open at Unix second `at`.
    pub fn is_open(&self, at: i64) -> bool {
        let local = at + i64::from(self.offset_at(at));
        self.open_interval(local.div_euclid(DAY)).is_some_and(|(start, end)| {
            let minute = (local.rem_euclid(DAY) / 60) as u32;
            (start..end).contains(&minute)
        })
    }

    /// The open hours of local day number `day` (days since 1970-01-01), unless it is closed.
    fn open_interval(&self, day: i64) -> Option<(u32, u32)> {
        let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + 719_163).ok()?)?;
        if self.holidays.contains(&date) {
            return None;
        }
        self.hours[date.weekday().num_days_from_monday() as usize].filter(|(start, end)| start < end)
    }

    /// When a ticket received at Unix second `received` with `urgency` can expect a first reply.
    pub fn expected_reply_at(&self, urgency: Urgency, received: i64) -> i64 {
        let target = self.targets.get(&urgency).copied().unwrap_or(Target { hours: 24, clock: Clock::Business });
        let mut remaining = i64::from(target.hours) * 3600;
        if target.clock == Clock::Always {
            return received + remaining;
        }
        let mut at = received;
        while at < received + MAX_DAYS_AHEAD * DAY {
            let offset = i64::from(self.offset_at(at));
            let local = at + offset;
            let (day, second_of_day) = (local.div_euclid(DAY), local.rem_euclid(DAY));
            let next_midnight = at + (DAY - second_of_day);
            let Some((start, end)) = self.open_interval(day) else {
                at = next_midnight;
                continue;
            };
            let (open, close) = (i64::from(start) * 60, i64::from(end) * 60);
            if second_of_day < open {
                at += open - second_of_day;
                continue;
            }
            if second_of_day >= close {
                at = next_midnight;
                continue;
            }
            let available = close - second_of_day;
            if remaining <= available {
                return at + remaining;
            }
            remaining -= available;
            at = next_midnight;
        }
        // A schedule that is never open promises nothing it cannot keep: count every hour instead.
        received + i64::from(target.hours) * 3600
    }
}

/// The weekday names `hours` keys accept, Monday first.
pub const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// `09:00-18:00` as minutes after midnight.
pub fn parse_hours(text: &str) -> Option<(u32, u32)> {
    let (start, end) = text.split_once('-')?;
    let minutes = |clock: &str| {
        let (hours, minutes) = clock.trim().split_once(':')?;
        let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
        (hours <= 24 && minutes < 60 && hours * 60 + minutes <= 24 * 60).then_some(hours * 60 + minutes)
    };
    let (start, end) = (minutes(start)?, minutes(end)?);
    (start < end).then_some((start, end))
}

/// `24 business hours` or `4 hours` (round the clock).
pub fn parse_target(text: &str) -> Option<Target> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [hours, "business", "hours" | "hour"] => Some(Target { hours: hours.parse().ok()?, clock: Clock::Business }),
        [hours, "hours" | "hour"] => Some(Target { hours: hours.parse().ok()?, clock: Clock::Always }),
        _ => None,
    }
}

/// Day and month names for the acknowledgement, in the languages edgedesk ships with.
pub fn format_local(support: &Support, at: i64, locale: &str) -> String {
    let local = at + i64::from(support.offset_at(at));
    let Some(time) = chrono::DateTime::from_timestamp(local, 0) else { return String::new() };
    let date = time.date_naive();
    let weekday = date.weekday().num_days_from_monday() as usize;
    let month = date.month0() as usize;
    let clock = format!("{:02}:{:02}", time.hour(), time.minute());
    let zone = &support.time_zone;
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "ru" => {
            const DAYS: [&str; 7] = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"];
            const MONTHS: [&str; 12] = [
                "января",
                "февраля",
                "марта",
                "апреля",
                "мая",
                "июня",
                "июля",
                "августа",
                "сентября",
                "октября",
                "ноября",
                "декабря",
            ];
            format!("{}, {} {}, {clock} ({zone})", DAYS[weekday], date.day(), MONTHS[month])
        }
        "uk" => {
            const DAYS: [&str; 7] = ["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"];
            const MONTHS: [&str; 12] = [
                "січня",
                "лютого",
                "березня",
                "квітня",
                "травня",
                "червня",
                "липня",
                "серпня",
                "вересня",
                "жовтня",
                "листопада",
                "грудня",
            ];
            format!("{}, {} {}, {clock} ({zone})", DAYS[weekday], date.day(), MONTHS[month])
        }
        _ => {
            const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
            const MONTHS: [&str; 12] = [
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
            format!("{}, {} {}, {clock} ({zone})", DAYS[weekday], date.day(), MONTHS[month])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgedesk_protocol::time::parse_time;

    /// Berlin-like: UTC+1 in winter, UTC+2 from 2027-03-28 01:00 UTC; open Mon–Fri 09:00–18:00.
    fn berlin() -> Support {
        let weekday = Some((9 * 60, 18 * 60));
        Support {
            time_zone: "Europe/Berlin".into(),
            offsets: vec![(0, 3600), (parse_time("2027-03-28T01:00:00Z").unwrap(), 7200)],
            hours: [weekday, weekday, weekday, weekday, weekday, None, None],
            holidays: vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()],
            ..Support::default()
        }
    }

    fn at(text: &str) -> i64 {
        parse_time(text).unwrap()
    }

    #[test]
    fn business_hours_skip_nights_weekends_and_holidays() {
        let support = berlin();
        // Friday 2026-11-27 17:00 Berlin (16:00 UTC) + 24 business hours: 1 h Friday, 9 h Monday,
        // 9 h Tuesday, 5 h Wednesday → Wednesday 14:00 Berlin.
        assert_eq!(support.expected_reply_at(Urgency::Normal, at("2026-11-27T16:00:00Z")), at("2026-12-02T13:00:00Z"));
        // Christmas Eve 17:30 Berlin + 8 business hours: 0.5 h, then the 25th is a holiday → 28th (Monday).
        assert_eq!(support.expected_reply_at(Urgency::High, at("2026-12-24T16:30:00Z")), at("2026-12-28T15:30:00Z"));
        // Saturday: nothing until Monday 09:00.
        assert_eq!(support.expected_reply_at(Urgency::High, at("2026-11-28T10:00:00Z")), at("2026-11-30T16:00:00Z"));
    }

    #[test]
    fn critical_counts_every_hour() {
        let support = berlin();
        assert_eq!(
            support.expected_reply_at(Urgency::Critical, at("2026-11-28T10:00:00Z")),
            at("2026-11-28T14:00:00Z")
        );
    }

    #[test]
    fn daylight_saving_moves_the_opening_hour_in_utc() {
        let support = berlin();
        // Monday 2027-03-29 (summer time): opens at 09:00 Berlin = 07:00 UTC.
        assert_eq!(support.expected_reply_at(Urgency::High, at("2027-03-29T05:00:00Z")), at("2027-03-29T15:00:00Z"));
        assert!(support.is_open(at("2027-03-29T07:00:00Z")));
        assert!(!support.is_open(at("2027-03-29T06:59:00Z")));
    }

    #[test]
    fn a_schedule_that_never_opens_falls_back_to_the_clock() {
        let support = Support { hours: [None; 7], ..berlin() };
        assert_eq!(support.expected_reply_at(Urgency::Normal, 1_000_000), 1_000_000 + 24 * 3600);
    }

    #[test]
    fn hours_and_targets_read_like_people_write_them() {
        assert_eq!(parse_hours("09:00-18:00"), Some((540, 1080)));
        assert_eq!(parse_hours("9:30 - 17:00"), Some((570, 1020)));
        assert_eq!(parse_hours("18:00-09:00"), None);
        assert_eq!(parse_hours("nine to five"), None);
        assert_eq!(parse_target("24 business hours"), Some(Target { hours: 24, clock: Clock::Business }));
        assert_eq!(parse_target("4 hours"), Some(Target { hours: 4, clock: Clock::Always }));
        assert_eq!(parse_target("soon"), None);
    }

    #[test]
    fn local_times_are_written_in_the_customers_language() {
        let support = berlin();
        let when = at("2026-12-02T13:00:00Z");
        assert_eq!(format_local(&support, when, "en"), "Wednesday, 2 December, 14:00 (Europe/Berlin)");
        assert_eq!(format_local(&support, when, "ru"), "среда, 2 декабря, 14:00 (Europe/Berlin)");
        assert_eq!(format_local(&support, when, "uk"), "середа, 2 грудня, 14:00 (Europe/Berlin)");
    }
}
