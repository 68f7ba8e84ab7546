//! Ranking by meaning at the edge. A transformer's forward pass per query does not fit a worker's CPU
//! budget, so the query's vector comes from the team's embeddings provider: an OpenAI-compatible
//! `POST /v1/embeddings` (`EMBEDDINGS_URL`) serving the model the build embedded the sections with. The
//! widget asks for it (`meaning=1`) only once the customer pauses, after the answer by words.
//!
//! The first call of an isolate embeds the build's probe sentence too: a provider whose vector for it
//! differs runs another model, and its query vectors would rank nothing sensibly, so this isolate ranks by
//! words alone and the operator reads why in the log.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use edgedesk_search::manifest::Manifest;
use edgedesk_search::semantic::{PROBE, SectionVectors, provider};
use worker::Env;

use crate::edge::{secret, var};
use crate::http::{send, within};
use crate::store::assets;

/// The provider's embeddings endpoint, e.g. `https://api.openai.com/v1/embeddings` or Ollama's
/// `http://host:11434/v1/embeddings`; unset, searches rank by words alone.
pub const EMBEDDINGS_URL: &str = "EMBEDDINGS_URL";
/// The provider's name for the build's models (`all-minilm` in Ollama), or one per model
/// (`all-MiniLM-L6-v2=all-minilm, multilingual-e5-small=…`); the build's own names when unset
/// ([`provider::model_name`]).
pub const EMBEDDINGS_MODEL: &str = "EMBEDDINGS_MODEL";
/// Sent as `Authorization: Bearer …` when set.
pub const EMBEDDINGS_KEY: &str = "EMBEDDINGS_KEY";
/// A provider slower than this leaves the customer with the answer by words, which they already have.
const PROVIDER_TIMEOUT_MS: u64 = 2_000;

thread_local! {
    /// Per model of the build, whether the provider embeds the probe as the build did: unknown until this
    /// isolate first asks for that model.
    static PROVIDER_AGREES: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
}

/// What this isolate knows of the provider's `model`.
fn provider_agrees(model: &str) -> Option<bool> {
    PROVIDER_AGREES.with_borrow(|agrees| agrees.get(model).copied())
}

/// Whether a search in `locale` can be ranked by meaning: a provider is configured, the build embedded the
/// locale, and the provider is not known to run another model than the locale's.
pub fn offered(env: &Env, manifest: &Manifest, locale: &str) -> bool {
    var(env, EMBEDDINGS_URL).is_some()
        && manifest.locales.get(locale).is_some_and(|summary| {
            summary.vectors && summary.model.as_deref().is_none_or(|model| provider_agrees(model) != Some(false))
        })
}

/// The locale's section vectors and the provider's vector of `text`; `None` (said in the log) when the
/// vectors or the provider cannot be had, and the search ranks by words.
pub async fn query_vector(env: &Env, locale: &str, text: &str) -> Option<(Rc<SectionVectors>, Vec<f32>)> {
    let url = var(env, EMBEDDINGS_URL)?;
    let vectors = match assets::vectors(env, locale).await {
        Ok(Some(vectors)) => vectors,
        Ok(None) => return None,
        Err(error) => {
            worker::console_error!("no section vectors for {locale}: {}", error.message);
            return None;
        }
    };
    let check_probe = provider_agrees(vectors.model()).is_none();
    // Written as the model wants a query (`query: …` for e5), the probe as the build embedded it.
    let (probe, query) = (vectors.query_text(PROBE), vectors.query_text(text));
    let inputs: Vec<&str> = if check_probe { vec![&probe, &query] } else { vec![&query] };
    let model = provider::model_name(var(env, EMBEDDINGS_MODEL).as_deref(), vectors.model());
    let mut embedded = match embed(&url, &model, secret(env, EMBEDDINGS_KEY), &inputs, vectors.dimensions()).await {
        Ok(embedded) => embedded,
        Err(reason) => {
            worker::console_error!("ranking by words only: {reason}");
            return None;
        }
    };
    let query_vector = embedded.pop()?;
    if check_probe {
        let agrees = embedded.first().is_some_and(|probe| vectors.same_model(probe));
        PROVIDER_AGREES.with_borrow_mut(|known| known.insert(vectors.model().to_owned(), agrees));
        if !agrees {
            worker::console_error!(
                "ranking {locale} by words only: {EMBEDDINGS_URL} answers for `{model}` with another model than \
                 the build's ({}); set {EMBEDDINGS_MODEL} to the provider's name for that model",
                vectors.model()
            );
            return None;
        }
    }
    Some((vectors, query_vector))
}

/// The provider's unit vectors of `inputs`, or why there are none.
async fn embed(
    url: &str,
    model: &str,
    key: Option<String>,
    inputs: &[&str],
    dimensions: usize,
) -> Result<Vec<Vec<f32>>, String> {
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(key) = key {
        headers.push(("Authorization".to_owned(), format!("Bearer {key}")));
    }
    let body = provider::request_body(model, inputs);
    let answered = async {
        let mut response = send(worker::Method::Post, url, &headers, Some(&body))
            .await
            .map_err(|error| format!("the embeddings provider could not be reached: {error}"))?;
        let answer = response.text().await.unwrap_or_default();
        provider::read_answer(response.status_code(), &answer, inputs.len(), dimensions)
    };
    let late = format!("the embeddings provider did not answer within {PROVIDER_TIMEOUT_MS} ms");
    within(std::time::Duration::from_millis(PROVIDER_TIMEOUT_MS), answered, late).await
}
