//! The API contract: `worker/openapi.json` (served at `/api/openapi.json`) describes exactly the routes the
//! worker has, and schemathesis, generating requests from it, finds no server error and no answer that
//! differs from the description.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::repo_root;
use serde_json::Value;

use crate::World;

/// Served as a static file, so the worker's router never sees it.
const STATIC_PATHS: [&str; 1] = ["/api/openapi.json"];

/// `worker/openapi.json`, as committed.
pub fn description() -> Result<Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(repo_root().join("worker/openapi.json"))?)?)
}

/// `{path: {METHOD}}` with every path parameter written `{}`.
fn described_operations(description: &Value) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut operations = BTreeMap::new();
    for (path, item) in description["paths"].as_object().context("no paths")? {
        let methods = item.as_object().context("a path item")?.keys().map(|method| method.to_uppercase()).collect();
        operations.insert(normalise(path), methods);
    }
    Ok(operations)
}

fn normalise(path: &str) -> String {
    path.split('/').map(|segment| if segment.starts_with('{') { "{}" } else { segment }).collect::<Vec<_>>().join("/")
}

/// The routes in the worker's `route()`: `(Method::Get, ["api", "articles", slug])` is `GET /api/articles/{}`.
fn routed_operations() -> Result<BTreeMap<String, BTreeSet<String>>> {
    let source = std::fs::read_to_string(repo_root().join("worker/src/lib.rs"))?;
    let mut operations: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in source.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("(Method::") else { continue };
        let Some((method, rest)) = rest.split_once(", [") else { continue };
        let Some((segments, _)) = rest.split_once("])") else { continue };
        let path: String = segments
            .split(',')
            .map(str::trim)
            .map(|segment| match segment.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(literal) => format!("/{literal}"),
                None => "/{}".to_owned(),
            })
            .collect();
        operations.entry(path).or_default().insert(method.to_uppercase());
    }
    ensure!(operations.len() > 10, "found only {operations:?} in worker/src/lib.rs");
    Ok(operations)
}

pub async fn the_openapi_description_has_every_route_and_nothing_else(world: &World) -> Result<()> {
    let description = description()?;
    let served: Value = reqwest::get(world.worker.url("/api/openapi.json")).await?.json().await?;
    ensure!(served == description, "/api/openapi.json is not worker/openapi.json: rebuild");
    ensure!(description["openapi"] == "3.1.0", "not OpenAPI 3.1: {}", description["openapi"]);

    let mut described = described_operations(&description)?;
    for path in STATIC_PATHS {
        described.remove(path).with_context(|| format!("{path} is not described"))?;
    }
    let routed = routed_operations()?;
    let only_described: Vec<_> =
        described.iter().filter(|(path, methods)| routed.get(*path) != Some(methods)).collect();
    let only_routed: Vec<_> = routed.iter().filter(|(path, methods)| described.get(*path) != Some(methods)).collect();
    ensure!(
        only_described.is_empty() && only_routed.is_empty(),
        "described but not routed so: {only_described:?}\nrouted but not described so: {only_routed:?}"
    );

    // And the running worker agrees: any other method on a described path is a 405 whose Allow header
    // names exactly the described methods.
    let client = reqwest::Client::new();
    for (path, methods) in described.iter().filter(|(path, _)| path.starts_with("/api/")) {
        let url = world.worker.url(&path.replace("{}", "ED-0000-0000"));
        let response = client.put(&url).send().await?;
        let allow =
            response.headers().get("allow").and_then(|allow| allow.to_str().ok()).unwrap_or_default().to_owned();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        let allowed: BTreeSet<String> = allow.split(',').map(|method| method.trim().to_owned()).collect();
        ensure!(
            status == 405 && body["error"]["code"] == "method_not_allowed" && &allowed == methods,
            "PUT {path}: {status} Allow {allow:?} {body}, but the description has {methods:?}"
        );
    }
    Ok(())
}

pub async fn schemathesis_finds_no_server_error_and_no_drift(world: &World) -> Result<()> {
    let schemathesis = repo_root().join("target/schemathesis-venv/bin/schemathesis");
    ensure!(schemathesis.exists(), "schemathesis is not installed: run scripts/setup.sh");
    // schemathesis keeps a cache where it runs: under target/, never in the repository.
    let workdir = repo_root().join("target/schemathesis");
    std::fs::create_dir_all(&workdir)?;
    let output = tokio::process::Command::new(schemathesis)
        .current_dir(&workdir)
        .args([
            "run",
            &world.worker.url("/api/openapi.json"),
            "--url",
            &world.worker.base_url,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "25",
            "--seed",
            "20261123",
            "--no-color",
            // With the operator's token, so the admin endpoints are tried for real, not only refused.
            "--header",
            &format!("Authorization: Bearer {}", world.admin_token),
        ])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .await?;
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    // The summary, for the log: operations tested and requests made.
    for line in
        printed.lines().filter(|line| line.contains("passed") || line.contains("Test cases") || line.contains("failed"))
    {
        println!("schemathesis: {}", line.trim());
    }
    ensure!(output.status.success(), "schemathesis found problems:\n{printed}");
    Ok(())
}
