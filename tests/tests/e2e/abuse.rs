//! Abuse: floods are limited by address and by customer, whichever address a customer's tickets come
//! from; and no admin endpoint does anything for a request without the operator's token.

use anyhow::{Context, Result, bail, ensure};
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::World;
use crate::tickets::{client_ip, exactly_the_allowance, file, post, signed_identity, ticket};

/// An IPv6 client owns a /64 and can pick any address in it: the limit counts the /64, so the 21st
/// ticket in a minute from one network is refused whichever of its addresses sends it.
pub async fn an_ipv6_network_shares_one_allowance(world: &World) -> Result<()> {
    let network = || format!("2001:db8:{:x}:7", edgedesk_e2e::free_port().unwrap_or(7));
    let from_the_network = |network: String, n: usize| async move {
        // Each from its own address and to its own recipient: only the network's allowance counts.
        let address = format!("{network}::{n:x}");
        let body = ticket(&format!("six{n}@example.com"), &format!("From the same network {n}"));
        post(world, "/api/tickets", &body, &[("CF-Connecting-IP", &address)]).await
    };
    exactly_the_allowance(20, "tickets from one IPv6 /64", network, from_the_network, 202).await?;
    // The next network is its own client.
    let body = ticket("six-next@example.com", "From the next network");
    let answer = post(world, "/api/tickets", &body, &[("CF-Connecting-IP", "2001:db8:ffff:8::1")]).await?;
    ensure!(answer.status == 202, "another /64 was refused: {}", answer.body);
    Ok(())
}

pub async fn one_customer_is_limited_from_any_address(world: &World) -> Result<()> {
    let identity = signed_identity(
        &world.identity_secret,
        json!({ "id": format!("flooder-{}", edgedesk_e2e::free_port()?), "email": "flooder@example.com", "name": "Flo" }),
    );
    let mut accepted = 0;
    // Each ticket from a fresh address: only the customer's own limit can stop them.
    for attempt in 0..45 {
        let mut body = ticket("flooder@example.com", &format!("Flood {attempt}"));
        body["identity"] = identity.clone();
        let answer = post(world, "/api/tickets", &body, &[("CF-Connecting-IP", &client_ip())]).await?;
        match answer.status.as_u16() {
            202 => accepted += 1,
            429 => {
                ensure!(answer.body["error"]["code"] == "rate_limited", "{}", answer.body);
                ensure!(answer.headers.contains_key("retry-after"), "no Retry-After");
                println!("abuse: one customer from {} addresses: {accepted} accepted, then 429", attempt + 1);
                // Another customer is not affected.
                return file(world, &ticket("bystander@example.com", "Not flooding")).await.map(|_| ());
            }
            other => bail!("unexpected {other}: {}", answer.body),
        }
    }
    bail!("45 tickets from one customer were accepted")
}

/// What an admin request could change: the target ticket and its delivery, how many tickets there are,
/// and the live notices. (Other tests' tickets may still be on their way to the helpdesk: their outbox
/// rows change by themselves.)
async fn snapshot(world: &World, number: &str) -> Result<Value> {
    let ticket = world.worker.d1(&format!("SELECT * FROM tickets WHERE number = '{number}'"))?;
    let outbox = world.worker.d1(&format!("SELECT * FROM outbox WHERE number = '{number}'"))?;
    let count = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?;
    let notices: Value = Client::new()
        .get(world.worker.url("/api/admin/notices"))
        .bearer_auth(&world.admin_token)
        .send()
        .await?
        .json()
        .await?;
    Ok(json!({ "ticket": ticket, "outbox": outbox, "count": count, "notices": notices }))
}

pub async fn admin_endpoints_do_nothing_without_the_token(world: &World) -> Result<()> {
    let client = Client::new();
    // Something real for every admin path to act on: a notice and a ticket.
    let notice: Value = client
        .post(world.worker.url("/api/admin/notices"))
        .bearer_auth(&world.admin_token)
        .json(&json!({ "level": "yellow", "title": "Abuse test notice", "products": ["abuse-test"] }))
        .send()
        .await?
        .json()
        .await?;
    let id = notice["id"].as_str().with_context(|| format!("no notice: {notice}"))?.to_owned();
    let number = file(world, &ticket("admin-target@example.com", "A ticket an attacker would replay")).await?.number;

    let description = crate::contract::description()?;
    let mut operations = Vec::new();
    for (path, item) in description["paths"].as_object().context("paths")? {
        if !path.starts_with("/api/admin/") {
            continue;
        }
        let path = path.replace("{id}", &id).replace("{number}", &number);
        for method in item.as_object().context("a path item")?.keys() {
            operations.push((Method::from_bytes(method.to_uppercase().as_bytes())?, path.clone()));
        }
    }
    ensure!(operations.len() >= 8, "only {} admin operations described", operations.len());

    // Once delivered, the target ticket's row changes only if someone replays it.
    edgedesk_e2e::eventually("the target ticket to be delivered", std::time::Duration::from_secs(60), || async {
        let state = world.worker.d1(&format!("SELECT state FROM outbox WHERE number = '{number}'"))?;
        ensure!(state.first().is_some_and(|row| row["state"] == "delivered"), "{state:?}");
        Ok(())
    })
    .await?;
    let before = snapshot(world, &number).await?;
    let wrong = format!("{}x", world.admin_token);
    let credentials: [Option<String>; 5] = [
        None,
        Some(format!("Bearer {wrong}")),
        Some("Bearer ".into()),
        Some(format!("Basic {}", world.admin_token)),
        Some(world.admin_token.clone()),
    ];
    let body = json!({ "level": "red", "title": "Defaced", "text": "Defaced", "resolve": true });
    for (method, path) in &operations {
        for credential in &credentials {
            let mut request = client.request(method.clone(), world.worker.url(path)).json(&body);
            if let Some(credential) = credential {
                request = request.header("Authorization", credential);
            }
            let response = request.send().await?;
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or_default();
            ensure!(
                status == 401 && answer["error"]["code"].is_string(),
                "{method} {path} with {credential:?}: {status} {answer}"
            );
        }
    }
    let after = snapshot(world, &number).await?;
    ensure!(before == after, "an unauthorised request changed something:\nbefore {before}\nafter {after}");
    println!(
        "abuse: {} admin operations × {} wrong credentials: all 401, nothing changed",
        operations.len(),
        credentials.len()
    );

    // The comparison does see changes: with the token, the same kind of request changes the notice.
    let changed = client
        .patch(world.worker.url(&format!("/api/admin/notices/{id}")))
        .bearer_auth(&world.admin_token)
        .json(&json!({ "title": "Abuse test notice, changed" }))
        .send()
        .await?;
    ensure!(changed.status() == 200, "the operator's own change answered {}", changed.status());
    ensure!(snapshot(world, &number).await? != after, "the snapshot missed the operator's change");

    client.delete(world.worker.url(&format!("/api/admin/notices/{id}"))).bearer_auth(&world.admin_token).send().await?;
    Ok(())
}
