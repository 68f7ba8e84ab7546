//! Chaos: while a customer keeps filing tickets, and answering them in their conversations, the helpdesk
//! is killed and restarted, and so is the worker itself (workerd with its queue consumer, SIGKILL, twice).
//! Afterwards every ticket the customer was given a number for, and every reply the widget was told was
//! received, exists exactly once at the helpdesk, each ticket's replies in the order written, and
//! nothing else does.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use edgedesk_e2e::{Helpdesk, HelpdeskMode, Wrangler, eventually, free_port, unix_now};
use serde_json::{Value, json};

use crate::World;

/// Acknowledged tickets: idempotency key → (ticket number, view token).
type Acknowledged = Arc<Mutex<BTreeMap<String, (String, String)>>>;
/// Acknowledged replies: idempotency key → (ticket number, the reply's message id).
type Replied = Arc<Mutex<BTreeMap<String, (String, i64)>>>;

/// A customer filing tickets one after another, each retried with its own idempotency key until the
/// worker acknowledges it, as the widget does; whatever happens to the worker meanwhile.
async fn keep_filing(base: String, acknowledged: Acknowledged, stop: Arc<AtomicBool>) -> Result<usize> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut filed = 0;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("chaos-ticket-key-{filed:06}");
        let body = json!({ "name": "Chaos Monkey", "email": format!("chaos{filed}@example.com"),
                           "subject": format!("Chaos ticket {filed}"), "message": "Filed while things break." });
        let answer = until_acknowledged_post(&client, &format!("{base}/api/tickets"), &key, filed, "10.99", &body)
            .await
            .with_context(|| format!("ticket {filed}"))?;
        let number = answer["number"].as_str().context("a number")?.to_owned();
        let token = answer["view_token"].as_str().context("a view token")?.to_owned();
        acknowledged.lock().expect("never poisoned").insert(key.clone(), (number, token));
        filed += 1;
    }
    Ok(filed)
}

/// Posts `body` to `url` with idempotency key `key` until the worker acknowledges it (202 with its whole
/// answer), as the widget does whatever happens to the worker meanwhile; the answer. Request `sequence`
/// comes from its own address in `network` (x.y), so that no rate limit is what the test measures.
async fn until_acknowledged_post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    sequence: usize,
    network: &str,
    body: &Value,
) -> Result<Value> {
    let started = Instant::now();
    loop {
        let sent = client
            .post(url)
            .header("Idempotency-Key", key)
            .header("CF-Connecting-IP", format!("{network}.{}.{}", sequence / 200, sequence % 200))
            .json(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == 202 => {
                // A crash can cut the answer off mid-body: the customer never saw it, so the widget tries
                // again with the same key, as here.
                if let Ok(answer) = response.json::<Value>().await {
                    return Ok(answer);
                }
            }
            Ok(response) if !response.status().is_server_error() => {
                bail!("refused: {} {}", response.status(), response.text().await?)
            }
            // The worker is down or restarting: try again, with the same key.
            _ if started.elapsed() > Duration::from_secs(120) => bail!("never got through"),
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The same customer answering in the conversations: two replies to each ticket as soon as it has a
/// number, each retried with its own idempotency key until acknowledged, as the widget does.
async fn keep_replying(
    base: String,
    acknowledged: Acknowledged,
    replied: Replied,
    stop: Arc<AtomicBool>,
) -> Result<usize> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut written = 0;
    // Both replies of a ticket once started, so that order within a ticket is always tested.
    while !stop.load(Ordering::Relaxed) || written % 2 == 1 {
        let ticket_key = format!("chaos-ticket-key-{:06}", written / 2);
        let Some((number, token)) = acknowledged.lock().expect("never poisoned").get(&ticket_key).cloned() else {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let key = format!("chaos-reply-key-{written:06}");
        let body = json!({ "token": token, "body": format!("Chaos reply {written}: still broken.") });
        let url = format!("{base}/api/tickets/{number}/replies");
        let answer = until_acknowledged_post(&client, &url, &key, written, "10.98", &body)
            .await
            .with_context(|| format!("reply {written}"))?;
        let id = answer["message"]["id"].as_i64().context("the reply's id")?;
        replied.lock().expect("never poisoned").insert(key.clone(), (number.clone(), id));
        written += 1;
    }
    Ok(written)
}

async fn until_acknowledged(acknowledged: &Acknowledged, count: usize) -> Result<()> {
    eventually(&format!("{count} acknowledged tickets"), Duration::from_secs(120), || async {
        let now = acknowledged.lock().expect("never poisoned").len();
        ensure!(now >= count, "{now} so far");
        Ok(())
    })
    .await
}

pub async fn acknowledged_tickets_survive_crashes_exactly_once(_world: &World) -> Result<()> {
    let mut helpdesk = Helpdesk::start(&format!("chaos-secret-{}", free_port()?)).await?;
    let admin_token = format!("chaos-admin-token-{}", free_port()?);
    let mut worker = Wrangler::start(&[
        ("ALLOWED_ORIGINS", "*"),
        ("ADMIN_TOKEN", &admin_token),
        ("ALLOW_CLOCK_OVERRIDE", "true"),
        ("DELIVERY_BACKEND", "webhook"),
        ("DELIVERY_URL", &helpdesk.url),
        ("WEBHOOK_SECRET", &helpdesk.secret),
    ])
    .await?;
    let acknowledged: Acknowledged = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let customer = tokio::spawn(keep_filing(worker.base_url.clone(), Arc::clone(&acknowledged), Arc::clone(&stop)));
    let replied: Replied = Default::default();
    let replier = tokio::spawn(keep_replying(
        worker.base_url.clone(),
        Arc::clone(&acknowledged),
        Arc::clone(&replied),
        Arc::clone(&stop),
    ));

    // When tickets stop being acknowledged, say what the customer and the worker last saw.
    macro_rules! until {
        ($count:expr) => {
            if let Err(error) = until_acknowledged(&acknowledged, $count).await {
                let customer =
                    if customer.is_finished() { format!("{:?}", customer.await) } else { "still filing".into() };
                bail!("{error:#}\ncustomer: {customer}\nworker:\n{}", crate::tail(&worker.log(), 30));
            }
        };
    }
    until!(5);
    helpdesk.stop();
    until!(12);
    worker.crash_and_restart().await?;
    until!(20);
    helpdesk.restart().await?;
    helpdesk.set_mode(HelpdeskMode::LosesFirstAnswer);
    until!(28);
    worker.crash_and_restart().await?;
    until!(36);
    helpdesk.set_mode(HelpdeskMode::Up);
    stop.store(true, Ordering::Relaxed);
    let filed = customer.await??;
    let written = replier.await??;
    let acknowledged = acknowledged.lock().expect("never poisoned").clone();
    ensure!(acknowledged.len() == filed, "{filed} filed, {} acknowledged", acknowledged.len());
    let replied = replied.lock().expect("never poisoned").clone();
    ensure!(replied.len() == written && written >= 2, "{written} replies written, {} acknowledged", replied.len());
    // What the webhook's Idempotency-Key for each acknowledged reply is: `ED-…-R<id>`.
    let reply_keys: std::collections::BTreeSet<String> =
        replied.values().map(|(number, id)| format!("{number}-R{id}")).collect();
    ensure!(reply_keys.len() == replied.len(), "one reply id was given for two replies");

    // Recovery: the queue retries what it still holds; the sweep sends whatever the crashes took from
    // it. The sweep runs with the production lease (15 minutes), on demand and as if an hour had passed,
    // not on the five-minute cron: so the figure is the work of recovering, not the wait for the lease
    // and the cron, which in production adds up to 20 minutes for a ticket a crash took.
    let recovery = Instant::now();
    let client = reqwest::Client::new();
    let numbers: std::collections::BTreeSet<String> = acknowledged.values().map(|(number, _)| number.clone()).collect();
    eventually("every acknowledged ticket and reply at the helpdesk", Duration::from_secs(120), || async {
        let swept = client
            .post(worker.url("/api/admin/sweep"))
            .bearer_auth(&admin_token)
            .header("X-Edgedesk-Now", edgedesk_protocol::time::format_time(unix_now() + 3600))
            .send()
            .await?;
        ensure!(swept.status() == 200, "the sweep answered {}", swept.status());
        let missing = helpdesk.with_log(|log| numbers.iter().filter(|n| !log.created.contains_key(*n)).count());
        ensure!(missing == 0, "{missing} of {} not there yet", numbers.len());
        let missing = helpdesk.with_log(|log| reply_keys.iter().filter(|key| !log.created.contains_key(*key)).count());
        ensure!(missing == 0, "{missing} of {} replies not there yet", reply_keys.len());
        Ok(())
    })
    .await?;

    let (everything, attempts, repeated, arrivals) = helpdesk.with_log(|log| {
        let repeated = log.confirmed.values().filter(|times| **times > 1).count();
        // The order replies were first taken in: a key's first 2xx.
        let mut arrivals: Vec<String> = Vec::new();
        for (key, status) in &log.attempts {
            if (200..300).contains(status) && !arrivals.contains(key) {
                arrivals.push(key.clone());
            }
        }
        (log.created.keys().cloned().collect::<std::collections::BTreeSet<_>>(), log.attempts.len(), repeated, arrivals)
    });
    let (reply_events, created): (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>) =
        // A ticket's key is its number, ED-XXXX-XXXX; a reply's adds -R<id>.
        everything.into_iter().partition(|key| key.matches('-').count() == 3);
    ensure!(
        created == numbers,
        "the helpdesk has {} tickets, the customer was given {} numbers",
        created.len(),
        numbers.len()
    );
    ensure!(
        reply_events == reply_keys,
        "the helpdesk has {} replies, the customer was told {} were received",
        reply_events.len(),
        reply_keys.len()
    );
    // Each ticket's replies arrived in the order they were written (ids grow in that order).
    for number in &numbers {
        let ids: Vec<i64> = arrivals
            .iter()
            .filter_map(|key| key.strip_prefix(&format!("{number}-R")).and_then(|id| id.parse().ok()))
            .collect();
        ensure!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{number}'s replies arrived as {ids:?}");
    }
    let distinct: std::collections::BTreeSet<&String> = acknowledged.values().map(|(number, _)| number).collect();
    ensure!(distinct.len() == acknowledged.len(), "one number was given for two submissions");
    println!(
        "chaos: {filed} tickets filed and {written} replies written through 2 worker crashes and a helpdesk restart; \
         all {} tickets and {} replies at the helpdesk exactly once, replies in order, after {:.1} s of recovery (queue retries, and the sweep run on demand an hour on; in production the \
         lease and the cron add up to 20 min); {attempts} delivery attempts, {repeated} confirmed twice (a crash \
         between sending and recording, absorbed by the Idempotency-Key)",
        created.len(),
        reply_events.len(),
        recovery.elapsed().as_secs_f64()
    );
    Ok(())
}
