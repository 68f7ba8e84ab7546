//! `edgedesk`: the command content editors and operators run.

mod admin;
mod build;
mod demo;
mod preview;
mod report;
mod semantic;
mod status;
mod tickets;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use edgedesk_kb::{self as kb, KnowledgeBase, Severity};
use edgedesk_protocol::status::{Kind, Level};
use edgedesk_search::relevance::{self, Evaluation, Judgement};
use edgedesk_search::semantic::FUSION;
use edgedesk_search::{Query, TUNING};

#[derive(Parser)]
#[command(name = "edgedesk", version, about = "Check, build, preview and search an edgedesk knowledge base.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report every problem in the knowledge base at once: file, line, what is wrong, how to fix it.
    /// Exits non-zero only when there are errors.
    Check {
        content_dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compile the knowledge base into the assets the worker serves: per locale a search index, the
    /// sections and one JSON file per article; the media articles use; a manifest.
    Build {
        /// The knowledge base, e.g. `kb-content/`.
        content_dir: PathBuf,
        /// Where to write the assets, e.g. `dist/kb/`.
        out_dir: PathBuf,
    },
    /// Serve the articles as customers will read them, rebuilt on every page load.
    Preview {
        content_dir: PathBuf,
        #[arg(long, default_value_t = 4000)]
        port: u16,
    },
    /// Score search against a relevance set: a JSON array of {"query", "expected": [source paths],
    /// "kind"}. Prints recall at 5, MRR at 10 and the queries whose answer was not in the first five.
    Eval {
        content_dir: PathBuf,
        relevance_file: PathBuf,
        #[arg(long)]
        locale: Option<String>,
        #[arg(long)]
        json: bool,
        /// Rank by words alone, as the worker does before the customer pauses (or without an embedding
        /// endpoint).
        #[arg(long)]
        words_only: bool,
    },
    /// Show what the worker recorded: `edgedesk report gaps --url https://support.example.com --token …`.
    Report {
        #[command(flatten)]
        worker: Worker,
        #[command(subcommand)]
        report: Report,
    },
    /// Raise, update, resolve and list live status notices: the banner customers see.
    Status {
        #[command(flatten)]
        worker: Worker,
        #[command(subcommand)]
        action: StatusAction,
    },
    /// Tickets and their delivery to the helpdesk: list them, see the failed ones, send them again.
    Tickets {
        #[command(flatten)]
        worker: Worker,
        #[command(subcommand)]
        action: TicketsAction,
    },
    /// Print SQL for a month of made-up support activity (tickets, searches, reading, ratings), for a
    /// demo's insights page: `edgedesk demo-activity dist/kb | wrangler d1 execute DB --local --file -`.
    DemoActivity {
        /// The built knowledge base, e.g. `dist/kb/`: its articles are what the made-up customers read.
        kb_dir: PathBuf,
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The last day of activity, YYYY-MM-DD (default: yesterday).
        #[arg(long)]
        last_day: Option<String>,
    },
    /// Search the knowledge base the way customers will, to see what they would find.
    Search {
        content_dir: PathBuf,
        query: String,
        /// Search this locale's articles (default: the site's default locale).
        #[arg(long)]
        locale: Option<String>,
        #[arg(long)]
        product: Option<String>,
        #[arg(long)]
        section: Option<String>,
        #[arg(long, default_value_t = edgedesk_protocol::api::DEFAULT_LIMIT)]
        limit: usize,
        /// Print a JSON array of hits, best first, for scripts.
        #[arg(long)]
        json: bool,
        /// Rank by words alone, as the worker does while the customer is still typing.
        #[arg(long)]
        words_only: bool,
    },
}

/// Where the worker is and how to prove you are its operator.
#[derive(clap::Args)]
struct Worker {
    /// The worker's address, e.g. https://support.example.com (or set EDGEDESK_URL).
    #[arg(long, env = "EDGEDESK_URL", global = true)]
    url: Option<String>,
    /// The worker's ADMIN_TOKEN (or set EDGEDESK_TOKEN).
    #[arg(long, env = "EDGEDESK_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
}

impl Worker {
    fn client(&self) -> Result<admin::AdminClient> {
        let url = self.url.as_deref().context("pass the worker's address with --url (or EDGEDESK_URL)")?;
        let token = self.token.as_deref().context("pass the admin token with --token (or EDGEDESK_TOKEN)")?;
        admin::AdminClient::new(url, token)
    }
}

#[derive(Subcommand)]
enum TicketsAction {
    /// The newest tickets with where their delivery stands.
    List {
        /// Only tickets whose delivery is pending, delivered, failed or held (no backend configured).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Tickets that will not be sent again on their own: refused by the helpdesk, or given up on after
    /// DELIVERY_MAX_ATTEMPTS attempts or DELIVERY_MAX_AGE_HOURS; with the reason. `replay` sends them again.
    Failed {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Send tickets that were not delivered again, e.g. after fixing what the helpdesk refused.
    Replay {
        #[arg(required = true)]
        numbers: Vec<String>,
    },
    /// Run the delivery sweep now (the cron runs it every five minutes): every ticket not yet confirmed
    /// whose retry time has come goes out again.
    Sweep,
}

#[derive(Subcommand)]
enum StatusAction {
    /// Put a notice up now: `edgedesk status raise --level red --title "Login is down"`.
    Raise {
        #[arg(long, value_enum)]
        level: LevelArg,
        #[arg(long)]
        title: String,
        /// Markdown shown when the customer opens the notice.
        #[arg(long)]
        body: Option<String>,
        #[arg(long, value_enum, default_value_t = KindArg::Incident)]
        kind: KindArg,
        /// A product affected (repeat for several; none means all).
        #[arg(long = "product")]
        products: Vec<String>,
        #[arg(long = "component")]
        components: Vec<String>,
        /// When it starts (RFC 3339); now if not given.
        #[arg(long)]
        starts_at: Option<String>,
        #[arg(long)]
        ends_at: Option<String>,
        /// A page with more detail, e.g. your status page.
        #[arg(long)]
        link: Option<String>,
    },
    /// Add to a notice's timeline, optionally changing its level.
    Update {
        id: String,
        #[arg(long)]
        message: String,
        #[arg(long, value_enum)]
        level: Option<LevelArg>,
    },
    /// Mark a notice resolved: it turns green, says so, and goes away after 30 minutes.
    Resolve {
        id: String,
        #[arg(long, default_value = "This is resolved.")]
        message: String,
    },
    /// Every live notice, active or not.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a notice at once.
    Delete { id: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum LevelArg {
    Red,
    Yellow,
    Green,
}

impl From<LevelArg> for Level {
    fn from(level: LevelArg) -> Self {
        match level {
            LevelArg::Red => Level::Red,
            LevelArg::Yellow => Level::Yellow,
            LevelArg::Green => Level::Green,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Incident,
    Maintenance,
    Announcement,
}

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Incident => Kind::Incident,
            KindArg::Maintenance => Kind::Maintenance,
            KindArg::Announcement => Kind::Announcement,
        }
    }
}

#[derive(Subcommand)]
enum Report {
    /// Searches customers made that found nothing: what the knowledge base is missing.
    Gaps {
        #[arg(long)]
        locale: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// What the ranking learned from customers: for each query, the articles visits settled on without
    /// filing a ticket, and how much they are lifted. Veto one in `edgedesk.toml` (`[learning] veto`).
    Learned {
        #[arg(long)]
        json: bool,
    },
    /// The support lead's figures: ticket volume by hour, weekday, topic, urgency and product,
    /// self-service, satisfaction and delivery, for whole days in the support team's time zone.
    Insights {
        /// First day, YYYY-MM-DD (default: 29 days before `--to`).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (default: today).
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        product: Option<String>,
        #[arg(long, value_enum, default_value_t = report::InsightsFormat::Text)]
        format: report::InsightsFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check { content_dir, format } => check(&content_dir, format),
        Command::Build { content_dir, out_dir } => build::build(&content_dir, &out_dir).map(|()| ExitCode::SUCCESS),
        Command::Preview { content_dir, port } => preview::serve(content_dir, port).map(|()| ExitCode::SUCCESS),
        Command::Report { worker, report: Report::Gaps { locale, limit, json } } => {
            report::gaps(&worker.client()?, locale.as_deref(), limit, json)
        }
        Command::Report { worker, report: Report::Learned { json } } => report::learned(&worker.client()?, json),
        Command::Report { worker, report: Report::Insights { from, to, product, format } } => {
            report::insights(&worker.client()?, from.as_deref(), to.as_deref(), product.as_deref(), format)
        }
        Command::DemoActivity { kb_dir, days, seed, last_day } => {
            demo::activity(&kb_dir, days, seed, last_day.as_deref())
        }
        Command::Status { worker, action } => {
            let client = worker.client()?;
            match action {
                StatusAction::Raise { level, title, body, kind, products, components, starts_at, ends_at, link } => {
                    let raise = status::Raise {
                        level: level.into(),
                        kind: kind.into(),
                        title,
                        body,
                        products,
                        components,
                        starts_at,
                        ends_at,
                        link,
                    };
                    status::raise(&client, raise)
                }
                StatusAction::Update { id, message, level } => {
                    status::update(&client, &id, &message, level.map(Level::from), false)
                }
                StatusAction::Resolve { id, message } => status::update(&client, &id, &message, None, true),
                StatusAction::List { json } => status::list(&client, json),
                StatusAction::Delete { id } => status::delete(&client, &id),
            }
        }
        Command::Tickets { worker, action } => {
            let client = worker.client()?;
            match action {
                TicketsAction::List { state, limit, json } => tickets::list(&client, state.as_deref(), limit, json),
                TicketsAction::Failed { limit, json } => tickets::list(&client, Some("failed"), limit, json),
                TicketsAction::Replay { numbers } => tickets::replay(&client, &numbers),
                TicketsAction::Sweep => tickets::sweep(&client),
            }
        }
        Command::Eval { content_dir, relevance_file, locale, json, words_only } => {
            let knowledge_base = load(&content_dir)?;
            let judgements: Vec<Judgement> = serde_json::from_slice(
                &std::fs::read(&relevance_file)
                    .with_context(|| format!("could not read {}", relevance_file.display()))?,
            )
            .with_context(|| format!("{} is not a relevance set", relevance_file.display()))?;
            let locale = locale.unwrap_or_else(|| knowledge_base.config.default_locale().to_owned());
            let indexes =
                if words_only { knowledge_base.search_indexes() } else { semantic::indexes(&knowledge_base)? };
            let evaluation = relevance::evaluate_with(&judgements, |judgement| {
                relevance::search_routed_hybrid(&indexes, &locale, judgement, &TUNING, semantic::query_vector, &FUSION)
            });
            if json {
                println!("{}", serde_json::to_string_pretty(&evaluation)?);
            } else {
                print_evaluation(&evaluation);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { content_dir, query, locale, product, section, limit, json, words_only } => {
            let knowledge_base = load(&content_dir)?;
            if knowledge_base.has_errors() {
                eprintln!("note: {} has errors; run `edgedesk check` to see them", content_dir.display());
            }
            let page_locale = locale.unwrap_or_else(|| knowledge_base.config.default_locale().to_owned());
            // As the worker does: a query in another language is searched in that language's articles.
            let locale = knowledge_base.locale_for_query(&query, &page_locale);
            if locale != page_locale && !json {
                println!("Searched the {locale} articles: the query is written in their language.");
            }
            let query = Query { text: &query, product: product.as_deref(), section: section.as_deref(), limit };
            let index = if words_only {
                knowledge_base.search_index(&locale)
            } else {
                semantic::index(&knowledge_base, &locale)
            };
            let hits = semantic::search(&index, &query);
            if json {
                println!("{}", serde_json::to_string_pretty(&hits)?);
            } else if hits.is_empty() {
                println!("No articles match {:?} in locale {locale}.", query.text);
            } else {
                for (rank, hit) in hits.iter().enumerate() {
                    let section = hit.heading.as_deref().map(|h| format!(" › {h}")).unwrap_or_default();
                    println!("{:>2}. {}{section}  ({:.3})\n    {}", rank + 1, hit.title, hit.score, hit.source);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_evaluation(evaluation: &Evaluation) {
    for miss in &evaluation.misses {
        let rank = miss.rank.map_or("not in top 10".to_owned(), |rank| format!("rank {rank}"));
        println!(
            "miss ({rank}): {:?}\n  expected {}\n  got      {}",
            miss.query,
            miss.expected.join(", "),
            miss.top.join(" | ")
        );
    }
    for (kind, (queries, found)) in &evaluation.by_kind {
        println!("{kind:>10}: {found}/{queries} in the top 5");
    }
    println!(
        "{} queries: recall@5 {:.1} %, MRR@10 {:.3}",
        evaluation.queries,
        evaluation.recall_at_5 * 100.0,
        evaluation.mrr_at_10
    );
}

pub fn load(content_dir: &Path) -> Result<KnowledgeBase> {
    kb::load(content_dir).with_context(|| format!("could not read the knowledge base in {}", content_dir.display()))
}

fn check(content_dir: &Path, format: Format) -> Result<ExitCode> {
    let knowledge_base = load(content_dir)?;
    let (errors, warnings) = (knowledge_base.count(Severity::Error), knowledge_base.count(Severity::Warning));
    match format {
        Format::Json => {
            let report = serde_json::json!({
                "articles": knowledge_base.articles.len(),
                "errors": errors,
                "warnings": warnings,
                "problems": knowledge_base.problems,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text => {
            for problem in &knowledge_base.problems {
                println!("{problem}");
            }
            println!(
                "{}: {} articles, {errors} error(s), {warnings} warning(s)",
                content_dir.display(),
                knowledge_base.articles.len()
            );
        }
    }
    Ok(if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
