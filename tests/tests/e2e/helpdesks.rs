//! Zendesk, Freshdesk and Jira Service Management, each played by a simulator of its documented API
//! (`edgedesk_e2e::helpdesks`), each behind a worker of its own: tickets filed through an outage, lost
//! answers, a race between the sweep, an operator's replay and the queue's retry, a rate limit and a
//! worker crash reach the helpdesk exactly once, in the shape its API documents, with nothing the
//! customer typed live in the agent's view.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::helpdesks::{HelpdeskSimulator, Vendor, Weather};
use edgedesk_e2e::{Wrangler, eventually, free_port, unix_now};
use edgedesk_protocol::time::format_time;
use reqwest::Client;
use serde_json::{Value, json};

use crate::World;
use crate::tickets::{client_ip, signed_identity, ticket};

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
        let simulator = HelpdeskSimulator::start(vendor).await?;
        let admin_token = format!("desk-admin-token-{}", free_port()?);
        let identity_secret = format!("desk-identity-{}", free_port()?);
        let mut vars: Vec<(&str, String)> = vec![
            ("ADMIN_TOKEN", admin_token.clone()),
            ("ALLOW_CLOCK_OVERRIDE", "true".into()),
            ("IDENTITY_SECRET", identity_secret.clone()),
        ];
        vars.extend(simulator.settings());
        let vars: Vec<(&str, &str)> = vars.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let worker = Wrangler::start(&vars).await?;
        Ok(Self { simulator, worker, admin_token, identity_secret, client: Client::new() })
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
