//! End-to-end tests against the real worker (workerd via `wrangler dev`, local D1) and real Chromium.
//!
//! One worker and one chromedriver serve every test in this binary, because starting workerd costs
//! seconds; each browser test opens its own Chromium. Run with `make test` (which builds first) or, after
//! `make build`, `cargo test -p edgedesk-e2e`.

mod abuse;
mod accessibility;
mod answers;
mod api;
mod banner;
mod chaos;
mod contract;
mod csp;
mod embed;
mod form;
mod helpdesks;
mod insights;
mod learning;
mod load;
mod locale;
mod meaning;
mod migrations;
mod regressions;
mod status;
mod tickets;
mod widget;
mod xss;

use std::sync::Arc;

use anyhow::Result;
use edgedesk_e2e::{Chromedriver, Helpdesk, HostSite, Wrangler, free_port};
use libtest_mimic::{Arguments, Failed, Trial};

/// What the tests share: the worker, the browser driver, and host pages on two other origins.
pub struct World {
    pub worker: Wrangler,
    pub chromedriver: Chromedriver,
    /// A product's app on another origin that the worker's configuration allows.
    pub host: HostSite,
    /// An origin the worker does not know.
    pub stranger_origin: String,
    /// A product's app for the status banner tests: product `e2e-banner`, status checked every second.
    /// `/unreachable` embeds the widget with an API address where nothing listens.
    pub status_host: HostSite,
    /// The worker's `ADMIN_TOKEN`.
    pub admin_token: String,
    /// The team's helpdesk behind the signed webhook, where delivered tickets are counted.
    pub helpdesk: Helpdesk,
    /// The `IDENTITY_SECRET` the product's backend signs customers with.
    pub identity_secret: String,
    /// The `HELPDESK_EVENTS_SECRET` the helpdesk signs its progress reports with.
    pub events_secret: String,
}

impl World {
    async fn start() -> Result<Self> {
        let host_port = free_port()?;
        let host_origin = format!("http://127.0.0.1:{host_port}");
        let status_port = free_port()?;
        let status_origin = format!("http://127.0.0.1:{status_port}");
        let stranger_origin = format!("http://127.0.0.1:{}", free_port()?);
        let admin_token = format!("test-admin-token-{}", free_port()?);
        let helpdesk = Helpdesk::start(&format!("webhook-secret-{}", free_port()?)).await?;
        let identity_secret = format!("identity-secret-{}", free_port()?);
        let events_secret = format!("helpdesk-events-secret-{}", free_port()?);
        let worker = Wrangler::start(&[
            ("ALLOWED_ORIGINS", &format!("{host_origin}, {status_origin}")),
            ("ADMIN_TOKEN", &admin_token),
            // Lets the status tests answer for another moment (X-Edgedesk-Now); never set in production.
            ("ALLOW_CLOCK_OVERRIDE", "true"),
            ("DELIVERY_BACKEND", "webhook"),
            ("DELIVERY_URL", &helpdesk.url),
            ("WEBHOOK_SECRET", &helpdesk.secret),
            ("IDENTITY_SECRET", &identity_secret),
            ("HELPDESK_EVENTS_SECRET", &events_secret),
        ])
        .await?;
        let host =
            HostSite::serve_pages(host_port, widget::host_page(&worker.base_url), host_pages(&worker.base_url)).await?;
        let worker_origin = &worker.base_url;
        let banner_page = widget::host_page_with(
            worker_origin,
            &format!(
                // Intent-only, so that only a banner that must show brings the widget in.
                r#"data-api="{worker_origin}" data-locale="en" data-product="{}" data-status-poll="1" data-load="intent""#,
                banner::PRODUCT
            ),
        );
        let framed_banner_page = widget::host_page_with(
            worker_origin,
            &format!(r#"data-locale="en" data-product="{}" data-status-poll="1" data-mode="frame""#, banner::PRODUCT),
        );
        let dark_banner_page = widget::host_page_with(
            worker_origin,
            &format!(r#"data-locale="en" data-product="{}" data-status-poll="1" data-theme="dark""#, banner::PRODUCT),
        );
        let unreachable = format!("http://127.0.0.1:{}", free_port()?);
        let unreachable_page = widget::host_page_with(
            worker_origin,
            &format!(r#"data-api="{unreachable}" data-product="{}""#, banner::PRODUCT),
        );
        let status_host = HostSite::serve_pages(
            status_port,
            banner_page,
            vec![
                ("/unreachable", unreachable_page.into()),
                ("/frame", framed_banner_page.into()),
                ("/dark", dark_banner_page.into()),
            ],
        )
        .await?;
        let chromedriver = Chromedriver::start().await?;
        Ok(Self {
            worker,
            chromedriver,
            host,
            stranger_origin,
            status_host,
            admin_token,
            helpdesk,
            identity_secret,
            events_secret,
        })
    }
}

/// Every page the allowed host origin serves besides its home page.
fn host_pages(worker: &str) -> Vec<(&'static str, edgedesk_e2e::Page)> {
    let mut pages = embed::pages(worker);
    pages.extend(csp::pages(worker));
    pages.extend(locale::pages(worker));
    pages
}

type TestFn = fn(&World) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + '_>>;

macro_rules! tests {
    ($($module:ident :: $name:ident),* $(,)?) => {
        vec![$((concat!(stringify!($module), "::", stringify!($name)), (|world| Box::pin($module::$name(world))) as TestFn)),*]
    };
}

fn main() {
    let mut arguments = Arguments::from_args();
    // The tests share one worker and two cores; one at a time keeps timings honest and logs readable.
    arguments.test_threads.get_or_insert(1);

    let tests = tests![
        api::health_reports_the_built_knowledge_base,
        api::search_ranks_the_right_article_first,
        api::search_answers_in_the_language_the_query_is_written_in,
        api::search_rejects_bad_parameters,
        api::search_answers_are_cached_by_build,
        api::articles_and_sections_are_served_per_locale,
        api::votes_and_search_gaps_are_recorded_and_reported,
        migrations::search_gaps_become_events_without_counting_twice,
        migrations::delivery_claims_remember_attempts_made_before_them,
        migrations::events_keep_every_row_when_answers_join_them,
        api::ticket_is_stored_in_d1_and_numbered,
        api::bad_tickets_get_specific_errors,
        api::endless_bodies_are_refused_at_their_limit,
        api::unknown_routes_and_methods_are_json_errors,
        api::cors_allows_configured_origins_only,
        regressions::the_preflight_allows_if_none_match,
        regressions::put_on_my_tickets_says_to_use_post,
        contract::the_openapi_description_has_every_route_and_nothing_else,
        tickets::tickets_filed_while_the_helpdesk_is_down_arrive_exactly_once,
        tickets::a_double_submit_makes_one_ticket,
        tickets::each_invalid_field_gets_a_400_naming_it,
        tickets::identities_and_progress_reports_must_be_signed,
        tickets::attachments_are_checked_by_their_bytes,
        tickets::refused_tickets_are_parked_and_replayed_by_the_operator,
        tickets::the_sweep_sends_tickets_the_queue_gave_up_on,
        tickets::rate_limits_answer_429_with_retry_after,
        tickets::tickets_are_followed_with_their_view_token,
        tickets::the_webhook_carries_the_conversation_both_ways,
        tickets::acknowledgements_to_one_inbox_are_limited,
        abuse::one_customer_is_limited_from_any_address,
        abuse::an_ipv6_network_shares_one_allowance,
        abuse::admin_endpoints_do_nothing_without_the_token,
        tickets::a_burst_of_tickets_is_accepted_and_delivered,
        load::search_and_status_hold_under_load,
        tickets::without_a_helpdesk_tickets_stay_in_d1_and_turnstile_guards_the_form,
        helpdesks::every_helpdesk_gets_each_ticket_exactly_once,
        helpdesks::each_helpdesk_carries_the_conversation_exactly_once,
        helpdesks::customers_and_agents_answer_each_other_in_the_widget,
        status::operator_raises_updates_and_resolves_an_incident,
        status::scheduled_maintenance_opens_and_closes_on_time,
        status::admin_changes_need_the_token_and_valid_notices,
        status::status_is_served_from_the_edge_cache_and_validated,
        widget::demo_page_loads_the_widget_only_after_the_page,
        widget::a_returning_customer_starts_the_widget_without_a_round_trip,
        embed::pages_that_ask_and_customers_saving_data_load_the_widget_only_on_intent,
        embed::the_javascript_api_works_before_and_after_the_loader,
        embed::the_panel_fills_a_phone_screen_and_inputs_do_not_zoom,
        embed::the_dark_theme_reads_well_everywhere,
        embed::focus_goes_round_the_panel_and_never_leaves_it,
        embed::a_screen_whose_chunk_does_not_come_says_so_and_tries_again,
        embed::a_chunk_that_comes_after_the_customer_moved_on_shows_nothing,
        csp::a_strict_host_page_runs_the_widget_with_what_the_docs_allow,
        csp::frame_mode_needs_only_script_src_and_frame_src,
        locale::the_panel_speaks_russian_and_ukrainian_with_plurals_and_dates,
        locale::a_russian_query_in_the_english_panel_finds_the_russian_article,
        locale::suggestions_follow_the_apps_route,
        locale::a_right_to_left_page_gets_a_mirrored_widget,
        meaning::a_paused_query_is_ranked_by_meaning_through_the_teams_provider,
        meaning::a_provider_running_another_model_is_caught_and_words_answer,
        answers::answers_are_written_from_the_chosen_passages_by_the_teams_model,
        answers::a_stalled_or_exhausted_provider_gives_way_to_the_results,
        answers::the_answer_card_streams_in_the_widget_with_its_sources,
        widget::customer_searches_and_files_a_ticket,
        widget::the_passage_that_answers_shows_above_the_results,
        widget::customer_reads_an_article_follows_a_link_and_votes,
        widget::keyboard_chooses_a_result_and_empty_searches_are_reported,
        widget::form_points_at_the_invalid_field,
        widget::cross_origin_host_page_embeds_the_widget,
        accessibility::no_axe_violations_in_any_state,
        form::customer_files_a_ticket_with_topic_urgency_steps_and_a_screenshot,
        form::a_text_file_named_like_a_png_is_refused_with_the_reason,
        form::a_draft_survives_a_page_reload,
        form::my_tickets_shows_the_ticket_and_rates_the_answer,
        form::a_suggested_article_read_instead_of_writing_counts_as_a_deflection,
        form::tickets_carry_who_wrote_them_and_what_they_read,
        insights::events_are_checked_and_recorded_after_the_answer,
        insights::figures_match_a_known_month_in_the_api_the_cli_and_the_page,
        learning::a_month_of_successful_visits_lifts_an_article_and_a_flood_moves_nothing,
        banner::banner_follows_an_incident_until_it_is_resolved_and_dismissed,
        banner::tickets_filed_during_an_incident_are_linked_to_it,
        banner::an_unreachable_worker_breaks_nothing_on_the_host_page,
        xss::no_payload_ever_runs_as_script,
        chaos::acknowledged_tickets_survive_crashes_exactly_once,
        contract::schemathesis_finds_no_server_error_and_no_drift,
    ];

    let runtime = Arc::new(tokio::runtime::Runtime::new().expect("a tokio runtime"));
    let world = if arguments.list {
        None
    } else {
        Some(Arc::new(runtime.block_on(World::start()).map_err(|error| format!("{error:#}"))))
    };

    let trials = tests
        .into_iter()
        .map(|(name, test)| {
            let runtime = Arc::clone(&runtime);
            let world = world.clone();
            Trial::test(name, move || {
                let world = match world.as_deref() {
                    Some(Ok(world)) => world,
                    Some(Err(error)) => return Err(Failed::from(format!("the test world did not start: {error}"))),
                    None => return Ok(()),
                };
                runtime.block_on(test(world)).map_err(|error| {
                    Failed::from(format!("{error:#}\n--- wrangler dev output ---\n{}", tail(&world.worker.log(), 40)))
                })
            })
        })
        .collect();

    let conclusion = libtest_mimic::run(&arguments, trials);
    // Stop workerd, chromedriver and the host pages before exiting.
    drop(world);
    conclusion.exit();
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
