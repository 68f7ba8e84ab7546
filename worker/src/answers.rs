//! `POST /api/answers`: a few sentences from the knowledge base, written by the team's own model provider
//! (any OpenAI-compatible chat-completions endpoint: Workers AI, OpenAI, a llama.cpp server) and streamed
//! to the widget as server-sent events. `edgedesk_answers` decides everything; this is the I/O: the
//! search, the provider call, the cache and the counts in D1.
//!
//! Order matters for cost: retrieval first (weak retrieval makes no call), then the cache (a kept answer
//! makes no call and is not counted), then the day's counts, and only then the provider.

use std::rc::Rc;
use std::time::Duration;

use edgedesk_answers::grounding::Judgement;
use edgedesk_answers::mask::mask;
use edgedesk_answers::provider::{self, EventReader, Said};
use edgedesk_answers::quota::{self, Scope};
use edgedesk_answers::stream::{self, Step, Writing};
use edgedesk_answers::{cache, prompt};
use edgedesk_insights::{Event, EventKind};
use edgedesk_protocol::answers::{AnswerRequest, FallbackReason};
use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::insights::product_name;
use futures::StreamExt;
use worker::{ByteStream, Env, Method, Request, Response};

use crate::edge::{ANSWERS_KEY, ANSWERS_URL, Moment, limit_events, secret, var};
use crate::http::{ApiResult, internal, query_param, read_json, send, within};
use crate::knowledge::{answer_settings, judge_question};
use crate::learning::address_hash;
use crate::store::assets;
use crate::store::{self, events};

/// However steadily a provider trickles, an answer is over after this many timeouts' worth of time.
const TIMEOUTS_PER_ANSWER: u64 = 4;

/// `POST /api/answers {q, locale, product, visit}`, or `GET /api/answers?q=&locale=&product=&visit=` for
/// the browser's `EventSource` (the question in the address, as a search's is) → `text/event-stream`:
/// `sources`, `text`…, then `done` or `fallback`. `404 answers_off` where the site writes no answers;
/// `429 answers_exhausted` past a day's allowance.
pub async fn answer(mut request: Request, env: &Env) -> ApiResult {
    let Some(config) = answer_settings(env).await? else {
        return Err(ApiError::new(404, "answers_off", "This help center does not write answers."));
    };
    limit_events(&request, env).await?;
    let asked: AnswerRequest = if request.method() == Method::Get {
        let param = |name: &str| query_param(&request, name);
        AnswerRequest {
            q: param("q")?.unwrap_or_default(),
            locale: param("locale")?,
            product: param("product")?,
            visit: param("visit")?,
        }
    } else {
        read_json(&mut request, &AnswerRequest::FIELDS, AnswerRequest::MAX_BYTES, "an answer request").await?
    };
    let (question, visit) = asked.check()?;
    // Nothing the customer typed that names them leaves the worker, the cache key included.
    let masked = mask(question);
    // As events name it: trimmed, without control characters, clipped; the cache key too.
    let product = product_name(asked.product.clone());
    let now = Moment::of(&request, env)?.at;

    let manifest = assets::manifest(env).await?;
    let page_locale = manifest.choose_locale(asked.locale.as_deref()).to_owned();
    let (locale, judgement) = judge_question(env, &page_locale, question).await?;
    let Judgement::Confident(passages) = judgement else {
        return event_stream(futures::stream::iter([stream::fallback_event(FallbackReason::Unsure)]).map(Ok));
    };
    let sources = stream::sources_event(&edgedesk_answers::grounding::sources(&passages));
    // Counted for the insights once the answer is complete: shown, by its first source and locale.
    let shown = Event {
        at: now,
        kind: EventKind::AnswerShown,
        visit: Some(visit.clone()),
        product: product.clone(),
        locale: Some(locale.clone()),
        subject: passages[0].slug.clone(),
        value: 1,
    };

    let key = cache::key(&masked, &manifest.build, &locale, product.as_deref());
    if let Some(text) = store::answers::kept(env, &key, now).await? {
        record_shown(env, &shown).await;
        let events = [sources, stream::text_event(&text), stream::done_event(true)];
        return event_stream(futures::stream::iter(events).map(Ok));
    }

    let mut scopes = vec![Scope::Site, Scope::Visit(visit)];
    scopes.extend(address_hash(&request, env).await.map(Scope::Address));
    let counted = store::answers::count(env, scopes, quota::day_of(now)).await?;
    quota::over(&config, &counted, now)?;

    let url = var(env, ANSWERS_URL).ok_or_else(|| internal("ANSWERS_URL went missing"))?;
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(key) = secret(env, ANSWERS_KEY) {
        headers.push(("Authorization".to_owned(), format!("Bearer {key}")));
    }
    let call = ProviderCall {
        url,
        headers,
        body: prompt::chat_request(&config, &locale, &masked, &passages),
        timeout: Duration::from_millis(u64::from(config.timeout_ms)),
    };
    let writing = Writing::new(prompt::system_prompt(&locale));
    let deadline = worker::Date::now().as_millis() + u64::from(config.timeout_ms) * TIMEOUTS_PER_ANSWER;
    let phase = Phase::Sources(sources);
    let state = Answering { phase, call: Rc::new(call), env: env.clone(), key, now, deadline, writing, shown };
    event_stream(futures::stream::unfold(state, Answering::next).map(Ok))
}

/// Counts a complete answer for the insights; a failure is logged, the answer is the customer's anyway.
async fn record_shown(env: &Env, shown: &Event) {
    let stored = async { events::insert(&store::database(env)?, shown, None)?.run().await.map_err(internal) };
    if let Err(error) = stored.await {
        worker::console_error!("a shown answer was not counted: {}", error.message);
    }
}

/// A stream of server-sent events as the response, kept by nobody on the way.
fn event_stream(events: impl futures::Stream<Item = Result<String, worker::Error>> + 'static) -> ApiResult {
    let mut response = Response::from_stream(events.map(|event| event.map(String::into_bytes))).map_err(internal)?;
    let headers = response.headers_mut();
    for (name, value) in [
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Accel-Buffering", "no"),
    ] {
        headers.set(name, value).map_err(internal)?;
    }
    Ok(response)
}

struct ProviderCall {
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    timeout: Duration,
}

enum Phase {
    /// The sources go first, before the provider is called: the card can show where the answer comes from.
    Sources(String),
    Calling,
    /// The provider's stream (none when it answered whole), and what it said that is not yet passed on.
    Reading(Option<ByteStream>, EventReader, std::collections::VecDeque<Said>),
    /// Keeping the complete answer, then `done`.
    Complete(String),
    Over,
}

/// The answer being streamed: one event per step of [`Answering::next`].
struct Answering {
    phase: Phase,
    call: Rc<ProviderCall>,
    env: Env,
    key: String,
    now: i64,
    /// When the whole answer must be written by (milliseconds since the epoch).
    deadline: u64,
    writing: Writing,
    shown: Event,
}

impl Answering {
    async fn next(mut self) -> Option<(String, Self)> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Over) {
                Phase::Over => return None,
                Phase::Sources(sources) => {
                    self.phase = Phase::Calling;
                    return Some((sources, self));
                }
                Phase::Calling => match self.call_provider().await {
                    Ok(Called::Streaming(body)) => {
                        self.phase = Phase::Reading(Some(body), EventReader::default(), Default::default());
                    }
                    Ok(Called::Whole(text)) => {
                        let said = [Said::Text(text), Said::Finished].into();
                        self.phase = Phase::Reading(None, EventReader::default(), said);
                    }
                    Err((reason, why)) => return Some(self.give_way(reason, &why)),
                },
                Phase::Reading(mut body, mut reader, mut said) => {
                    if let Some(next) = said.pop_front() {
                        let step = self.writing.on(next);
                        self.phase = Phase::Reading(body, reader, said);
                        match step {
                            Step::Wait => {}
                            Step::Send(event) => return Some((event, self)),
                            Step::Complete(text) => self.phase = Phase::Complete(text),
                            Step::GiveWay(reason, why) => return Some(self.give_way(reason, &why)),
                        }
                        continue;
                    }
                    let Some(stream) = body.as_mut() else {
                        return Some(self.give_way(FallbackReason::Unavailable, "the provider's answer ended early"));
                    };
                    let left = Duration::from_millis(self.deadline.saturating_sub(worker::Date::now().as_millis()));
                    let wait = self.call.timeout.min(left);
                    let late = format!("the provider sent nothing for {} ms", wait.as_millis());
                    let read = async { stream.next().await.transpose().map_err(|error| error.to_string()) };
                    match within(wait, read, late).await {
                        Ok(Some(bytes)) => said.extend(reader.push(&bytes)),
                        Ok(None) => {
                            said.extend(reader.finish());
                            // A stream that ends without `[DONE]` ends the answer where it stands.
                            said.push_back(Said::Finished);
                        }
                        Err(why) => return Some(self.give_way(FallbackReason::Timeout, &why)),
                    }
                    self.phase = Phase::Reading(body, reader, said);
                }
                Phase::Complete(text) => {
                    if let Err(error) = store::answers::keep(&self.env, &self.key, &text, self.now).await {
                        worker::console_error!("an answer could not be kept: {}", error.message);
                    }
                    record_shown(&self.env, &self.shown).await;
                    return Some((stream::done_event(false), self));
                }
            }
        }
    }

    fn give_way(mut self, reason: FallbackReason, why: &str) -> (String, Self) {
        worker::console_error!("answer given up ({reason:?}): {why}");
        self.phase = Phase::Over;
        (stream::fallback_event(reason), self)
    }

    async fn call_provider(&self) -> Result<Called, (FallbackReason, String)> {
        let call = Rc::clone(&self.call);
        let answered = async move {
            let mut response = send(worker::Method::Post, &call.url, &call.headers, Some(&call.body))
                .await
                .map_err(|error| format!("the provider could not be reached: {error}"))?;
            let status = response.status_code();
            if !(200..300).contains(&status) {
                return Err(provider::refusal(status, &response.text().await.unwrap_or_default()));
            }
            let content_type = response.headers().get("Content-Type").ok().flatten().unwrap_or_default();
            if content_type.starts_with("application/json") {
                let body = response.text().await.map_err(|error| error.to_string())?;
                return provider::whole_answer(&body).map(Called::Whole);
            }
            response.stream().map(Called::Streaming).map_err(|error| error.to_string())
        };
        let late = format!("the provider did not answer within {} ms", self.call.timeout.as_millis());
        within(self.call.timeout, answered, late.clone()).await.map_err(|why| {
            let reason = if why == late { FallbackReason::Timeout } else { FallbackReason::Unavailable };
            (reason, why)
        })
    }
}

enum Called {
    Streaming(ByteStream),
    Whole(String),
}
