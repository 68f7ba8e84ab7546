//! Chaos: while a customer keeps filing tickets, the helpdesk is killed and restarted, and so is the
//! worker itself (workerd with its queue consumer, SIGKILL, twice). Afterwards every ticket the customer
//! was given a number for exists exactly once at the helpdesk, and nothing else does.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use edgedesk_e2e::{Helpdesk, HelpdeskMode, Wrangler, eventually, free_port, unix_now};
use serde_json::{Value, json};

use crate::World;

/// Acknowledged tickets: idempotency key → ticket number.
type Acknowledged = Arc<Mutex<BTreeMap<String, String>>>;

/// A customer filing tickets one after another, each retried with its own idempotency key until the
/// worker acknowledges it, as the widget does; whatever happens to the worker meanwhile.
async fn keep_filing(base: String, acknowledged: Acknowledged, stop: Arc<AtomicBool>) -> Result<usize> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut filed = 0;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("chaos-ticket-key-{filed:06}");
        let body = json!({ "name": "Chaos Monkey", "email": format!("chaos{filed}@example.com"),
                           "subject": format!("Chaos ticket {filed}"), "message": "Filed while things break." });
        let started = Instant::now();
        loop {
            let sent = client
                .post(format!("{base}/api/tickets"))
                .header("Idempotency-Key", &key)
                .header("CF-Connecting-IP", format!("10.99.{}.{}", filed / 200, filed % 200))
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == 202 => {
                    // A crash can cut the answer off mid-body: the customer never saw a number, so the
                    // widget tries again with the same key, as here.
                    let Ok(answer) = response.json::<Value>().await else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    let number = answer["number"].as_str().context("a number")?.to_owned();
                    acknowledged.lock().expect("never poisoned").insert(key.clone(), number);
                    break;
                }
                Ok(response) if !response.status().is_server_error() => {
                    bail!("ticket {filed} was refused: {} {}", response.status(), response.text().await?)
                }
                // The worker is down or restarting: try again, with the same key.
                _ if started.elapsed() > Duration::from_secs(120) => bail!("ticket {filed} never got through"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        filed += 1;
    }
    Ok(filed)
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
    let acknowledged = acknowledged.lock().expect("never poisoned").clone();
    ensure!(acknowledged.len() == filed, "{filed} filed, {} acknowledged", acknowledged.len());

    // Recovery: the queue retries what it still holds; the sweep sends whatever the crashes took from
    // it. The sweep runs with the production lease (15 minutes), on demand and as if an hour had passed,
    // not on the five-minute cron: so the figure is the work of recovering, not the wait for the lease
    // and the cron, which in production adds up to 20 minutes for a ticket a crash took.
    let recovery = Instant::now();
    let client = reqwest::Client::new();
    let numbers: std::collections::BTreeSet<String> = acknowledged.values().cloned().collect();
    eventually("every acknowledged ticket at the helpdesk", Duration::from_secs(120), || async {
        let swept = client
            .post(worker.url("/api/admin/sweep"))
            .bearer_auth(&admin_token)
            .header("X-Edgedesk-Now", edgedesk_protocol::time::format_time(unix_now() + 3600))
            .send()
            .await?;
        ensure!(swept.status() == 200, "the sweep answered {}", swept.status());
        let missing = helpdesk.with_log(|log| numbers.iter().filter(|n| !log.created.contains_key(*n)).count());
        ensure!(missing == 0, "{missing} of {} not there yet", numbers.len());
        Ok(())
    })
    .await?;

    let (created, attempts, repeated) = helpdesk.with_log(|log| {
        let repeated = log.confirmed.values().filter(|times| **times > 1).count();
        (log.created.keys().cloned().collect::<std::collections::BTreeSet<_>>(), log.attempts.len(), repeated)
    });
    ensure!(
        created == numbers,
        "the helpdesk has {} tickets, the customer was given {} numbers",
        created.len(),
        numbers.len()
    );
    let distinct: std::collections::BTreeSet<&String> = acknowledged.values().collect();
    ensure!(distinct.len() == acknowledged.len(), "one number was given for two submissions");
    println!(
        "chaos: {filed} tickets filed through 2 worker crashes and a helpdesk restart; all {} at the helpdesk exactly \
         once after {:.1} s of recovery (queue retries, and the sweep run on demand an hour on; in production the \
         lease and the cron add up to 20 min); {attempts} delivery attempts, {repeated} confirmed twice (a crash \
         between sending and recording, absorbed by the Idempotency-Key)",
        created.len(),
        recovery.elapsed().as_secs_f64()
    );
    Ok(())
}
