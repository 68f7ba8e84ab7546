//! `[support]` in `edgedesk.toml`: the team's hours, holidays, reply targets and topics, compiled into
//! what the worker needs. The time zone is resolved here, at build time, into its UTC offsets for
//! 2020–2040, so the worker carries no time-zone database.
//!
//! ```toml
//! [support]
//! time-zone = "Europe/Berlin"
//! holidays = ["2026-12-25", "2027-01-01"]
//! [support.hours]
//! monday = "09:00-18:00"            # …one line per open weekday
//! [support.targets]
//! normal = "24 business hours"      # low, normal, high, critical
//! critical = "4 hours"              # round the clock
//! [[support.topics]]
//! id = "billing"
//! title = { en = "Billing", ru = "Оплата" }
//! ```

use std::collections::BTreeMap;

use chrono::{NaiveDate, Offset, TimeZone};
use serde::{Deserialize, Serialize};

use super::config::FILE_NAME;
use super::problems::Problem;
use edgedesk_protocol::api::Urgency;
use edgedesk_tickets::support::{
    LABELLED_FIELDS, OPTIONAL_FIELDS, Support, Topic, WEEKDAYS, parse_hours, parse_target,
};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SupportConfig {
    pub time_zone: Option<String>,
    pub holidays: Vec<String>,
    pub hours: BTreeMap<String, String>,
    pub targets: BTreeMap<String, String>,
    pub topics: Vec<TopicConfig>,
    /// The optional form parts to show; all of them when absent.
    pub fields: Option<Vec<String>>,
    /// `[support.labels.ru] subject = "Тема"`: label overrides per locale.
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopicConfig {
    pub id: String,
    pub title: BTreeMap<String, String>,
    pub complaint: bool,
}

/// Offsets are resolved for these years: enough for any deploy this side of a rebuild.
const FIRST_YEAR: i32 = 2020;
const LAST_YEAR: i32 = 2040;

/// Compiles the configuration; `config_text` is the file's text, to point problems at their line.
pub fn compile(config: &SupportConfig, config_text: &str) -> Result<Support, Problem> {
    let line_of =
        |needle: &str| config_text.lines().position(|line| line.contains(needle)).map_or(1, |index| index + 1);
    let problem = |needle: &str, message: String, fix: &str| {
        Problem::error(FILE_NAME, line_of(needle), "invalid-support", message, fix)
    };
    let mut support = Support::default();

    if let Some(zone) = &config.time_zone {
        let tz: chrono_tz::Tz = zone.parse().map_err(|_| {
            problem(
                "time-zone",
                format!("`{zone}` is not a time zone"),
                "use an IANA name such as Europe/Berlin or America/New_York",
            )
        })?;
        support.time_zone = zone.clone();
        support.offsets = offsets(tz);
    }
    if !config.hours.is_empty() {
        support.hours = [None; 7];
        for (day, hours) in &config.hours {
            let index = WEEKDAYS.iter().position(|weekday| weekday == day).ok_or_else(|| {
                problem(&format!("{day} ="), format!("`{day}` is not a weekday"), "use monday … sunday")
            })?;
            if hours.trim().eq_ignore_ascii_case("closed") {
                continue;
            }
            support.hours[index] = Some(parse_hours(hours).ok_or_else(|| {
                problem(
                    &format!("{day} ="),
                    format!("`{day} = \"{hours}\"` is not opening hours"),
                    "write them as \"09:00-18:00\", or \"closed\"",
                )
            })?);
        }
    }
    for holiday in &config.holidays {
        let date = NaiveDate::parse_from_str(holiday, "%Y-%m-%d").map_err(|_| {
            problem(holiday, format!("the holiday `{holiday}` is not a date"), "write dates as YYYY-MM-DD")
        })?;
        support.holidays.push(date);
    }
    for (urgency, target) in &config.targets {
        let urgency = Urgency::ALL.into_iter().find(|u| u.name() == urgency).ok_or_else(|| {
            problem(
                &format!("{urgency} ="),
                format!("`{urgency}` is not an urgency"),
                "use low, normal, high or critical",
            )
        })?;
        let target = parse_target(target).ok_or_else(|| {
            problem(
                target,
                format!("`{target}` is not a reply target"),
                "write \"24 business hours\", or \"4 hours\" for round the clock",
            )
        })?;
        support.targets.insert(urgency, target);
    }
    if !config.topics.is_empty() {
        support.topics = Vec::new();
        for topic in &config.topics {
            if topic.id.is_empty() || topic.id != super::slugify(&topic.id) {
                return Err(problem(
                    &format!("\"{}\"", topic.id),
                    format!("the topic id {:?} is not usable", topic.id),
                    "use lowercase letters, digits and dashes, e.g. id = \"billing\"",
                ));
            }
            if support.topics.iter().any(|known: &Topic| known.id == topic.id) {
                return Err(problem(
                    &format!("\"{}\"", topic.id),
                    format!("the topic `{}` is listed twice", topic.id),
                    "keep one of them",
                ));
            }
            support.topics.push(Topic { id: topic.id.clone(), title: topic.title.clone(), complaint: topic.complaint });
        }
    }
    if let Some(fields) = &config.fields {
        if let Some(unknown) = fields.iter().find(|field| !OPTIONAL_FIELDS.contains(&field.as_str())) {
            return Err(problem(
                "fields",
                format!("`{unknown}` is not an optional form field"),
                "list any of \"topic\", \"urgency\", \"steps_tried\", \"attachments\"; name, email, subject and message are always asked",
            ));
        }
        support.fields = fields.clone();
    }
    for (locale, labels) in &config.labels {
        if let Some(unknown) = labels.keys().find(|field| !LABELLED_FIELDS.contains(&field.as_str())) {
            return Err(problem(
                &format!("{unknown} ="),
                format!("`{unknown}` in [support.labels.{locale}] is not a form field"),
                "label one of name, email, topic, urgency, subject, message, steps_tried, attachments",
            ));
        }
    }
    support.labels = config.labels.clone();
    Ok(support)
}

/// The zone's UTC offsets from 2020 to 2040 as `(from, offset)`, to the second.
fn offsets(tz: chrono_tz::Tz) -> Vec<(i64, i32)> {
    let offset_at = |at: i64| {
        tz.offset_from_utc_datetime(&chrono::DateTime::from_timestamp(at, 0).expect("in range").naive_utc())
            .fix()
            .local_minus_utc()
    };
    let start = chrono::NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time")
        .and_utc()
        .timestamp();
    let end = chrono::NaiveDate::from_ymd_opt(LAST_YEAR, 1, 1)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time")
        .and_utc()
        .timestamp();
    let mut offsets = vec![(start, offset_at(start))];
    let step = 3 * 3600;
    let mut at = start;
    while at < end {
        let next = at + step;
        if offset_at(next) != offset_at(at) {
            // The change is somewhere in (at, next]: find its second.
            let (mut low, mut high) = (at, next);
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if offset_at(middle) == offset_at(at) { low = middle } else { high = middle }
            }
            offsets.push((high, offset_at(high)));
        }
        at = next;
    }
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgedesk_protocol::time::parse_time;

    fn config(toml_text: &str) -> (SupportConfig, String) {
        #[derive(Deserialize)]
        struct File {
            support: SupportConfig,
        }
        let file: File = toml::from_str(toml_text).unwrap();
        (file.support, toml_text.to_owned())
    }

    #[test]
    fn a_berlin_team_compiles_with_its_summer_time() {
        let (support, text) = config(
            "[support]\ntime-zone = \"Europe/Berlin\"\nholidays = [\"2026-12-25\"]\n[support.hours]\nmonday = \"09:00-18:00\"\n\
             saturday = \"closed\"\n[support.targets]\nnormal = \"8 business hours\"\n[[support.topics]]\nid = \"billing\"\n",
        );
        let support = compile(&support, &text).unwrap();
        assert_eq!(support.offset_at(parse_time("2027-01-15T12:00:00Z").unwrap()), 3600);
        assert_eq!(support.offset_at(parse_time("2027-07-15T12:00:00Z").unwrap()), 7200);
        // The 2027 change to summer time is on 28 March at 01:00 UTC.
        assert_eq!(support.offset_at(parse_time("2027-03-28T00:59:00Z").unwrap()), 3600);
        assert_eq!(support.offset_at(parse_time("2027-03-28T01:00:00Z").unwrap()), 7200);
        assert_eq!(support.hours[0], Some((540, 1080)));
        assert_eq!(support.hours[1], None, "only the listed days are open");
        assert_eq!(support.topics.len(), 1);
        assert_eq!(support.targets[&Urgency::Normal].hours, 8);
        assert_eq!(support.targets[&Urgency::Critical].hours, 4, "unlisted urgencies keep the defaults");
    }

    #[test]
    fn mistakes_name_their_line() {
        let (bad_zone, text) = config("[support]\ntime-zone = \"Europe/Atlantis\"\n");
        let problem = compile(&bad_zone, &text).unwrap_err();
        assert_eq!((problem.line, problem.kind.as_str()), (2, "invalid-support"), "{problem}");
        let (bad_hours, text) = config("[support]\n[support.hours]\nfriday = \"9 to 5\"\n");
        assert_eq!(compile(&bad_hours, &text).unwrap_err().line, 3);
        let (bad_target, text) = config("[support]\n[support.targets]\nnormal = \"soon\"\n");
        assert!(compile(&bad_target, &text).unwrap_err().fix.contains("24 business hours"));
    }
}
