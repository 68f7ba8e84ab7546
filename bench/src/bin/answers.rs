//! `make bench`, written answers: time to the first words of an answer and words per second, in the widget
//! (headless Chromium on the demo page), through the worker (`POST /api/answers` under `wrangler dev`) and
//! at the model alone, with the tests' model (SmolLM2-135M-Instruct, llama.cpp on 2 CPU threads). Each
//! question is new where it is asked, so none comes from the cache.
//! `cargo run --profile native -p edgedesk-bench --bin answers`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::model::ChatModel;
use edgedesk_e2e::{Chromedriver, Wrangler};
use serde_json::{Value, json};

const QUESTIONS: [&str; 6] = [
    "how do I reset my password",
    "can I get a refund for my annual plan",
    "how do I turn on two-factor authentication",
    "where can I download my invoices",
    "how do I invite teammates to my workspace",
    "how do I export a report as CSV",
];

/// One streamed answer: when its first piece came, how many pieces (tokens, for llama.cpp) and when the
/// last came.
struct Timing {
    first: Duration,
    pieces: usize,
    last: Duration,
}

impl Timing {
    fn pieces_per_second(&self) -> f64 {
        let writing = (self.last - self.first).as_secs_f64();
        if writing > 0.0 { (self.pieces.saturating_sub(1)) as f64 / writing } else { 0.0 }
    }
}

/// Reads a streamed response, counting the pieces `is_piece` recognises among its `data:` lines.
async fn timed(request: reqwest::RequestBuilder, is_piece: impl Fn(&str, &str) -> bool) -> Result<Timing> {
    let sent = Instant::now();
    let mut response = request.send().await?;
    ensure!(response.status().is_success(), "answered {}", response.status());
    let (mut buffer, mut event, mut first, mut last, mut pieces) =
        (String::new(), String::new(), None, Duration::ZERO, 0);
    while let Some(chunk) = response.chunk().await? {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find('\n') {
            let line: String = buffer.drain(..=end).collect();
            if let Some(name) = line.strip_prefix("event: ") {
                event = name.trim().to_owned();
            } else if let Some(data) = line.strip_prefix("data: ")
                && is_piece(&event, data.trim())
            {
                first.get_or_insert(sent.elapsed());
                last = sent.elapsed();
                pieces += 1;
            }
        }
    }
    Ok(Timing { first: first.unwrap_or_default(), pieces, last })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> Result<()> {
    let model = ChatModel::start().await?;
    let settings = model.settings();
    let vars: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let worker = Wrangler::start(&vars).await?;
    let client = reqwest::Client::new();

    let mut through_worker = Vec::new();
    for (n, question) in QUESTIONS.iter().enumerate() {
        // A product of its own keeps these apart from the widget's answers in the cache.
        let body = json!({ "q": question, "locale": "en", "visit": format!("bench-visit-{n:04}"), "product": "api" });
        let request = client.post(worker.url("/api/answers")).json(&body);
        through_worker.push(timed(request, |event, _| event == "text").await?);
    }
    let asked = model.calls().await?;
    let mut at_model = Vec::new();
    for call in &asked {
        let request = client.post(model.url()).bearer_auth(&model.key).json(&call["body"]);
        let is_token = |_: &str, data: &str| {
            serde_json::from_str::<Value>(data).is_ok_and(|chunk| {
                chunk["choices"][0]["delta"]["content"].as_str().is_some_and(|text| !text.is_empty())
            })
        };
        at_model.push(timed(request, is_token).await?);
    }
    let in_widget = in_the_widget(&worker).await?;
    let row = |what: &str, timings: &[Timing]| {
        let first = median(timings.iter().map(|timing| timing.first.as_secs_f64() * 1000.0).collect());
        let rate = median(timings.iter().map(Timing::pieces_per_second).collect());
        let pieces = median(timings.iter().map(|timing| timing.pieces as f64).collect());
        println!("| {what} | {} | {first:.0} ms | {rate:.0} | {pieces:.0} |", timings.len());
    };
    println!("\nWritten answers with SmolLM2-135M-Instruct (Q4_1, llama.cpp, 2 threads), medians:\n");
    println!("| measured | answers | time to first token | tokens per second | tokens per answer |");
    println!("|---|---:|---:|---:|---:|");
    row("in the widget (Chromium, from its request to the first words drawn)", &in_widget);
    row("through the worker (`POST /api/answers`, streamed)", &through_worker);
    row("at the model alone (the same requests)", &at_model);
    println!(
        "\n{} of {} questions reached the model (the others were not covered well enough to answer).",
        asked.len(),
        QUESTIONS.len()
    );
    Ok(())
}

/// In the page: when the customer last typed, when the card showed (the widget asked) and when its first
/// words were drawn, then its last; resolves once the card is complete, or with nulls when none came.
const ASK_THE_WIDGET: &str = r#"
    const [question, done] = arguments;
    const root = document.querySelector('div[data-edgedesk]').shadowRoot;
    const times = { typed: 0, card: 0, words: 0, last: 0, updates: 0 };
    const observer = new MutationObserver(() => {
        const card = root.querySelector('.answer.generated');
        if (!card) { return; }
        const now = performance.now();
        times.card = times.card || now;
        if (root.querySelector('.answer.generated .answer-passage p:not(.notice), .answer.generated .answer-passage ul')) {
            times.words = times.words || now;
            times.last = now;
            times.updates += 1;
        }
        if (card.getAttribute('aria-busy') === 'false') { observer.disconnect(); done(times); }
    });
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    const input = root.querySelector('input[type=search]');
    input.value = question;
    times.typed = performance.now();
    input.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => { observer.disconnect(); done(null); }, 25000);
"#;

/// Each covered question typed into the widget on the demo page, timed in the page.
async fn in_the_widget(worker: &Wrangler) -> Result<Vec<Timing>> {
    let chromedriver = Chromedriver::start().await?;
    let browser = chromedriver.new_browser().await?;
    let client = &browser.client;
    client.goto(&worker.url("/")).await?;
    let open = "const done = arguments[0];
        const look = () => { const root = document.querySelector('div[data-edgedesk]')?.shadowRoot;
          const input = root?.querySelector('input[type=search]');
          if (input && input.offsetParent) { done(true); return; }
          root?.querySelector('.launcher')?.click(); setTimeout(look, 50); };
        look();";
    client.execute_async(open, vec![]).await.context("the widget to open")?;
    let mut timings = Vec::new();
    let mut since_typing = Vec::new();
    for question in QUESTIONS {
        // The card comes only for a question the knowledge base covers.
        let search = reqwest::Client::new().get(worker.url("/api/search")).query(&[("q", question), ("locale", "en")]);
        let found: Value = search.send().await?.json().await?;
        if found["answerable"] != true {
            continue;
        }
        let times = client.execute_async(ASK_THE_WIDGET, vec![json!(question)]).await?;
        let at = |name: &str| times[name].as_f64().unwrap_or_default();
        if times.is_null() || at("words") == 0.0 {
            continue;
        }
        since_typing.push(at("words") - at("typed"));
        let since_asked = |name: &str| Duration::from_secs_f64((at(name) - at("card")) / 1000.0);
        // The card draws its text again with each piece that comes: its updates count the pieces.
        let pieces = times["updates"].as_u64().unwrap_or_default() as usize;
        timings.push(Timing { first: since_asked("words"), pieces, last: since_asked("last") });
    }
    ensure!(!timings.is_empty(), "no question was answered in the widget");
    println!(
        "\nIn the widget, from the customer's last keystroke to the first words (the search's pause included): {:.0} ms (median of {}).",
        median(since_typing),
        timings.len()
    );
    browser.close().await?;
    Ok(timings)
}
