//! Simulators of the three helpdesk APIs edgedesk delivers to, written from their public API
//! documentation and served over real HTTP: Zendesk's Tickets API, Freshdesk's API v2 and Jira Service
//! Management's REST API. Each checks what the vendor checks (its authentication, its request schema
//! field by field, HTML versus text), answers with the vendor's shapes (created tickets, validation
//! errors, 401, 429 with `Retry-After`, 5xx, answers that come too late), serves the lookup the worker makes before a repeated
//! attempt, and keeps every ticket it created so tests can count them: duplicates are a number a test
//! asserts to be 0.
//!
//! What each vendor documents and the simulator enforces:
//! - **Zendesk** (`POST /api/v2/tickets.json`): `{"ticket": {...}}` with `comment.body` or
//!   `comment.html_body` (required), `subject`, `requester {name, email}`, `priority` one of urgent, high,
//!   normal, low, `tags` strings, `external_id`; basic auth as `{email}/token:{token}`. `Idempotency-Key`
//!   is honoured for two hours: the same key and body answers the first ticket with
//!   `x-idempotency-lookup: hit`, the same key with another body is a 400. `GET /api/v2/tickets.json?
//!   external_id=` lists tickets by external id. 422 `RecordInvalid` for a bad record.
//! - **Freshdesk** (`POST /api/v2/tickets`): `email`, `subject`, `description` (HTML), `status` (2–5) and
//!   `priority` (1–4) required, `source`, `name`, `tags` (strings) optional; any other field is a 400
//!   `invalid_field`; basic auth as `{api_key}:X`. No idempotency: every POST makes a ticket.
//!   `GET /api/v2/search/tickets?query="tag:'…'"` (the query in double quotes).
//! - **JSM** (`POST /rest/servicedeskapi/request`): `serviceDeskId`, `requestTypeId` (strings),
//!   `requestFieldValues` with `summary` (one line, at most 255 characters), `description` (wiki markup),
//!   `labels` (no spaces); `raiseOnBehalfOf` must be an account id, never an email; basic auth as
//!   `{email}:{token}`. No idempotency. `GET /rest/api/3/search/jql?jql=labels = "…"`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use edgedesk_tickets::helpdesk::HELPDESK_TIMEOUT_SECONDS;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Zendesk,
    Freshdesk,
    Jsm,
}

impl Vendor {
    /// `DELIVERY_BACKEND` for this vendor.
    pub fn backend(self) -> &'static str {
        match self {
            Vendor::Zendesk => "zendesk",
            Vendor::Freshdesk => "freshdesk",
            Vendor::Jsm => "jira",
        }
    }
}

/// How the simulator answers, switched by tests to play the bad days of a real helpdesk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weather {
    Fair,
    /// Every request answers 503 with `Retry-After: 1` (Zendesk's and Freshdesk's maintenance answer).
    Down,
    /// Every request answers 429 with `Retry-After: 1`, as the vendors' rate limits do.
    RateLimited,
    /// A create request makes the ticket, then the answer is lost (a 502 from the vendor's edge), once
    /// per ticket: only a lookup or an idempotency key keeps the retry from making a second ticket. The
    /// same for the first comment added to each ticket while the weather holds.
    LosesFirstAnswer,
    /// A create request makes the ticket, then the answer comes only after longer than the worker waits
    /// for a helpdesk ([`HELPDESK_TIMEOUT_SECONDS`]), once per ticket: the worker must give up on the
    /// answer and find the ticket by its lookup.
    Slow,
}

/// A ticket the simulator made.
#[derive(Debug, Clone)]
pub struct Created {
    /// The vendor's id: a number for Zendesk and Freshdesk, a key such as `SD-7` for JSM.
    pub id: String,
    /// Tags (Zendesk, Freshdesk) or labels (JSM).
    pub tags: Vec<String>,
    /// The request body as received.
    pub request: Value,
}

/// A comment on a ticket the simulator made: the customer's first message, or one added since.
#[derive(Debug, Clone)]
pub struct Comment {
    /// The vendor's id of the ticket.
    pub ticket: String,
    pub body: String,
    pub public: bool,
    /// Zendesk's author id; `None` elsewhere (the integration's account).
    pub author: Option<u64>,
    /// Written by an agent in the helpdesk (reported through [`HelpdeskSimulator::report`]), not added
    /// through the API.
    pub by_agent: bool,
    /// The files on it: name and bytes, served at [`file_path`].
    pub files: Vec<(String, Vec<u8>)>,
}

/// Where the simulator serves file `index` of comment `comment` (its place in the log): Zendesk's
/// attachment links and Freshdesk's storage links open without credentials, JSM's need them.
fn file_path(comment: usize, index: usize) -> String {
    format!("/simulated-files/{comment}/{index}")
}

#[derive(Debug, Default)]
pub struct SimulatorLog {
    /// What agents wrote, in order, as the automation reported it.
    pub agent_comments: Vec<String>,
    /// Comments added through the API after each ticket was created, in order.
    pub comments: Vec<Comment>,
    /// Each ticket's status as agents set it (through [`HelpdeskSimulator::report`]) and as the vendor
    /// changes it: Zendesk reopens a solved ticket its requester comments on; Freshdesk's ticket update
    /// and JSM's "Reopen" transition reopen one. The vendor's own words ("Solved", "Resolved", "Open").
    pub statuses: BTreeMap<String, String>,
    pub weather: Option<Weather>,
    /// The most comments a list page holds, when a test wants fewer than the vendor's most (100), so that
    /// a short thread spans pages.
    pub comments_per_page: Option<usize>,
    /// Every ticket created, in order.
    pub created: Vec<Created>,
    /// Every request: (method and path, status answered).
    pub requests: Vec<(String, u16)>,
    /// What the simulator refused as the vendor would (schema, auth): a correct client makes none.
    pub violations: Vec<String>,
    /// Customer text that would have been live markup in the agent's view (HTML tags, wiki links,
    /// images or macros outside `{noformat}`).
    pub live_markup: Vec<String>,
    idempotency: BTreeMap<String, (Value, String)>,
    answers_lost: std::collections::BTreeSet<String>,
    answers_slowed: std::collections::BTreeSet<String>,
    /// Set by a create whose answer is to come late, taken by the handler that sends it.
    answer_late: bool,
}

impl SimulatorLog {
    /// The tickets created with this tag or label.
    pub fn tagged(&self, tag: &str) -> Vec<&Created> {
        self.created.iter().filter(|created| created.tags.iter().any(|t| t == tag)).collect()
    }
}

/// A helpdesk API simulator on a free loopback port.
#[derive(Debug)]
pub struct HelpdeskSimulator {
    pub vendor: Vendor,
    /// What `DELIVERY_URL` is set to: the account's base address.
    pub base_url: String,
    pub email: String,
    pub token: String,
    pub log: Arc<Mutex<SimulatorLog>>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Simulator {
    vendor: Vendor,
    authorization: String,
    /// Where the simulator answers, for the links to next pages.
    base_url: String,
    log: Arc<Mutex<SimulatorLog>>,
}

impl Simulator {
    /// Whether a request carries the account's credentials, as every endpoint of the vendor requires.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        headers.get("authorization").and_then(|value| value.to_str().ok()) == Some(self.authorization.as_str())
    }
}

impl HelpdeskSimulator {
    pub async fn start(vendor: Vendor) -> Result<Self> {
        use base64::Engine;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let email = "integration@acme.test".to_owned();
        let token = format!("token-{port}");
        let credentials = match vendor {
            Vendor::Zendesk => format!("{email}/token:{token}"),
            Vendor::Freshdesk => format!("{token}:X"),
            Vendor::Jsm => format!("{email}:{token}"),
        };
        let authorization = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials));
        let log: Arc<Mutex<SimulatorLog>> = Default::default();
        let base_url = format!("http://127.0.0.1:{port}");
        let simulator = Simulator { vendor, authorization, base_url: base_url.clone(), log: Arc::clone(&log) };
        let app = axum::Router::new()
            .route("/api/v2/tickets.json", axum::routing::post(create).get(lookup))
            .route("/api/v2/tickets", axum::routing::post(create))
            .route("/api/v2/search/tickets", axum::routing::get(lookup))
            .route("/rest/servicedeskapi/request", axum::routing::post(create))
            .route("/rest/api/3/search/jql", axum::routing::get(lookup))
            .route("/api/v2/tickets/{id}", axum::routing::put(update_ticket))
            .route("/api/v2/tickets/{id}/comments.json", axum::routing::get(list_comments))
            .route("/api/v2/tickets/{id}/conversations", axum::routing::get(list_comments))
            .route("/api/v2/tickets/{id}/notes", axum::routing::post(add_comment))
            .route("/rest/servicedeskapi/request/{id}/comment", axum::routing::get(list_comments).post(add_comment))
            .route("/rest/servicedeskapi/request/{id}/transition", axum::routing::get(transitions).post(transition))
            .route("/simulated-files/{comment}/{index}", axum::routing::get(download_file))
            .fallback(not_found)
            .with_state(simulator);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { vendor, base_url, email, token, log, server })
    }

    /// The worker settings that deliver here.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let mut settings = vec![
            ("DELIVERY_BACKEND", self.vendor.backend().to_owned()),
            ("DELIVERY_URL", self.base_url.clone()),
            ("HELPDESK_TOKEN", self.token.clone()),
        ];
        if self.vendor != Vendor::Freshdesk {
            settings.push(("HELPDESK_EMAIL", self.email.clone()));
        }
        if self.vendor == Vendor::Jsm {
            settings.push(("JIRA_SERVICE_DESK_ID", "4".to_owned()));
            settings.push(("JIRA_REQUEST_TYPE_ID", "27".to_owned()));
        }
        settings
    }

    pub fn set_comments_per_page(&self, most: usize) {
        self.log.lock().expect("the simulator log is never poisoned").comments_per_page = Some(most);
    }

    pub fn set_weather(&self, weather: Weather) {
        self.log.lock().expect("the simulator log is never poisoned").weather = Some(weather);
    }

    pub fn with_log<T>(&self, read: impl FnOnce(&SimulatorLog) -> T) -> T {
        read(&self.log.lock().expect("the simulator log is never poisoned"))
    }
}

impl Drop for HelpdeskSimulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A JSON answer with these extra headers.
fn answer(status: StatusCode, headers: &[(&'static str, &'static str)], body: Value) -> Response {
    let mut response = (status, [("Content-Type", "application/json")], body.to_string()).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(*name, axum::http::HeaderValue::from_static(value));
    }
    response
}

async fn not_found() -> Response {
    answer(StatusCode::NOT_FOUND, &[], json!({ "error": "InvalidEndpoint" }))
}

/// The vendor's answer to a request that failed authentication.
fn unauthorized(vendor: Vendor) -> Response {
    let body = match vendor {
        Vendor::Zendesk => json!({ "error": "Couldn't authenticate you" }),
        Vendor::Freshdesk => {
            json!({ "code": "invalid_credentials", "message": "You have to be logged in to perform this action." })
        }
        Vendor::Jsm => json!({ "errorMessage": "Client must be authenticated to access this resource." }),
    };
    answer(StatusCode::UNAUTHORIZED, &[], body)
}

/// The vendor's validation error for these problems.
fn invalid(vendor: Vendor, problems: &[(String, String)]) -> Response {
    match vendor {
        Vendor::Zendesk => {
            let details: serde_json::Map<String, Value> = problems
                .iter()
                .map(|(field, message)| (field.clone(), json!([{ "description": message, "error": "InvalidValue" }])))
                .collect();
            let body =
                json!({ "error": "RecordInvalid", "description": "Record validation errors", "details": details });
            answer(StatusCode::UNPROCESSABLE_ENTITY, &[], body)
        }
        Vendor::Freshdesk => {
            let errors: Vec<Value> = problems
                .iter()
                .map(|(field, message)| {
                    let code = if message.starts_with("Unexpected") { "invalid_field" } else { "invalid_value" };
                    json!({ "field": field, "message": message, "code": code })
                })
                .collect();
            let body = json!({ "description": "Validation failed", "errors": errors });
            answer(StatusCode::BAD_REQUEST, &[], body)
        }
        Vendor::Jsm => {
            let message = problems.iter().map(|(field, message)| format!("{field}: {message}")).collect::<Vec<_>>();
            let body = json!({ "errorMessage": message.join("; "), "i18nErrorMessage": { "i18nKey": "sd.request.create.error", "parameters": [] } });
            answer(StatusCode::BAD_REQUEST, &[], body)
        }
    }
}

/// What the weather answers instead of the real thing, if anything.
fn weather_answer(log: &SimulatorLog) -> Option<Response> {
    match log.weather.unwrap_or(Weather::Fair) {
        Weather::Down => {
            Some(answer(StatusCode::SERVICE_UNAVAILABLE, &[("Retry-After", "1")], json!({ "error": "Maintenance" })))
        }
        Weather::RateLimited => {
            Some(answer(StatusCode::TOO_MANY_REQUESTS, &[("Retry-After", "1")], json!({ "error": "TooManyRequests" })))
        }
        Weather::Fair | Weather::LosesFirstAnswer | Weather::Slow => None,
    }
}

async fn create(State(simulator): State<Simulator>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let vendor = simulator.vendor;
    let (answer, late) = {
        let mut log = simulator.log.lock().expect("the simulator log is never poisoned");
        let (answer, status) = answer_create(&simulator, &mut log, &headers, &body);
        log.requests.push((format!("POST {vendor:?}"), status));
        (answer, std::mem::take(&mut log.answer_late))
    };
    if late {
        // Longer than a test waits for a delivery: only a worker that stops waiting delivers in time.
        tokio::time::sleep(std::time::Duration::from_secs(HELPDESK_TIMEOUT_SECONDS * 12)).await;
    }
    answer
}

fn answer_create(simulator: &Simulator, log: &mut SimulatorLog, headers: &HeaderMap, body: &[u8]) -> (Response, u16) {
    let vendor = simulator.vendor;
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    if !simulator.authorized(headers) {
        log.violations.push("a request without the account's credentials".into());
        return (unauthorized(vendor), 401);
    }
    if let Some(answer) = weather_answer(log) {
        let status = answer.status().as_u16();
        return (answer, status);
    }
    if !header("content-type").is_some_and(|value| value.starts_with("application/json")) {
        log.violations.push("a create request that is not JSON".into());
        return (invalid(vendor, &[("Content-Type".into(), "must be application/json".into())]), 415);
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        log.violations.push("a body that is not JSON".into());
        return (invalid(vendor, &[("body".into(), "is not valid JSON".into())]), 400);
    };
    // Zendesk: a repeated idempotency key answers the first ticket, or refuses another body.
    let idempotency_key = header("idempotency-key").filter(|_| vendor == Vendor::Zendesk);
    if let Some(key) = &idempotency_key
        && let Some((first_request, first_answer)) = log.idempotency.get(key)
    {
        if *first_request != request {
            log.violations.push(format!("idempotency key {key} reused with another body"));
            let body = json!({ "error": "IdempotentRequestError", "description": "The request body does not match the original request for this idempotency key" });
            return (answer(StatusCode::BAD_REQUEST, &[], body), 400);
        }
        let answer = first_answer.clone();
        return ((StatusCode::CREATED, [("x-idempotency-lookup", "hit")], answer).into_response(), 201);
    }
    let problems = match vendor {
        Vendor::Zendesk => check_zendesk(&request),
        Vendor::Freshdesk => check_freshdesk(&request),
        Vendor::Jsm => check_jsm(&request),
    };
    if !problems.is_empty() {
        log.violations.extend(problems.iter().map(|(field, message)| format!("{vendor:?} {field}: {message}")));
        let answer = invalid(vendor, &problems);
        let status = answer.status().as_u16();
        return (answer, status);
    }
    log.live_markup.extend(live_markup(vendor, &request));
    let sequence = log.created.len() + 1;
    let (id, tags, answer) = match vendor {
        Vendor::Zendesk => {
            let id = (35_000 + sequence).to_string();
            let mut ticket = request["ticket"].clone();
            ticket["id"] = json!(35_000 + sequence);
            ticket["status"] = json!("new");
            ticket["requester_id"] = json!(ZENDESK_REQUESTER_BASE + sequence as u64);
            (id, strings(&request["ticket"]["tags"]), json!({ "ticket": ticket }))
        }
        Vendor::Freshdesk => {
            let mut ticket = request.clone();
            ticket["id"] = json!(sequence);
            ticket["requester_id"] = json!(9000 + sequence);
            (sequence.to_string(), strings(&request["tags"]), ticket)
        }
        Vendor::Jsm => {
            let key = format!("SD-{sequence}");
            let answer = json!({
                "issueId": (10_000 + sequence).to_string(),
                "issueKey": key,
                "requestTypeId": request["requestTypeId"],
                "serviceDeskId": request["serviceDeskId"],
                "currentStatus": { "status": "Waiting for support" },
            });
            (key, strings(&request["requestFieldValues"]["labels"]), answer)
        }
    };
    log.created.push(Created { id, tags: tags.clone(), request: request.clone() });
    let answer_text = answer.to_string();
    if let Some(key) = idempotency_key {
        log.idempotency.insert(key, (request, answer_text.clone()));
    }
    let number = tags.iter().find(|tag| tag.starts_with("ED-")).cloned().unwrap_or_default();
    if log.weather == Some(Weather::Slow) && log.answers_slowed.insert(number.clone()) {
        log.answer_late = true;
    }
    if log.weather == Some(Weather::LosesFirstAnswer) && log.answers_lost.insert(number) {
        return ((StatusCode::BAD_GATEWAY, "upstream connect error").into_response(), 502);
    }
    (
        (StatusCode::CREATED, [("Content-Type", "application/json"), ("Location", "/created")], answer_text)
            .into_response(),
        201,
    )
}

async fn lookup(
    State(simulator): State<Simulator>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let vendor = simulator.vendor;
    let mut log = simulator.log.lock().expect("the simulator log is never poisoned");
    let answer = if !simulator.authorized(&headers) {
        log.violations.push("a lookup without the account's credentials".into());
        unauthorized(vendor)
    } else if let Some(answer) = weather_answer(&log) {
        answer
    } else {
        match lookup_tag(vendor, &query) {
            Err(problem) => {
                log.violations.push(format!("{vendor:?} lookup: {problem}"));
                invalid(vendor, &[("query".into(), problem)])
            }
            Ok(tag) => {
                let found: Vec<Value> = log
                    .created
                    .iter()
                    .filter(|created| matches_lookup(vendor, created, &tag))
                    .map(|created| match vendor {
                        Vendor::Zendesk | Vendor::Freshdesk => {
                            json!({ "id": created.id.parse::<u64>().unwrap_or_default(), "tags": created.tags })
                        }
                        Vendor::Jsm => json!({ "id": "1", "key": created.id }),
                    })
                    .collect();
                let count = found.len();
                let body = match vendor {
                    Vendor::Zendesk => {
                        json!({ "tickets": found, "next_page": null, "previous_page": null, "count": count })
                    }
                    Vendor::Freshdesk => json!({ "results": found, "total": count }),
                    Vendor::Jsm => json!({ "issues": found, "isLast": true }),
                };
                answer(StatusCode::OK, &[], body)
            }
        }
    };
    let status = answer.status().as_u16();
    log.requests.push((format!("GET {vendor:?}"), status));
    answer
}

/// Whether a lookup for `key` finds `created`: by external id in Zendesk, by tag or label elsewhere.
fn matches_lookup(vendor: Vendor, created: &Created, key: &str) -> bool {
    match vendor {
        Vendor::Zendesk => created.request["ticket"]["external_id"].as_str() == Some(key),
        Vendor::Freshdesk | Vendor::Jsm => created.tags.iter().any(|tag| tag == key),
    }
}

/// The tag, label or external id a lookup asks for, read the way each vendor documents its query.
fn lookup_tag(vendor: Vendor, query: &BTreeMap<String, String>) -> Result<String, String> {
    match vendor {
        Vendor::Zendesk => query.get("external_id").cloned().ok_or_else(|| "no external_id parameter".to_owned()),
        Vendor::Freshdesk => {
            let text = query.get("query").ok_or("no query parameter")?;
            let inner = text
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
                .ok_or("the query must be enclosed in double quotes")?;
            let tag = inner
                .strip_prefix("tag:'")
                .and_then(|rest| rest.strip_suffix('\''))
                .ok_or_else(|| format!("{inner:?} is not tag:'…'"))?;
            Ok(tag.to_owned())
        }
        Vendor::Jsm => {
            let jql = query.get("jql").ok_or("no jql parameter")?;
            let label = jql
                .strip_prefix("labels = \"")
                .and_then(|rest| rest.strip_suffix('"'))
                .ok_or_else(|| format!("{jql:?} is not labels = \"…\""))?;
            Ok(label.to_owned())
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|all| all.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn looks_like_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

fn is_string_list(value: &Value) -> bool {
    value.as_array().is_some_and(|all| all.iter().all(Value::is_string))
}

fn check_zendesk(request: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: &str| problems.push((field.to_owned(), message.to_owned()));
    let Some(ticket) = request.get("ticket").and_then(Value::as_object) else {
        problem("ticket", "is required and must be an object");
        return problems;
    };
    let comment = &ticket.get("comment").cloned().unwrap_or(Value::Null);
    let body = comment.get("body").or_else(|| comment.get("html_body"));
    if body.and_then(Value::as_str).is_none_or(|body| body.trim().is_empty()) {
        problem("base", "Description: cannot be blank");
    }
    if !ticket.get("subject").is_none_or(Value::is_string) {
        problem("subject", "must be a string");
    }
    match ticket.get("requester") {
        None => {}
        Some(requester) => {
            if !requester.get("email").and_then(Value::as_str).is_some_and(looks_like_email) {
                problem("requester", "Requester: email is invalid");
            }
            if !requester.get("name").is_none_or(Value::is_string) {
                problem("requester", "Requester: name must be a string");
            }
        }
    }
    if let Some(priority) = ticket.get("priority")
        && !priority.as_str().is_some_and(|p| ["urgent", "high", "normal", "low"].contains(&p))
    {
        problem("priority", "is not one of urgent, high, normal, low");
    }
    if !ticket.get("tags").is_none_or(is_string_list) {
        problem("tags", "must be a list of strings");
    }
    if !ticket.get("external_id").is_none_or(Value::is_string) {
        problem("external_id", "must be a string");
    }
    problems
}

fn check_freshdesk(request: &Value) -> Vec<(String, String)> {
    const KNOWN: &[&str] = &[
        "name",
        "requester_id",
        "email",
        "facebook_id",
        "phone",
        "twitter_id",
        "unique_external_id",
        "subject",
        "type",
        "status",
        "priority",
        "description",
        "responder_id",
        "attachments",
        "cc_emails",
        "custom_fields",
        "due_by",
        "email_config_id",
        "fr_due_by",
        "group_id",
        "parent_id",
        "product_id",
        "source",
        "tags",
        "company_id",
        "internal_agent_id",
        "internal_group_id",
        "lookup_parameter",
    ];
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: &str| problems.push((field.to_owned(), message.to_owned()));
    let Some(ticket) = request.as_object() else {
        problem("body", "must be an object");
        return problems;
    };
    for field in ticket.keys() {
        if !KNOWN.contains(&field.as_str()) {
            problem(field, "Unexpected/invalid field in request");
        }
    }
    // `unique_external_id` is a contact's field: valid only for a contact that has one, never a ticket key.
    if ticket.contains_key("unique_external_id") {
        problem("unique_external_id", "There is no contact matching the given unique_external_id");
    }
    if !ticket.get("email").and_then(Value::as_str).is_some_and(looks_like_email) {
        problem("email", "It should be in the 'valid email address' format");
    }
    for required in ["subject", "description"] {
        if ticket.get(required).and_then(Value::as_str).is_none_or(|text| text.trim().is_empty()) {
            problem(required, "It should be a/an String");
        }
    }
    if !ticket.get("status").and_then(Value::as_u64).is_some_and(|status| (2..=5).contains(&status)) {
        problem("status", "It should be one of these values: '2,3,4,5'");
    }
    if !ticket.get("priority").and_then(Value::as_u64).is_some_and(|priority| (1..=4).contains(&priority)) {
        problem("priority", "It should be one of these values: '1,2,3,4'");
    }
    if let Some(source) = ticket.get("source")
        && !source.as_u64().is_some_and(|source| [1, 2, 3, 7, 9, 10].contains(&source))
    {
        problem("source", "It should be one of these values: '1,2,3,7,9,10'");
    }
    if !ticket.get("name").is_none_or(Value::is_string) {
        problem("name", "It should be a/an String");
    }
    match ticket.get("tags") {
        None => {}
        Some(tags)
            if is_string_list(tags)
                && strings(tags).iter().any(|tag| tag.chars().count() > 32 || tag.contains(',')) =>
        {
            problem("tags", "Each tag has at most 32 characters and no commas");
        }
        Some(tags) if is_string_list(tags) => {}
        Some(_) => problem("tags", "It should be a/an Array"),
    }
    problems
}

fn check_jsm(request: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: &str| problems.push((field.to_owned(), message.to_owned()));
    for id in ["serviceDeskId", "requestTypeId"] {
        if request.get(id).and_then(Value::as_str).is_none_or(str::is_empty) {
            problem(id, "is required");
        }
    }
    if let Some(on_behalf) = request.get("raiseOnBehalfOf")
        && on_behalf.as_str().is_none_or(|value| value.contains('@'))
    {
        problem("raiseOnBehalfOf", "must be the accountId of a customer, not an email address");
    }
    let Some(fields) = request.get("requestFieldValues").and_then(Value::as_object) else {
        problem("requestFieldValues", "is required");
        return problems;
    };
    for field in fields.keys() {
        if !["summary", "description", "labels"].contains(&field.as_str()) {
            problem(field, "Field cannot be set. It is not on the appropriate screen, or unknown.");
        }
    }
    match fields.get("summary").and_then(Value::as_str) {
        Some(summary) if !summary.trim().is_empty() && summary.chars().count() <= 255 && !summary.contains('\n') => {}
        _ => problem("summary", "Summary is required, one line, at most 255 characters"),
    }
    if !fields.get("description").is_none_or(Value::is_string) {
        problem("description", "must be a string");
    }
    match fields.get("labels") {
        None => {}
        Some(labels) if is_string_list(labels) && strings(labels).iter().any(|label| label.contains(' ')) => {
            problem("labels", "A label cannot contain spaces");
        }
        Some(labels) if is_string_list(labels) => {}
        Some(_) => problem("labels", "must be a list of strings"),
    }
    problems
}

/// Customer text that the agent's view would render as markup: for Freshdesk's HTML, any tag but the
/// plain formatting ones or any attribute; for JSM's wiki markup, a link, image, macro or table outside
/// `{noformat}` blocks. Zendesk's `comment.body` is always shown as text.
fn live_markup(vendor: Vendor, request: &Value) -> Vec<String> {
    match vendor {
        Vendor::Zendesk => Vec::new(),
        Vendor::Freshdesk => {
            let html = request["description"].as_str().unwrap_or_default();
            html.split('<')
                .skip(1)
                .map(|rest| rest.split('>').next().unwrap_or_default())
                .filter(|tag| !["div", "/div", "br", "p", "/p", "b", "/b"].contains(tag))
                .map(|tag| format!("<{tag}>"))
                .collect()
        }
        Vendor::Jsm => {
            let wiki = request["requestFieldValues"]["description"].as_str().unwrap_or_default();
            let mut live = Vec::new();
            for (index, outside) in wiki.split("{noformat}").enumerate() {
                if index % 2 == 1 {
                    continue;
                }
                for token in ['[', '!', '{', '|'] {
                    if outside.contains(token) {
                        live.push(format!("{token} outside {{noformat}} in {outside:?}"));
                    }
                }
            }
            if wiki.matches("{noformat}").count() % 2 == 1 {
                live.push("an unclosed {noformat}".to_owned());
            }
            live
        }
    }
}

/// Zendesk's requesters get ids from here, so tests can tell a requester from the integration's agent.
const ZENDESK_REQUESTER_BASE: u64 = 9_000_000;

/// The ticket the simulator made with this vendor id (Zendesk's PUT path ends in `.json`).
fn created_ticket<'a>(log: &'a SimulatorLog, id: &str) -> Option<&'a Created> {
    let id = id.strip_suffix(".json").unwrap_or(id);
    log.created.iter().find(|created| created.id == id)
}

/// The requester's id Zendesk gave ticket `created`.
fn zendesk_requester(log: &SimulatorLog, created: &Created) -> u64 {
    let sequence = log.created.iter().position(|other| other.id == created.id).unwrap_or_default() + 1;
    ZENDESK_REQUESTER_BASE + sequence as u64
}

/// `GET` a ticket's comments, a page at a time, in each vendor's list shape and paging: Zendesk's
/// `comments` (the first written by the requester) with `per_page` (at most 100), `page` and `next_page`;
/// Freshdesk's bare array of conversations (without the description) with `per_page` (30 unless asked,
/// at most 100), `page` and a `Link` header to the next; JSM's `values` with `start`, `limit` (50 unless
/// asked, at most 100) and `isLastPage`.
async fn list_comments(
    State(simulator): State<Simulator>,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let number = |name: &str, default: usize| query.get(name).and_then(|value| value.parse().ok()).unwrap_or(default);
    let vendor = simulator.vendor;
    let not_found = json!({ "error": "RecordNotFound", "description": "Not found" });
    let request = format!("GET comments {vendor:?}");
    about_ticket(&simulator, &id, &headers, request, "a comment list", not_found, |log, created| {
        let added: Vec<(usize, &Comment)> =
            log.comments.iter().enumerate().filter(|(_, comment)| comment.ticket == created.id).collect();
        // Each vendor's list of a comment's files: name, link and size under its own field names.
        let files = |at: usize, comment: &Comment, [name, link, size]: [&str; 3]| -> Vec<Value> {
            comment
                .files
                .iter()
                .enumerate()
                .map(|(index, (file, bytes))| {
                    let mut listed = serde_json::Map::new();
                    listed.insert(name.into(), json!(file));
                    listed.insert(link.into(), json!(format!("{}{}", simulator.base_url, file_path(at, index))));
                    listed.insert(size.into(), json!(bytes.len()));
                    Value::Object(listed)
                })
                .collect()
        };
        let most = log.comments_per_page.unwrap_or(100).min(100);
        // A page of `all`: the items from `start`, as many as asked and allowed, and whether more follow.
        let page_of = |all: Vec<Value>, start: usize, asked: usize| {
            let size = asked.clamp(1, most);
            let more = all.len() > start + size;
            (all.into_iter().skip(start).take(size).collect::<Vec<_>>(), more)
        };
        match vendor {
            Vendor::Zendesk => {
                let first = json!({
                    "id": 1,
                    "author_id": zendesk_requester(log, &created),
                    "body": created.request["ticket"]["comment"]["body"],
                    "public": true,
                });
                let mut comments = vec![first];
                comments.extend(added.iter().enumerate().map(|(index, (at, comment))| {
                    let attachments = files(*at, comment, ["file_name", "content_url", "size"]);
                    json!({ "id": index + 2, "author_id": comment.author, "body": comment.body, "plain_body": comment.body,
                            "public": comment.public, "attachments": attachments })
                }));
                let count = comments.len();
                let (page, per_page) = (number("page", 1).max(1), number("per_page", 100));
                let (comments, more) = page_of(comments, (page - 1) * per_page.clamp(1, most), per_page);
                let next_page = more.then(|| {
                    format!(
                        "{}/api/v2/tickets/{id}/comments.json?page={}&per_page={per_page}",
                        simulator.base_url,
                        page + 1
                    )
                });
                answer(StatusCode::OK, &[], json!({ "comments": comments, "next_page": next_page, "count": count }))
            }
            Vendor::Freshdesk => {
                let conversations: Vec<Value> = added
                    .iter()
                    .enumerate()
                    .map(|(index, (at, comment))| {
                        let attachments = files(*at, comment, ["name", "attachment_url", "size"]);
                        json!({ "id": index + 1, "body": comment.body, "body_text": comment.body, "private": !comment.public,
                                "incoming": !comment.by_agent, "attachments": attachments })
                    })
                    .collect();
                let (page, per_page) = (number("page", 1).max(1), number("per_page", 30));
                let (conversations, more) = page_of(conversations, (page - 1) * per_page.clamp(1, most), per_page);
                let next = format!(
                    "<{}/api/v2/tickets/{id}/conversations?page={}&per_page={per_page}>; rel=\"next\"",
                    simulator.base_url,
                    page + 1
                );
                let mut page = answer(StatusCode::OK, &[], Value::Array(conversations));
                if more && let Ok(next) = axum::http::HeaderValue::from_str(&next) {
                    page.headers_mut().insert("Link", next);
                }
                page
            }
            Vendor::Jsm => {
                let values: Vec<Value> = added
                    .iter()
                    .enumerate()
                    .map(|(index, (at, comment))| {
                        let mut listed = json!({ "id": (index + 1).to_string(), "body": comment.body, "public": comment.public });
                        // Files only when asked for, as JSM's `expand=attachment` does.
                        if query.get("expand").is_some_and(|expand| expand.split(',').any(|part| part == "attachment")) {
                            let values: Vec<Value> = files(*at, comment, ["filename", "content", "size"])
                                .into_iter()
                                .map(|mut file| {
                                    let content = file["content"].take();
                                    json!({ "filename": file["filename"], "size": file["size"], "_links": { "content": content } })
                                })
                                .collect();
                            listed["attachments"] = json!({ "size": values.len(), "isLastPage": true, "values": values });
                        }
                        listed
                    })
                    .collect();
                let (start, limit) = (number("start", 0), number("limit", 50));
                let (values, more) = page_of(values, start, limit);
                let size = values.len();
                let limit = limit.clamp(1, most);
                answer(
                    StatusCode::OK,
                    &[],
                    json!({ "values": values, "size": size, "start": start, "limit": limit, "isLastPage": !more }),
                )
            }
        }
    })
}

/// A request about ticket `id`, answered as every vendor does before it reads the request: 401 without
/// the account's credentials (recorded as a violation: `what` without them), the weather's answer, or
/// `not_found` for a ticket the simulator never made; otherwise what `answer_for` says. Logged as
/// `request` with the status answered.
fn about_ticket(
    simulator: &Simulator,
    id: &str,
    headers: &HeaderMap,
    request: String,
    what: &str,
    not_found: Value,
    answer_for: impl FnOnce(&mut SimulatorLog, Created) -> Response,
) -> Response {
    let mut log = simulator.log.lock().expect("the simulator log is never poisoned");
    let answer = if !simulator.authorized(headers) {
        log.violations.push(format!("{what} without the account's credentials"));
        unauthorized(simulator.vendor)
    } else if let Some(answer) = weather_answer(&log) {
        answer
    } else if let Some(created) = created_ticket(&log, id).cloned() {
        answer_for(&mut log, created)
    } else {
        answer(StatusCode::NOT_FOUND, &[], not_found)
    };
    log.requests.push((request, answer.status().as_u16()));
    answer
}

/// Adds a comment as each vendor documents it: Zendesk's ticket update with `comment` (`body` or
/// `html_body`, `public`, `author_id`), Freshdesk's note (`body` HTML required; `private`, `incoming`,
/// `user_id`, `notify_emails` only), JSM's request comment (`body` required, `public`).
/// The Zendesk user id of the agent who answers.
const ZENDESK_AGENT: u64 = 7_000_001;

/// `GET` a file on a comment: JSM's content link needs the account's credentials; Zendesk's token link
/// and Freshdesk's signed storage link do not.
async fn download_file(
    State(simulator): State<Simulator>,
    axum::extract::Path((comment, index)): axum::extract::Path<(usize, usize)>,
    headers: HeaderMap,
) -> Response {
    let mut log = simulator.log.lock().expect("the simulator log is never poisoned");
    if simulator.vendor == Vendor::Jsm && !simulator.authorized(&headers) {
        log.violations.push("a JSM attachment fetched without the account's credentials".into());
        return unauthorized(simulator.vendor);
    }
    if let Some(answer) = weather_answer(&log) {
        return answer;
    }
    let file = log.comments.get(comment).and_then(|comment| comment.files.get(index)).cloned();
    log.requests.push((format!("GET file {:?}", simulator.vendor), if file.is_some() { 200 } else { 404 }));
    match file {
        Some((_, bytes)) => (StatusCode::OK, [("Content-Type", "application/octet-stream")], bytes).into_response(),
        None => answer(StatusCode::NOT_FOUND, &[], json!({ "error": "RecordNotFound" })),
    }
}

/// `PUT /api/v2/tickets/{id}`: a Zendesk ticket update (`{id}.json`) carries a comment; a Freshdesk one
/// changes fields, of which the simulator knows `status` (2 Open, 3 Pending, 4 Resolved, 5 Closed).
async fn update_ticket(
    State(simulator): State<Simulator>,
    path: axum::extract::Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if simulator.vendor == Vendor::Zendesk {
        return add_comment(State(simulator), path, headers, body).await;
    }
    let axum::extract::Path(id) = path;
    let vendor = simulator.vendor;
    let not_found = json!({ "error": "RecordNotFound" });
    about_ticket(
        &simulator,
        &id,
        &headers,
        format!("PUT ticket {vendor:?}"),
        "a ticket update",
        not_found,
        |log, created| {
            let request = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
            let fields =
                request.as_object().map(|object| object.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            let status = request.get("status").and_then(Value::as_u64);
            let word = match status {
                Some(2) => Some("Open"),
                Some(3) => Some("Pending"),
                Some(4) => Some("Resolved"),
                Some(5) => Some("Closed"),
                _ => None,
            };
            match word {
                Some(word) if fields == ["status"] => {
                    log.statuses.insert(created.id.clone(), word.to_owned());
                    answer(
                        StatusCode::OK,
                        &[],
                        json!({ "id": created.id.parse::<u64>().unwrap_or_default(), "status": status }),
                    )
                }
                _ => {
                    log.violations.push(format!("a Freshdesk ticket update the simulator does not know: {request}"));
                    invalid(vendor, &[("status".into(), "It should be one of these values: '2,3,4,5'".into())])
                }
            }
        },
    )
}

/// The JSM customer transition that reopens a resolved request, as a service desk's workflow names it.
const JSM_REOPEN: (&str, &str) = ("751", "Reopen issue");

/// `GET /rest/servicedeskapi/request/{key}/transition`: the customer transitions the request's status
/// allows, a page of `values` as JSM lists them: "Reopen issue" once resolved, else none.
async fn transitions(
    State(simulator): State<Simulator>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let not_found = json!({ "errorMessage": "Request not found" });
    about_ticket(
        &simulator,
        &id,
        &headers,
        "GET transitions Jsm".into(),
        "a transition list",
        not_found,
        |log, created| {
            let resolved = log.statuses.get(&created.id).is_some_and(|status| status == "Resolved");
            let values = if resolved { vec![json!({ "id": JSM_REOPEN.0, "name": JSM_REOPEN.1 })] } else { vec![] };
            let size = values.len();
            answer(
                StatusCode::OK,
                &[],
                json!({ "size": size, "start": 0, "limit": 50, "isLastPage": true, "values": values }),
            )
        },
    )
}

/// `POST /rest/servicedeskapi/request/{key}/transition` with `{"id"}`: performs a customer transition
/// the request offers now (204), or refuses one it does not (400).
async fn transition(
    State(simulator): State<Simulator>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let not_found = json!({ "errorMessage": "Request not found" });
    about_ticket(&simulator, &id, &headers, "POST transition Jsm".into(), "a transition", not_found, |log, created| {
        let request = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
        let resolved = log.statuses.get(&created.id).is_some_and(|status| status == "Resolved");
        if resolved && request.get("id").and_then(Value::as_str) == Some(JSM_REOPEN.0) {
            log.statuses.insert(created.id.clone(), "Open".to_owned());
            StatusCode::NO_CONTENT.into_response()
        } else {
            log.violations.push(format!("a transition the request does not offer: {request}"));
            answer(
                StatusCode::BAD_REQUEST,
                &[],
                json!({ "errorMessage": "The transition is not valid for this request" }),
            )
        }
    })
}

async fn add_comment(
    State(simulator): State<Simulator>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let vendor = simulator.vendor;
    let mut log = simulator.log.lock().expect("the simulator log is never poisoned");
    let answer = answer_comment(&simulator, &mut log, &id, &headers, &body);
    let status = answer.status().as_u16();
    log.requests.push((format!("ADD comment {vendor:?}"), status));
    answer
}

fn answer_comment(
    simulator: &Simulator,
    log: &mut SimulatorLog,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let vendor = simulator.vendor;
    if !simulator.authorized(headers) {
        log.violations.push("a comment without the account's credentials".into());
        return unauthorized(vendor);
    }
    if let Some(answer) = weather_answer(log) {
        return answer;
    }
    let Some(created) = created_ticket(log, id).cloned() else {
        log.violations.push(format!("a comment on {id}, a ticket that does not exist"));
        return answer(StatusCode::NOT_FOUND, &[], json!({ "error": "RecordNotFound" }));
    };
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        log.violations.push("a comment that is not JSON".into());
        return invalid(vendor, &[("body".into(), "is not valid JSON".into())]);
    };
    let mut problems: Vec<(String, String)> = Vec::new();
    let comment = match vendor {
        Vendor::Zendesk => {
            let comment = &request["ticket"]["comment"];
            let text = comment.get("body").or_else(|| comment.get("html_body")).and_then(Value::as_str);
            if text.is_none_or(|text| text.trim().is_empty()) {
                problems.push(("comment".into(), "body or html_body is required".into()));
            }
            let author = comment.get("author_id").and_then(Value::as_u64);
            if author != Some(zendesk_requester(log, &created)) {
                // Written as the integration's agent, Zendesk would mail the customer their own words.
                problems.push(("author_id".into(), "a customer's comment must be written as the requester".into()));
            }
            Comment {
                ticket: created.id.clone(),
                body: text.unwrap_or_default().to_owned(),
                public: comment.get("public").and_then(Value::as_bool).unwrap_or(true),
                author,
                by_agent: false,
                files: Vec::new(),
            }
        }
        Vendor::Freshdesk => {
            for field in
                request.as_object().map(|object| object.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
            {
                if !["body", "incoming", "notify_emails", "private", "user_id"].contains(&field.as_str()) {
                    problems.push((field, "Unexpected/invalid field in request".into()));
                }
            }
            let text = request.get("body").and_then(Value::as_str);
            if text.is_none_or(|text| text.trim().is_empty()) {
                problems.push(("body".into(), "It should be a/an String".into()));
            }
            for flag in ["private", "incoming"] {
                if !request.get(flag).is_none_or(Value::is_boolean) {
                    problems.push((flag.into(), "It should be a/an Boolean".into()));
                }
            }
            let html = text.unwrap_or_default();
            log.live_markup.extend(
                html.split('<')
                    .skip(1)
                    .map(|rest| rest.split('>').next().unwrap_or_default())
                    .filter(|tag| !["div", "/div", "br"].contains(tag))
                    .map(|tag| format!("<{tag}> in a note")),
            );
            Comment {
                ticket: created.id.clone(),
                body: html.to_owned(),
                // Freshdesk notes are private unless told otherwise.
                public: request.get("private").and_then(Value::as_bool) == Some(false),
                author: None,
                by_agent: false,
                files: Vec::new(),
            }
        }
        Vendor::Jsm => {
            let text = request.get("body").and_then(Value::as_str);
            if text.is_none_or(|text| text.trim().is_empty()) {
                problems.push(("body".into(), "Comment body is required".into()));
            }
            let wiki = text.unwrap_or_default();
            let outside: String = wiki.split("{noformat}").step_by(2).collect();
            if ['[', '!', '|'].iter().any(|token| outside.contains(*token)) {
                log.live_markup.push(format!("wiki markup outside {{noformat}} in a comment: {wiki:?}"));
            }
            Comment {
                ticket: created.id.clone(),
                body: wiki.to_owned(),
                public: request.get("public").and_then(Value::as_bool).unwrap_or(true),
                author: None,
                by_agent: false,
                files: Vec::new(),
            }
        }
    };
    if !problems.is_empty() {
        log.violations.extend(problems.iter().map(|(field, message)| format!("{vendor:?} comment {field}: {message}")));
        return invalid(vendor, &problems);
    }
    log.comments.push(comment.clone());
    // Zendesk reopens a solved ticket its requester comments on.
    if vendor == Vendor::Zendesk && log.statuses.get(&created.id).is_some_and(|status| status == "Solved") {
        log.statuses.insert(created.id.clone(), "Open".to_owned());
    }
    if log.weather == Some(Weather::LosesFirstAnswer) && log.answers_lost.insert(format!("comment on {}", created.id)) {
        return answer(StatusCode::BAD_GATEWAY, &[], json!({ "error": "Bad Gateway" }));
    }
    match vendor {
        Vendor::Zendesk => answer(
            StatusCode::OK,
            &[],
            json!({ "ticket": { "id": created.id.parse::<u64>().unwrap_or_default() }, "audit": { "events": [{ "type": "Comment", "body": comment.body, "public": comment.public }] } }),
        ),
        Vendor::Freshdesk => answer(
            StatusCode::CREATED,
            &[],
            json!({ "id": log.comments.len(), "body": comment.body, "private": !comment.public, "incoming": true, "ticket_id": created.id.parse::<u64>().unwrap_or_default() }),
        ),
        Vendor::Jsm => answer(
            StatusCode::CREATED,
            &[],
            json!({ "id": log.comments.len().to_string(), "body": comment.body, "public": comment.public }),
        ),
    }
}

/// What an agent does in the helpdesk, as its automation reports it to the worker.
#[derive(Debug, Clone)]
pub struct AgentAction<'a> {
    /// A public reply, or an internal note when `public` is false.
    pub reply: Option<&'a str>,
    pub public: bool,
    /// The ticket's status afterwards, in the vendor's own words (`Solved`, `Resolved`, …).
    pub status: &'a str,
    pub author: &'a str,
    /// Files on the reply or note: name and bytes.
    pub files: &'a [(&'a str, &'a [u8])],
}

impl HelpdeskSimulator {
    /// The report the helpdesk's automation sends the worker after `action` on ticket `ticket_id`,
    /// rendered from the template in `docs/helpdesk-events.md` and authenticated as the vendor does it:
    /// Zendesk's webhook signature with `secret`, or the shared secret header. Returns the worker's status.
    pub async fn report(&self, worker: &str, ticket_id: &str, action: &AgentAction<'_>, secret: &str) -> Result<u16> {
        let created = self
            .with_log(|log| created_ticket(log, ticket_id).cloned())
            .with_context(|| format!("the simulator made no ticket {ticket_id}"))?;
        // Each comment the agent writes has its own time and id; the same comment reported again has the same.
        let sequence = {
            let mut log = self.log.lock().expect("the simulator log is never poisoned");
            let text = action.reply.unwrap_or_default().to_owned();
            match log.agent_comments.iter().position(|known| *known == text) {
                Some(index) => index + 1,
                None => {
                    log.agent_comments.push(text);
                    log.agent_comments.len()
                }
            }
        };
        {
            let mut log = self.log.lock().expect("the simulator log is never poisoned");
            log.statuses.insert(created.id.clone(), action.status.to_owned());
            // What the agent wrote is on the ticket's thread, as the comment list shows it, once.
            if let Some(reply) = action.reply
                && !log
                    .comments
                    .iter()
                    .any(|comment| comment.by_agent && comment.ticket == created.id && comment.body == reply)
            {
                log.comments.push(Comment {
                    ticket: created.id.clone(),
                    body: reply.to_owned(),
                    public: action.public,
                    author: (self.vendor == Vendor::Zendesk).then_some(ZENDESK_AGENT),
                    by_agent: true,
                    files: action.files.iter().map(|(name, bytes)| (name.to_string(), bytes.to_vec())).collect(),
                });
            }
        }
        let comment = action.reply.unwrap_or_default();
        let client = reqwest::Client::new();
        let request = match self.vendor {
            Vendor::Zendesk => {
                // A trigger with "Comment is Public": an internal note fires nothing but the status.
                let public_comment = if action.public { comment } else { "" };
                let body = json!({
                    "ticket_id": created.id,
                    "external_id": created.request["ticket"]["external_id"],
                    "status": action.status,
                    "author": if public_comment.is_empty() { "" } else { action.author },
                    "created_at": edgedesk_protocol::time::format_time(1_796_000_000 + sequence as i64),
                    "comment": public_comment,
                })
                .to_string();
                let timestamp = edgedesk_protocol::time::format_time(crate::unix_now());
                let signature = edgedesk_tickets::signing::hmac_base64(
                    secret.as_bytes(),
                    &[timestamp.as_bytes(), body.as_bytes()].concat(),
                );
                client
                    .post(format!("{worker}/api/hooks/zendesk"))
                    .header("Content-Type", "application/json")
                    .header("X-Zendesk-Webhook-Signature", signature)
                    .header("X-Zendesk-Webhook-Signature-Timestamp", timestamp)
                    .body(body)
            }
            Vendor::Freshdesk => {
                let public_comment = if action.public { comment } else { "" };
                let body = json!({
                    "ticket_id": created.id,
                    "status": action.status,
                    "author": action.author,
                    "comment": public_comment,
                });
                client.post(format!("{worker}/api/hooks/freshdesk")).header("X-Edgedesk-Secret", secret).json(&body)
            }
            Vendor::Jsm => {
                let category = match action.status {
                    "Resolved" | "Closed" => "done",
                    _ => "indeterminate",
                };
                let body = json!({
                    "issue": created.id,
                    "status": action.status,
                    "status_category": category,
                    "comment_id": if comment.is_empty() { String::new() } else { (10_000 + sequence).to_string() },
                    "author": action.author,
                    "comment": comment,
                    "internal": (!action.public).to_string(),
                });
                client.post(format!("{worker}/api/hooks/jira")).header("X-Edgedesk-Secret", secret).json(&body)
            }
        };
        self.log
            .lock()
            .expect("the simulator log is never poisoned")
            .requests
            .push((format!("REPORT {:?}", self.vendor), 0));
        Ok(request.send().await?.status().as_u16())
    }

    /// The comments added to ticket `id` through the API.
    pub fn comments_on(&self, id: &str) -> Vec<Comment> {
        self.with_log(|log| {
            log.comments.iter().filter(|comment| comment.ticket == id && !comment.by_agent).cloned().collect()
        })
    }
}
