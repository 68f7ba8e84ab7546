//! Zendesk, Freshdesk and Jira Service Management, each played by a simulator of its documented API
//! (`edgedesk_e2e::helpdesks`), each behind a worker of its own: tickets filed through an outage, lost
//! answers, a race between the sweep, an operator's replay and the queue's retry, a rate limit and a
//! worker crash reach the helpdesk exactly once, in the shape its API documents, with nothing the
//! customer typed live in the agent's view.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::helpdesks::{AgentAction, HelpdeskSimulator, Vendor, Weather};
use edgedesk_e2e::{HostSite, Wrangler, eventually, free_port, unix_now};
use edgedesk_protocol::time::format_time;
use fantoccini::Locator;
use reqwest::Client;
use serde_json::{Value, json};

use crate::World;
use crate::tickets::{client_ip, signed_identity, ticket};
use crate::widget::WidgetPage;

const WAIT: Duration = Duration::from_secs(90);

/// What a customer might paste to attack the agent's view: HTML for Freshdesk, wiki markup for JSM.
const HOSTILE: &str = "Export fails <img src=x onerror=alert(1)> [click here|javascript:alert(1)] \
                       !https://evil.test/pixel.png! {noformat}{html}<script>alert(2)</script>{html}";

struct Desk {
    simulator: HelpdeskSimulator,
    worker: Wrangler,
    admin_token: String,
    identity_secret: String,
    client: Client,
}

impl Desk {
    async fn start(vendor: Vendor) -> Result<Self> {
        Self::start_with(vendor, Vec::new()).await
    }

    /// A desk whose worker also has these settings (allowed origins, an automation's secret).
    async fn start_with(vendor: Vendor, settings: Vec<(&'static str, String)>) -> Result<Self> {
        let simulator = HelpdeskSimulator::start(vendor).await?;
        let admin_token = format!("desk-admin-token-{}", free_port()?);
        let identity_secret = format!("desk-identity-{}", free_port()?);
        let mut vars: Vec<(&str, String)> = vec![
            ("ADMIN_TOKEN", admin_token.clone()),
            ("ALLOW_CLOCK_OVERRIDE", "true".into()),
            ("IDENTITY_SECRET", identity_secret.clone()),
        ];
        vars.extend(settings);
        vars.extend(simulator.settings());
        let vars: Vec<(&str, &str)> = vars.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let worker = Wrangler::start(&vars).await?;
        Ok(Self { simulator, worker, admin_token, identity_secret, client: Client::new() })
    }

    /// `error` with the end of what this desk's worker logged, less the lines every start prints.
    fn with_log(&self, error: anyhow::Error) -> anyhow::Error {
        let log = self.worker.log();
        let noise = ["Request.cf", "getaddrinfo", "GetAddrInfo"];
        let lines: Vec<&str> = log
            .lines()
            .filter(|line| !line.trim().is_empty() && !noise.iter().any(|noise| line.contains(noise)))
            .collect();
        error.context(format!("this desk's worker said:\n{}", lines[lines.len().saturating_sub(60)..].join("\n")))
    }

    async fn file(&self, body: &Value) -> Result<String> {
        let answer = self
            .client
            .post(self.worker.url("/api/tickets"))
            .header("CF-Connecting-IP", client_ip())
            .json(body)
            .send()
            .await?;
        ensure!(answer.status() == 202, "filing answered {}", answer.status());
        let answer: Value = answer.json().await?;
        Ok(answer["number"].as_str().context("no number")?.to_owned())
    }

    /// The operator's view of every ticket, as `edgedesk tickets list --json` reads it.
    async fn tickets(&self) -> Result<Vec<Value>> {
        let answer: Value = self
            .client
            .get(self.worker.url("/api/admin/tickets?limit=50"))
            .bearer_auth(&self.admin_token)
            .send()
            .await?
            .json()
            .await?;
        Ok(answer["tickets"].as_array().with_context(|| format!("no tickets in {answer}"))?.clone())
    }

    async fn delivered(&self, numbers: &[String]) -> Result<Vec<Value>> {
        eventually("every ticket to be delivered", WAIT, || async {
            let tickets = self.tickets().await?;
            let mine: Vec<Value> =
                tickets.into_iter().filter(|t| numbers.iter().any(|n| t["number"] == n.as_str())).collect();
            let waiting: Vec<String> =
                mine.iter().filter(|t| t["delivery"] != "delivered").map(|t| t.to_string()).collect();
            ensure!(mine.len() == numbers.len() && waiting.is_empty(), "waiting: {waiting:?}");
            Ok(mine)
        })
        .await
    }

    /// The cron's sweep, run as if it were `hours` later.
    async fn sweep(&self, hours: i64) -> Result<Value> {
        let answer = self
            .client
            .post(self.worker.url("/api/admin/sweep"))
            .bearer_auth(&self.admin_token)
            .header("X-Edgedesk-Now", format_time(unix_now() + hours * 3600))
            .send()
            .await?;
        ensure!(answer.status() == 200, "the sweep answered {}", answer.status());
        Ok(answer.json().await?)
    }

    async fn replay(&self, number: &str) -> Result<u16> {
        let answer = self
            .client
            .post(self.worker.url(&format!("/api/admin/tickets/{number}/replay")))
            .bearer_auth(&self.admin_token)
            .send()
            .await?;
        Ok(answer.status().as_u16())
    }

    async fn seen(&self, what: &str, status: u16, at_least: usize) -> Result<()> {
        eventually(what, WAIT, || async {
            let seen = self.simulator.with_log(|log| log.requests.iter().filter(|(_, s)| *s == status).count());
            ensure!(seen >= at_least, "{seen} answers {status}");
            Ok(())
        })
        .await
    }

    async fn created(&self, numbers: &[String]) -> Result<()> {
        eventually("the helpdesk to create every ticket", WAIT, || async {
            let missing: Vec<&String> =
                numbers.iter().filter(|n| self.simulator.with_log(|log| log.tagged(n).is_empty())).collect();
            ensure!(missing.is_empty(), "not created yet: {missing:?}");
            Ok(())
        })
        .await
    }
}

pub async fn every_helpdesk_gets_each_ticket_exactly_once(_world: &World) -> Result<()> {
    for vendor in [Vendor::Zendesk, Vendor::Freshdesk, Vendor::Jsm] {
        exactly_once(vendor).await.with_context(|| format!("{vendor:?}"))?;
    }
    Ok(())
}

async fn exactly_once(vendor: Vendor) -> Result<()> {
    let desk = Desk::start(vendor).await?;
    let simulator = &desk.simulator;

    // An outage: every attempt is answered 503.
    simulator.set_weather(Weather::Down);
    let mut hostile = ticket("mallory@example.com", "Export <b>fails</b>");
    hostile["message"] = HOSTILE.into();
    let mut verified = ticket("someone-else@example.com", "Signed-in customer");
    verified["identity"] = signed_identity(
        &desk.identity_secret,
        json!({ "id": "cus-7", "email": "grace@acme.test", "tier": "priority" }),
    );
    let first = vec![desk.file(&hostile).await?, desk.file(&verified).await?];
    desk.seen("both tickets tried against the outage", 503, 2).await?;

    // Back, but the answer to each create is lost: the helpdesk has the ticket and the worker does not know.
    simulator.set_weather(Weather::LosesFirstAnswer);
    desk.created(&first).await?;
    // Then three senders at once: an operator replays, the cron sweeps, and the queue's own retry is due.
    let (replays, sweep) =
        futures::join!(futures::future::join_all(first.iter().map(|number| desk.replay(number))), desk.sweep(2));
    ensure!(replays.iter().all(|status| matches!(status, Ok(202 | 409))), "replays answered {replays:?}");
    sweep?;
    let mut delivered = desk.delivered(&first).await?;

    // A helpdesk that makes the ticket but answers later than the worker waits: the attempt is given up
    // as lost, and the retry finds the ticket by its lookup instead of making a second one.
    simulator.set_weather(Weather::Slow);
    let slow = vec![desk.file(&ticket("slow@example.com", "Answered too late")).await?];
    delivered.extend(desk.delivered(&slow).await?);

    // A rate limit, then the worker crashes; after the restart the sweep sends what was not confirmed.
    simulator.set_weather(Weather::RateLimited);
    let limited = vec![desk.file(&ticket("ratelimited@example.com", "During a rate limit")).await?];
    desk.seen("the rate limit to be met", 429, 1).await?;
    let mut desk = desk;
    desk.worker.crash_and_restart().await?;
    desk.simulator.set_weather(Weather::Fair);
    desk.sweep(2).await?;
    desk.delivered(&limited).await?;

    let simulator = &desk.simulator;
    let all: Vec<String> = first.iter().chain(&slow).chain(&limited).cloned().collect();
    for number in &all {
        let copies = simulator.with_log(|log| log.tagged(number).len());
        ensure!(copies == 1, "{number} was created {copies} times");
    }
    ensure!(
        simulator.with_log(|log| log.violations.clone()).is_empty(),
        "{:?}",
        simulator.with_log(|l| l.violations.clone())
    );
    ensure!(
        simulator.with_log(|log| log.live_markup.clone()).is_empty(),
        "{:?}",
        simulator.with_log(|l| l.live_markup.clone())
    );
    // The worker recorded the helpdesk's own id for each ticket.
    for ticket in &delivered {
        let number = ticket["number"].as_str().context("number")?;
        let id = simulator.with_log(|log| log.tagged(number)[0].id.clone());
        ensure!(ticket["backend_id"] == id.as_str(), "{number}: {ticket} against id {id}");
    }

    // The hostile text arrived as text, in the target's own format.
    let request = simulator.with_log(|log| log.tagged(&first[0])[0].request.clone());
    let text = match vendor {
        Vendor::Zendesk => request["ticket"]["comment"]["body"].clone(),
        Vendor::Freshdesk => request["description"].clone(),
        Vendor::Jsm => request["requestFieldValues"]["description"].clone(),
    };
    let text = text.as_str().context("description")?;
    let expected = match vendor {
        Vendor::Zendesk => HOSTILE.to_owned(),
        Vendor::Freshdesk => "Export fails &lt;img src=x onerror=alert(1)&gt;".to_owned(),
        Vendor::Jsm => "{noformat}\nExport fails <img src=x onerror=alert(1)>".to_owned(),
    };
    ensure!(text.contains(&expected), "{vendor:?} description: {text}");

    // The signed-in customer files as the identity's email, tagged verified and priority; the anonymous
    // one is tagged unverified. JSM raises nobody's request on their behalf (the simulator refuses emails there).
    let tags = |number: &str| simulator.with_log(|log| log.tagged(number)[0].tags.clone());
    let verified_tags = tags(&first[1]);
    for tag in ["edgedesk_verified", "edgedesk_priority", "customer_cus-7"] {
        ensure!(verified_tags.iter().any(|t| t == tag), "{tag} missing from {verified_tags:?}");
    }
    ensure!(tags(&first[0]).iter().any(|t| t == "edgedesk_unverified"), "{:?}", tags(&first[0]));
    let verified_request = simulator.with_log(|log| log.tagged(&first[1])[0].request.clone());
    let requester = match vendor {
        Vendor::Zendesk => verified_request["ticket"]["requester"]["email"].clone(),
        Vendor::Freshdesk => verified_request["email"].clone(),
        Vendor::Jsm => verified_request["raiseOnBehalfOf"].clone(),
    };
    let expected_requester = if vendor == Vendor::Jsm { Value::Null } else { json!("grace@acme.test") };
    ensure!(requester == expected_requester, "{vendor:?} requester {requester}");
    Ok(())
}

/// What each helpdesk's automation is configured with in the test: a secret of 32 characters.
fn hook_secret(vendor: Vendor) -> (&'static str, String) {
    let name = match vendor {
        Vendor::Zendesk => "ZENDESK_WEBHOOK_SECRET",
        Vendor::Freshdesk => "FRESHDESK_WEBHOOK_SECRET",
        Vendor::Jsm => "JIRA_WEBHOOK_SECRET",
    };
    (name, format!("{:?}-automation-secret-0123456789", vendor).to_ascii_lowercase())
}

pub async fn each_helpdesk_carries_the_conversation_exactly_once(_world: &World) -> Result<()> {
    for vendor in [Vendor::Zendesk, Vendor::Freshdesk, Vendor::Jsm] {
        conversation(vendor).await.with_context(|| format!("{vendor:?}"))?;
    }
    Ok(())
}

impl Desk {
    async fn post(&self, path: &str, body: &Value, headers: &[(&str, String)]) -> Result<(u16, Value, Option<String>)> {
        let mut request = self.client.post(self.worker.url(path)).header("CF-Connecting-IP", client_ip()).json(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let answer = request.send().await?;
        let status = answer.status().as_u16();
        let etag = answer.headers().get("ETag").and_then(|tag| tag.to_str().ok()).map(str::to_owned);
        let text = answer.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null), etag))
    }
}

async fn conversation(vendor: Vendor) -> Result<()> {
    let (secret_name, secret) = hook_secret(vendor);
    let desk = Desk::start_with(vendor, vec![(secret_name, secret.clone())]).await?;
    conversation_steps(vendor, &desk, &secret).await.map_err(|error| desk.with_log(error))
}

async fn conversation_steps(vendor: Vendor, desk: &Desk, secret: &str) -> Result<()> {
    let secret = secret.to_owned();
    // Filed, then delivered: the helpdesk's id is what its reports name.
    let (status, accepted, _) = desk.post("/api/tickets", &ticket("ada@example.com", "Export fails"), &[]).await?;
    ensure!(status == 202, "{accepted}");
    let number = accepted["number"].as_str().context("number")?.to_owned();
    let token = accepted["view_token"].as_str().context("view token")?.to_owned();
    let delivered = desk.delivered(std::slice::from_ref(&number)).await?;
    let helpdesk_id = delivered[0]["backend_id"].as_str().context("backend id")?.to_owned();
    let lookup = json!({ "token": token });
    let followed = json!({ "tickets": [{ "number": number, "token": token }] });

    let (status, unread, etag) = desk.post("/api/tickets/unread", &followed, &[]).await?;
    ensure!(status == 200 && unread["count"] == 0, "{status} {unread}");
    let etag = etag.context("the unread answer has an ETag")?;

    // The agent answers in public, and adds an internal note; the automation reports both, the public
    // reply twice (an automation retrying), and nobody without the secret is heard.
    let public = AgentAction {
        reply: Some("Please try the export again now."),
        public: true,
        status: "Pending",
        author: "Ana",
        files: &[("steps.png", &crate::form::PNG)],
    };
    let note = AgentAction {
        reply: Some("internal: customer is on the old plan"),
        public: false,
        status: "Pending",
        author: "Ana",
        files: &[("plan.png", &crate::form::PNG)],
    };
    let url = desk.worker.url("");
    let url = url.trim_end_matches('/');
    ensure!(desk.simulator.report(url, &helpdesk_id, &public, &secret).await? == 204, "the public reply");
    let again = desk.simulator.report(url, &helpdesk_id, &public, &secret).await?;
    ensure!(matches!(again, 204 | 401), "a repeated report answered {again}");
    ensure!(desk.simulator.report(url, &helpdesk_id, &note, &secret).await? == 204, "the internal note");
    let forged = desk.simulator.report(url, &helpdesk_id, &public, "not-the-automation-secret-0123456789").await?;
    ensure!(forged == 401, "a forged report answered {forged}");
    let unknown = desk.simulator.report(url, "999999", &public, &secret).await;
    ensure!(unknown.is_err(), "the simulator only reports its own tickets");

    // The badge's question: one unread reply; the ETag changed, then holds.
    let (status, unread, new_etag) =
        desk.post("/api/tickets/unread", &followed, &[("If-None-Match", etag.clone())]).await?;
    ensure!(status == 200 && unread["count"] == 1, "{status} {unread}");
    let new_etag = new_etag.context("ETag")?;
    ensure!(new_etag != etag, "the ETag follows the count");
    let (status, _, _) = desk.post("/api/tickets/unread", &followed, &[("If-None-Match", new_etag.clone())]).await?;
    ensure!(status == 304, "an unchanged count answers {status}");
    let stranger = json!({ "tickets": [{ "number": number, "token": "AAAA-BBBB-CCCC-DDDD" }] });
    let (status, unread, _) = desk.post("/api/tickets/unread", &stranger, &[]).await?;
    ensure!(status == 200 && unread["count"] == 0, "another token counts nothing: {unread}");

    // The thread: the first message, the public reply (new) with its file, taken from the helpdesk; no
    // internal note, nor its file. Opening it reads it.
    let view = eventually("the agent's file taken from the helpdesk", WAIT, || async {
        let (status, view, _) = desk.post(&format!("/api/tickets/{number}/view"), &lookup, &[]).await?;
        ensure!(status == 200, "{view}");
        ensure!(view["messages"][1]["attachments"][0]["name"] == "steps.png", "{view}");
        Ok(view)
    })
    .await?;
    let file = &view["messages"][1]["attachments"][0];
    ensure!(file["bytes"] == crate::form::PNG.len(), "{file}");
    let link = file["url"].as_str().context("the file's link")?;
    let downloaded = desk.client.get(link).send().await?;
    ensure!(downloaded.status() == 200, "the file's link answered {}", downloaded.status());
    ensure!(downloaded.headers()["content-disposition"] == "attachment", "opened as a download");
    ensure!(downloaded.bytes().await?.as_ref() == crate::form::PNG.as_slice(), "the file is the agent's");
    ensure!(!view.to_string().contains("plan.png"), "an internal note's file reached the customer: {view}");
    let forged = link.replace("signature=", "signature=00");
    ensure!(desk.client.get(&forged).send().await?.status() == 403, "a forged link opens nothing");
    let messages = view["messages"].as_array().context("messages")?;
    ensure!(messages.len() == 2, "{messages:?}");
    ensure!(messages[0]["author"] == "customer" && messages[1]["author"] == "agent", "{messages:?}");
    ensure!(messages[1]["name"] == "Ana" && messages[1]["unread"] == true, "{:?}", messages[1]);
    ensure!(!view.to_string().contains("internal:"), "an internal note reached the customer: {view}");
    ensure!(view["status"] == "pending" && view["can_reply"] == true, "{view}");
    let (_, unread, _) = desk.post("/api/tickets/unread", &followed, &[]).await?;
    ensure!(unread["count"] == 1, "looked at, not yet read: {unread}");
    let (status, _, _) =
        desk.post(&format!("/api/tickets/{number}/read"), &json!({ "token": "AAAA-BBBB-CCCC-DDDD" }), &[]).await?;
    ensure!(status == 404, "someone else marks nothing read: {status}");
    // Read through a message: replies after it (here, as if it came while the thread was open) stay new.
    let through_first = json!({ "token": token, "through": messages[0]["id"] });
    let (status, _, _) = desk.post(&format!("/api/tickets/{number}/read"), &through_first, &[]).await?;
    ensure!(status == 204, "read answered {status}");
    let (_, unread, _) = desk.post("/api/tickets/unread", &followed, &[]).await?;
    ensure!(unread["count"] == 1, "a reply after the last one shown is still new: {unread}");
    let through_reply = json!({ "token": token, "through": messages[1]["id"] });
    let (status, _, _) = desk.post(&format!("/api/tickets/{number}/read"), &through_reply, &[]).await?;
    ensure!(status == 204, "read answered {status}");
    let (_, unread, _) = desk.post("/api/tickets/unread", &followed, &[]).await?;
    ensure!(unread["count"] == 0, "opened, so read: {unread}");
    let (status, refused, _) =
        desk.post(&format!("/api/tickets/{number}/read"), &json!({ "token": token, "through": "all" }), &[]).await?;
    ensure!(status == 400, "a `through` that is no id answered {status} {refused}");

    // The customer answers while the helpdesk is down; the retry of the same request stores nothing new.
    desk.simulator.set_weather(Weather::Down);
    let key = format!("reply-{number}-0001");
    let reply = json!({ "token": token, "body": "Still failing <img src=x onerror=alert(1)> {noformat}[x|javascript:alert(1)]" });
    let (status, first, _) =
        desk.post(&format!("/api/tickets/{number}/replies"), &reply, &[("Idempotency-Key", key.clone())]).await?;
    ensure!(status == 202 && first["message"]["delivered"] == false, "{status} {first}");
    let (status, retried, _) =
        desk.post(&format!("/api/tickets/{number}/replies"), &reply, &[("Idempotency-Key", key.clone())]).await?;
    ensure!(status == 202 && retried["message"]["id"] == first["message"]["id"], "{retried} against {first}");
    let second = json!({ "token": token, "body": "And the CSV is empty too." });
    let (status, _, _) = desk.post(&format!("/api/tickets/{number}/replies"), &second, &[]).await?;
    ensure!(status == 202, "the second reply answered {status}");
    desk.seen("a reply tried against the outage", 503, 1).await?;

    // Back: the sweep (the lease long over) sends both, once each and in order.
    desk.simulator.set_weather(Weather::Fair);
    eventually("both replies at the helpdesk", WAIT, || async {
        desk.sweep(1).await?;
        let comments = desk.simulator.comments_on(&helpdesk_id);
        ensure!(comments.len() >= 2, "{comments:?}");
        Ok(())
    })
    .await?;
    let comments = desk.simulator.comments_on(&helpdesk_id);
    ensure!(comments.len() == 2, "each reply once: {comments:?}");
    ensure!(comments[0].body.contains("Still failing") && comments[1].body.contains("CSV is empty"), "{comments:?}");
    ensure!(comments.iter().all(|comment| comment.public), "{comments:?}");
    let (_, view, _) = desk.post(&format!("/api/tickets/{number}/view"), &lookup, &[]).await?;
    let messages = view["messages"].as_array().context("messages")?;
    ensure!(messages.len() == 4 && messages.iter().all(|m| m["delivered"] == true), "{messages:?}");

    // The helpdesk adds a reply and its answer is lost; its thread now spans pages (one comment a page):
    // the retry reads them all, finds the reply and sends nothing more.
    desk.simulator.set_comments_per_page(1);
    desk.simulator.set_weather(Weather::LosesFirstAnswer);
    let third = json!({ "token": token, "body": "Here is the file it made." });
    let (status, _, _) = desk.post(&format!("/api/tickets/{number}/replies"), &third, &[]).await?;
    ensure!(status == 202, "the third reply answered {status}");
    eventually("the third reply delivered", WAIT, || async {
        desk.sweep(1).await?;
        let (_, view, _) = desk.post(&format!("/api/tickets/{number}/view"), &lookup, &[]).await?;
        let messages = view["messages"].as_array().context("messages")?;
        ensure!(messages.len() == 5 && messages.iter().all(|m| m["delivered"] == true), "{messages:?}");
        Ok(())
    })
    .await?;
    let comments = desk.simulator.comments_on(&helpdesk_id);
    ensure!(
        comments.len() == 3 && comments[2].body.contains("the file it made"),
        "once, after a lost answer: {comments:?}"
    );
    let pages_read = desk.simulator.with_log(|log| {
        log.requests.iter().filter(|(request, status)| request.starts_with("GET comments") && *status == 200).count()
    });
    ensure!(pages_read >= 3, "the lookup read {pages_read} pages of a thread of three or more");
    desk.simulator.set_weather(Weather::Fair);

    // Solved: rated once, with a comment; a reply in the window reopens it, and once closed nothing more.
    let solved = match vendor {
        Vendor::Zendesk => "Solved",
        Vendor::Freshdesk | Vendor::Jsm => "Resolved",
    };
    let solve = AgentAction {
        reply: Some("Fixed in today's release."),
        public: true,
        status: solved,
        author: "Ana",
        files: &[],
    };
    ensure!(desk.simulator.report(url, &helpdesk_id, &solve, &secret).await? == 204, "solved");
    let (_, view, _) = desk.post(&format!("/api/tickets/{number}/view"), &lookup, &[]).await?;
    ensure!(view["status"] == "solved" && view["can_rate"] == true && view["reply_until"].is_string(), "{view}");
    let rating = json!({ "token": token, "rating": "good", "comment": "Quick and clear." });
    let (status, _, _) = desk.post(&format!("/api/tickets/{number}/rating"), &rating, &[]).await?;
    ensure!(status == 204, "rating answered {status}");
    let (status, _, _) = desk.post(&format!("/api/tickets/{number}/rating"), &rating, &[]).await?;
    ensure!(status == 409, "a second rating answered {status}");
    // Sent twice at once with one key, as a widget retrying over a flaky network may: one reply, one
    // reopening.
    let thanks = json!({ "token": token, "body": "One more question." });
    let replies = format!("/api/tickets/{number}/replies");
    let key = [("Idempotency-Key", format!("reopen-{number}"))];
    let (first, second) = tokio::join!(desk.post(&replies, &thanks, &key), desk.post(&replies, &thanks, &key));
    let ((status, reopened, _), (again, retried, _)) = (first?, second?);
    ensure!(status == 202 && reopened["status"] == "open", "{reopened}");
    ensure!(again == 202 && retried["message"]["id"] == reopened["message"]["id"], "{retried} against {reopened}");
    let (_, view, _) = desk.post(&format!("/api/tickets/{number}/view"), &lookup, &[]).await?;
    let reopenings = view["events"]
        .as_array()
        .context("events")?
        .iter()
        .filter(|event| event["message"] == "Reopened by your reply")
        .count();
    ensure!(reopenings == 1, "reopened {reopenings} times: {view}");
    // Reopened at the helpdesk too: by the comment itself (Zendesk), by a ticket update (Freshdesk), by
    // the workflow's reopen transition (JSM).
    eventually("the reopening reply at the helpdesk, and the ticket open there", WAIT, || async {
        let comments = desk.simulator.comments_on(&helpdesk_id);
        ensure!(comments.len() >= 4, "{comments:?}");
        let status = desk.simulator.with_log(|log| log.statuses.get(&helpdesk_id).cloned());
        ensure!(status.as_deref() == Some("Open"), "the helpdesk's ticket is {status:?}");
        Ok(())
    })
    .await?;
    let close = AgentAction { reply: None, public: true, status: "Closed", author: "Ana", files: &[] };
    ensure!(desk.simulator.report(url, &helpdesk_id, &close, &secret).await? == 204, "closed");
    let (status, refused, _) = desk.post(&format!("/api/tickets/{number}/replies"), &thanks, &[]).await?;
    ensure!(status == 409 && refused["error"]["code"] == "ticket_closed", "{refused}");
    ensure!(refused["error"]["message"].as_str().unwrap_or_default().contains(&number), "{refused}");

    // Nobody else's, nothing too long, nothing unknown: each a clear 4xx that stores nothing.
    let (status, _, _) = desk
        .post(&format!("/api/tickets/{number}/replies"), &json!({ "token": "AAAA-BBBB-CCCC-DDDD", "body": "hi" }), &[])
        .await?;
    ensure!(status == 404, "someone else's ticket answered {status}");
    let (status, _, _) = desk.post("/api/tickets/ED-0000-0000/replies", &thanks, &[]).await?;
    ensure!(status == 404, "an unknown ticket answered {status}");
    let long = json!({ "token": token, "body": "x".repeat(20_001) });
    let (status, error, _) = desk.post(&format!("/api/tickets/{number}/replies"), &long, &[]).await?;
    ensure!(status == 400 && error["error"]["field"] == "body", "{error}");
    let (status, error, _) =
        desk.post(&format!("/api/tickets/{number}/replies"), &json!({ "token": token, "text": "hi" }), &[]).await?;
    ensure!(status == 400 && error["error"]["field"] == "text", "{error}");
    let hook = match vendor {
        Vendor::Zendesk => "zendesk",
        Vendor::Freshdesk => "freshdesk",
        Vendor::Jsm => "jira",
    };
    let (status, _, _) = desk
        .post(&format!("/api/hooks/{hook}"), &json!({ "colour": "red" }), &[("X-Edgedesk-Secret", secret.clone())])
        .await?;
    ensure!(matches!(status, 400 | 401), "a report in the wrong shape answered {status}");

    let comments = desk.simulator.comments_on(&helpdesk_id);
    ensure!(comments.len() == 4 && comments[3].body.contains("One more question"), "each reply once: {comments:?}");
    let violations = desk.simulator.with_log(|log| log.violations.clone());
    ensure!(violations.is_empty(), "{violations:?}");
    let live = desk.simulator.with_log(|log| log.live_markup.clone());
    ensure!(live.is_empty(), "{live:?}");
    let (_, view, _) = desk.post(&format!("/api/tickets/{number}/view"), &lookup, &[]).await?;
    let agent_replies =
        view["messages"].as_array().context("messages")?.iter().filter(|m| m["author"] == "agent").count();
    ensure!(agent_replies == 2, "the public reply and the solving one, each once: {view}");
    ensure!(view["status"] == "closed" && view["can_reply"] == false, "{view}");

    // The support lead's report times the answer and the resolution, against the promised reply time.
    let report: Value = desk
        .client
        .get(desk.worker.url("/api/admin/insights"))
        .bearer_auth(&desk.admin_token)
        .send()
        .await?
        .json()
        .await?;
    let responsiveness = &report["responsiveness"];
    ensure!(
        responsiveness["answered"] == 1 && responsiveness["resolved"] == 1 && responsiveness["within_promise"] == 1,
        "{responsiveness}"
    );
    ensure!(responsiveness["by_topic"][0]["median_first_response_seconds"].is_number(), "{responsiveness}");
    Ok(())
}

/// A customer and an agent answer each other in the widget, with each helpdesk: on a host page from another
/// origin that loads the widget only on intent, the badge comes from the loader alone.
pub async fn customers_and_agents_answer_each_other_in_the_widget(world: &World) -> Result<()> {
    let axe = crate::accessibility::axe_source()?;
    for vendor in [Vendor::Zendesk, Vendor::Freshdesk, Vendor::Jsm] {
        in_the_widget(world, vendor, &axe).await.with_context(|| format!("{vendor:?}"))?;
    }
    Ok(())
}

async fn in_the_widget(world: &World, vendor: Vendor, axe: &str) -> Result<()> {
    let (secret_name, secret) = hook_secret(vendor);
    let host_port = free_port()?;
    let settings = vec![("ALLOWED_ORIGINS", format!("http://127.0.0.1:{host_port}")), (secret_name, secret.clone())];
    let desk = Desk::start_with(vendor, settings).await?;
    // The page hears the loader's `unread` events through the queue snippet the README gives.
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host app</title>
<script>
  window.pageErrors = []; window.unreadCounts = [];
  addEventListener("error", function (e) {{ pageErrors.push(String(e.message || e)); }});
  window.edgedesk = function () {{ (edgedesk.q = edgedesk.q || []).push(arguments); }};
  edgedesk("on", "unread", function (detail) {{ unreadCounts.push(detail.count); }});
</script></head>
<body><h1 id="host-title">Host app</h1>
<script src="{worker}/embed.js" async data-api="{worker}" data-locale="en" data-load="intent" data-status-poll="2"></script>
</body></html>"#,
        worker = desk.worker.base_url
    );
    let dark = page.replace(r#"data-load="intent""#, r#"data-load="intent" data-theme="dark""#);
    let framed = page.replace(r#"data-load="intent""#, r#"data-mode="frame""#);
    let host = HostSite::serve_pages(host_port, page, vec![("/dark", dark.into()), ("/frame", framed.into())]).await?;
    widget_steps(world, &desk, &host.base_url, &secret, axe).await.map_err(|error| desk.with_log(error))
}

async fn widget_steps(world: &World, desk: &Desk, host: &str, secret: &str, axe: &str) -> Result<()> {
    let browser = world.chromedriver.new_browser().await?;
    browser.client.goto(host).await?;
    let widget = WidgetPage::find(&browser.client).await?;
    widget.open().await?;
    widget.element("button.contact").await?.click().await?;
    widget.file_ticket("Grace Hopper", "grace@example.com", "Export stops", "The CSV export stops at 99 %.").await?;
    let number = widget.ticket_number().await?;
    let delivered = desk.delivered(std::slice::from_ref(&number)).await?;
    let helpdesk_id = delivered[0]["backend_id"].as_str().context("backend id")?.to_owned();

    // The agent asks for a screenshot, and writes an internal note the customer must never see.
    let worker = desk.worker.url("");
    let worker = worker.trim_end_matches('/');
    // What an agent writes is shown as text, whatever it holds.
    let ask = AgentAction {
        reply: Some("Could you send a screenshot of the export page? <img src=x onerror=\"window.pwned=1\">"),
        public: true,
        status: "Pending",
        author: "Ana <b onmouseover=\"window.pwned=2\">",
        files: &[("export-settings.png", &crate::form::PNG)],
    };
    let note = AgentAction {
        reply: Some("internal: check the export worker"),
        public: false,
        status: "Pending",
        author: "Ana",
        files: &[],
    };
    ensure!(desk.simulator.report(worker, &helpdesk_id, &ask, secret).await? == 204, "the agent's reply");
    ensure!(desk.simulator.report(worker, &helpdesk_id, &note, secret).await? == 204, "the internal note");
    eventually("the agent's file taken from the helpdesk", WAIT, || async {
        let rows = desk.worker.d1(&format!(
            "SELECT attachments FROM messages WHERE number = '{number}' AND author = 'agent' AND attachments != '[]'"
        ))?;
        ensure!(rows.len() == 1, "{rows:?}");
        Ok(())
    })
    .await?;

    // Another page load: the loader alone shows the badge, says the count, and tells the page.
    browser.client.goto(host).await?;
    let widget = WidgetPage::find(&browser.client).await?;
    eventually("the badge", WAIT, || async {
        let badge = widget.root.find(Locator::Css(".badge")).await?;
        ensure!(badge.is_displayed().await? && badge.text().await? == "1", "the badge shows {:?}", badge.text().await?);
        Ok(())
    })
    .await?;
    let label = widget.element(".launcher").await?.attr("aria-label").await?.unwrap_or_default();
    ensure!(label.contains("new replies: 1"), "the launcher is named {label:?}");
    let wasm: Vec<String> = widget.fetched_urls().await?.into_iter().filter(|url| url.ends_with(".wasm")).collect();
    ensure!(wasm.is_empty(), "the badge needed the widget: {wasm:?}");
    let counts = browser.client.execute("return window.unreadCounts;", vec![]).await?;
    ensure!(counts == json!([1]), "the page heard {counts}");

    // Frame mode: the frame, on the worker's origin, asks for the tickets it remembers there, and the host
    // page's launcher shows its count.
    let remembered = browser.client.execute("return localStorage.getItem('edgedesk-tickets');", vec![]).await?;
    browser.client.goto(&desk.worker.url("/")).await?;
    browser.client.execute("localStorage.setItem('edgedesk-tickets', arguments[0]);", vec![remembered]).await?;
    browser.client.goto(&format!("{host}/frame")).await?;
    let framed = WidgetPage::find(&browser.client).await?;
    eventually("the badge in frame mode", WAIT, || async {
        let badge = framed.root.find(Locator::Css(".badge")).await?;
        ensure!(badge.is_displayed().await? && badge.text().await? == "1", "the badge shows {:?}", badge.text().await?);
        Ok(())
    })
    .await?;
    let counts = browser.client.execute("return window.unreadCounts;", vec![]).await?;
    ensure!(counts == json!([1]), "the framed page heard {counts}");
    browser.client.goto(host).await?;
    let widget = WidgetPage::find(&browser.client).await?;

    // The thread: the reply with its author, no internal note; reading it takes the badge away.
    widget.open().await?;
    widget.element("button.my-tickets").await?.click().await?;
    let card = format!(".my-ticket[data-number='{number}']");
    widget.text_of(&format!("{card} .ticket-unread"), "1 new reply").await?;
    widget.element(&format!("{card} .open-conversation")).await?.click().await?;
    widget.text_of(".conversation .from-agent .message-body", "screenshot of the export page").await?;
    widget.text_of(".conversation .from-agent .message-head", "Ana <b onmouseover").await?;
    widget.text_of(".conversation .from-agent .message-body", "<img src=x onerror").await?;
    widget.text_of(".conversation .from-customer .message-body", "stops at 99").await?;
    // The agent's file, through the worker's own short-lived link.
    let file = widget.element(".conversation .from-agent .message-files a").await?;
    ensure!(file.text().await? == "export-settings.png", "the file is named {:?}", file.text().await?);
    let href = file.attr("href").await?.context("the file's link")?;
    ensure!(href.starts_with(&desk.worker.url("/api/attachments/")), "the file opens from {href}");
    let opened = desk.client.get(&href).send().await?.bytes().await?;
    ensure!(opened.as_ref() == crate::form::PNG.as_slice(), "the link opens another file");
    let shown = widget.element(".conversation-screen").await?.text().await?;
    ensure!(!shown.contains("internal:"), "an internal note reached the customer: {shown}");
    crate::accessibility::audit(&widget, axe, "conversation").await?;
    eventually("the badge to go once the reply is read", WAIT, || async {
        let badge = widget.root.find(Locator::Css(".badge")).await?;
        let counts = browser.client.execute("return window.unreadCounts;", vec![]).await?;
        ensure!(!badge.is_displayed().await? && counts == json!([1, 0]), "counts heard: {counts}");
        Ok(())
    })
    .await?;

    // The customer answers with a screenshot; it reaches the helpdesk once, as a comment.
    let files = tempfile::Builder::new().prefix("edgedesk-reply-").tempdir()?;
    let screenshot = files.path().join("export.png");
    std::fs::write(&screenshot, crate::form::PNG)?;
    widget.fill("#edgedesk-reply", "Here it is.").await?;
    widget.element("#edgedesk-reply-files").await?.send_keys(&screenshot.display().to_string()).await?;
    widget.text_of(".reply .message-files li", "export.png").await?;
    eventually("the screenshot to upload", WAIT, || async {
        let listed = widget.element(".reply .message-files li").await?.text().await?;
        ensure!(listed == "export.png", "listed as {listed:?}");
        Ok(())
    })
    .await?;
    widget.element(".reply button[type=submit]").await?.click().await?;
    widget.text_of(".conversation .from-customer:last-child .message-body", "Here it is.").await?;
    widget.text_of(".conversation .from-customer:last-child .message-files", "export.png").await?;
    let helpdesk_id = helpdesk_id.as_str();
    let arrived = |count: usize| {
        eventually("the replies at the helpdesk", WAIT, move || async move {
            desk.sweep(1).await?;
            let comments = desk.simulator.comments_on(helpdesk_id);
            ensure!(comments.len() >= count, "{comments:?}");
            Ok(comments)
        })
    };
    let comments = arrived(1).await?;
    ensure!(comments[0].body.contains("Here it is.") && comments[0].body.contains("export.png"), "{comments:?}");

    // The helpdesk is down while the customer answers again: kept, then sent once it is back.
    desk.simulator.set_weather(Weather::Down);
    widget.fill("#edgedesk-reply", "The PDF export fails too.").await?;
    widget.element(".reply button[type=submit]").await?.click().await?;
    widget.text_of(".conversation .from-customer:last-child .message-body", "PDF export").await?;
    desk.seen("the reply tried against the outage", 503, 1).await?;
    desk.simulator.set_weather(Weather::Fair);
    let comments = arrived(2).await?;
    ensure!(comments.len() == 2 && comments[1].body.contains("PDF export"), "each reply once: {comments:?}");

    // Solved: the customer rates the answer, with a word.
    let solved = if desk.simulator.vendor == Vendor::Zendesk { "Solved" } else { "Resolved" };
    let solve = AgentAction {
        reply: Some("Both exports work again."),
        public: true,
        status: solved,
        author: "Ana",
        files: &[],
    };
    ensure!(desk.simulator.report(worker, helpdesk_id, &solve, secret).await? == 204, "solved");
    // Back at the top of a long conversation, where the panel's header leaves it (scroll-margin).
    let back = widget.element(".conversation-screen button.back").await?;
    browser.client.execute("arguments[0].scrollIntoView();", vec![serde_json::to_value(&back)?]).await?;
    back.click().await?;
    widget.element(&format!("{card} .open-conversation")).await?.click().await?;
    widget.text_of(".conversation-screen .ticket-status", "Solved").await?;
    widget.fill("#edgedesk-rating-comment", "Fast, thank you.").await?;
    widget.element(".conversation-screen .rate-good").await?.click().await?;
    widget.text_of(".conversation-screen .rating-thanks", "Thanks").await?;
    let rows = desk.worker.d1(&format!("SELECT rating, rating_comment FROM tickets WHERE number = '{number}'"))?;
    ensure!(rows[0]["rating"] == "good" && rows[0]["rating_comment"] == "Fast, thank you.", "{rows:?}");

    // The thread in the dark theme, for axe.
    browser.client.goto(&format!("{host}/dark")).await?;
    let widget = WidgetPage::find(&browser.client).await?;
    widget.open().await?;
    widget.element("button.my-tickets").await?.click().await?;
    widget.element(&format!("{card} .open-conversation")).await?.click().await?;
    widget.text_of(".conversation .from-agent .message-body", "Both exports work").await?;
    crate::accessibility::audit(&widget, axe, "dark, conversation").await?;

    let errors = browser.client.execute("return window.pageErrors;", vec![]).await?;
    ensure!(errors == json!([]), "the host page saw errors: {errors}");
    let pwned = browser.client.execute("return window.pwned === undefined;", vec![]).await?;
    ensure!(pwned == json!(true), "an agent's text ran as script");
    let violations = desk.simulator.with_log(|log| log.violations.clone());
    ensure!(violations.is_empty(), "{violations:?}");
    browser.close().await
}
