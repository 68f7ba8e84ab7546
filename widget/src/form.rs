//! The contact form's state, owned by the panel so that it outlives a visit to an article: the fields,
//! the draft that survives a reload, uploads, suggested articles, and sending with retries.
//!
//! The state and its code load with the form's chunk (`lazy.rs`): the panel, in the first chunk, holds only
//! a [`FormLink`], through which the host page's prefill, the customer's sign-out and a suggested article
//! they read reach the form, built or not.

use std::any::Any;
use std::time::Duration;

use edgedesk_protocol::api::{
    ApiError, AttachmentUploaded, Deflection, FormConfig, MAX_QUERY_CHARS, NewTicket, SearchHit, SearchResponse,
    TicketAccepted, Urgency,
};
use edgedesk_protocol::attachment::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MEDIA_TYPES, TURNSTILE_HEADER};
use edgedesk_protocol::ticket::{self, MAX_APP_VERSION_CHARS, MAX_URL_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{Api, Failure, describe, encode, sleep};
use crate::json::{Fields, FromJson};
use crate::session::Session;
use crate::watch::Watched;
use crate::words::ScreenWords;
use crate::{Settings, storage};

const DRAFT_KEY: &str = "edgedesk-draft";
/// The fields every form has; the others are the site's choice (`FormConfig::fields`).
pub const ALWAYS_SHOWN: [&str; 4] = ["name", "email", "subject", "message"];
/// A failed submission that may not have arrived is sent again after these pauses, with the same key.
const RETRY_BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];
/// Suggestions wait for a pause in typing longer than search's: the customer is writing, not looking.
/// How long an upload waits for the Turnstile check to give a token, in steps of 250 ms: a minute.
const TURNSTILE_WAIT_STEPS: usize = 240;
const SUGGEST_DEBOUNCE: Duration = Duration::from_millis(400);
/// Fewer words than this say too little to suggest anything from.
const SUGGEST_MIN_WORDS: usize = 3;
const SUGGESTIONS: usize = 3;

/// What the site's form asks for, as far as the widget knows yet.
#[derive(Clone, Debug, PartialEq)]
pub enum Config {
    NotLoaded,
    Loading,
    Ready(FormConfig),
    /// `GET /api/form` failed: the form goes without the topic and urgency choices.
    Unavailable,
}

/// A file the customer attached: uploading until the worker gives it an id.
#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    /// Tells apart two uploads of files with the same name.
    pub key: u32,
    pub name: String,
    pub id: Option<String>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
struct Draft {
    name: String,
    email: String,
    topic: String,
    urgency: String,
    subject: String,
    message: String,
    steps_tried: String,
    /// Uploaded files only, as `(id, name)`: the bytes are with the worker already.
    attachments: Vec<(String, String)>,
    idempotency_key: Option<String>,
}

/// Every field may be missing: a draft written by an older widget lacks the newer ones.
impl FromJson for Draft {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            name: fields.or_default("name")?,
            email: fields.or_default("email")?,
            topic: fields.or_default("topic")?,
            urgency: fields.or_default("urgency")?,
            subject: fields.or_default("subject")?,
            message: fields.or_default("message")?,
            steps_tried: fields.or_default("steps_tried")?,
            attachments: fields.or_default("attachments")?,
            idempotency_key: fields.or_default("idempotency_key")?,
        })
    }
}

impl Draft {
    /// A name and email alone are not worth keeping as a draft.
    fn is_blank(&self) -> bool {
        [&self.subject, &self.message, &self.steps_tried].iter().all(|text| text.trim().is_empty())
            && self.attachments.is_empty()
    }
}

/// What the host page asked to fill in (`edgedesk('prefill', …)`); a field left out keeps what it has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prefill {
    pub name: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
    pub message: Option<String>,
}

/// The panel's hold on the contact form, which is built the first time it is shown. Kept for the page's
/// life, as the panel is.
#[derive(Clone, Copy, Debug)]
pub struct FormLink {
    /// The form, once built (in the screens' chunk), with the reactive owner it lives under, as the
    /// screens' chunk put them: the first chunk holds none of Leptos's code.
    form: Watched<Option<Box<dyn Any>>>,
    /// A prefill that has not reached the form yet: the form takes it when built, or at once.
    prefill: Watched<Option<Prefill>>,
    /// Changed when the customer signs out.
    reset: Watched<()>,
    /// A suggested article the customer opened: if they leave without sending, the article answered.
    opened_suggestion: Watched<Option<Deflection>>,
}

impl FormLink {
    pub fn new() -> Self {
        Self {
            form: Watched::new(None),
            prefill: Watched::new(None),
            reset: Watched::new(()),
            opened_suggestion: Watched::new(None),
        }
    }

    pub fn prefill(&self, prefill: Prefill) {
        self.prefill.set(Some(prefill));
    }

    /// Everything the customer typed and the draft, when they sign out (`edgedesk('reset')`).
    pub fn forget(&self) {
        storage::remove(storage::local(), DRAFT_KEY);
        self.prefill.set(None);
        self.opened_suggestion.set(None);
        self.reset.set(());
    }

    /// The customer closed the panel or left the page after reading a suggested article and without
    /// sending: counted once.
    pub fn report_deflection(&self, settings: &Settings) {
        let opened = self.opened_suggestion.get();
        if let Some(deflection) = opened {
            self.opened_suggestion.set(None);
            let deflection =
                Deflection { product: settings.product(), visit: Some(settings.session.visit()), ..deflection };
            settings.api.post_keepalive("/api/deflections", &deflection);
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct FormState {
    pub name: RwSignal<String>,
    pub email: RwSignal<String>,
    /// A topic id; empty means the site's default topic.
    pub topic: RwSignal<String>,
    /// An urgency's name (`normal`).
    pub urgency: RwSignal<String>,
    pub subject: RwSignal<String>,
    pub message: RwSignal<String>,
    pub steps_tried: RwSignal<String>,
    /// The honeypot: people never see it, robots fill it in.
    pub website: RwSignal<String>,
    pub attachments: RwSignal<Vec<Attachment>>,
    /// The Turnstile token, on sites that require the check; good for one submission.
    pub turnstile: RwSignal<Option<String>>,
    pub config: RwSignal<Config>,
    /// Why the ticket was not accepted, pinned to its field when it has one.
    pub error: RwSignal<Option<ApiError>>,
    /// Why a file could not be attached.
    pub attachment_error: RwSignal<Option<String>>,
    pub sending: RwSignal<bool>,
    pub suggestions: RwSignal<Vec<SearchHit>>,
    /// From a keystroke until the suggestions for what was typed are shown (or known to be none): the
    /// suggestions box says it is busy, and what follows it may still move.
    pub suggesting: RwSignal<bool>,
    session: Session,
    link: FormLink,
    /// Made at the first submission and kept until the worker accepts the ticket, so that a retry of a
    /// submission that did arrive is not filed twice.
    idempotency_key: StoredValue<Option<String>>,
    next_attachment_key: StoredValue<u32>,
    latest_suggestion_request: StoredValue<u64>,
}

impl FormState {
    /// The panel's form, built the first time it is shown.
    pub fn of(link: FormLink, settings: &Settings) -> Self {
        let built = link.form.with(|built| built.as_ref()?.downcast_ref::<(Self, Owner)>().map(|(form, _)| *form));
        if let Some(form) = built {
            return form;
        }
        // Under an owner of its own, which the link keeps: the form outlives its screen.
        let owner = Owner::new();
        let form = owner.with(|| Self::new(link, settings));
        link.form.set(Some(Box::new((form, owner))));
        let take_prefill = move || {
            let prefill = link.prefill.get();
            if let Some(prefill) = prefill {
                link.prefill.set(None);
                form.prefill(prefill);
            }
            true
        };
        take_prefill();
        link.prefill.watch(take_prefill);
        form
    }

    /// Restores the draft and keeps saving it. Reads nothing from the network: that waits until the
    /// form is first shown ([`FormState::load_config`]).
    fn new(link: FormLink, settings: &Settings) -> Self {
        let session = settings.session;
        let draft: Draft = storage::read(storage::local(), DRAFT_KEY).unwrap_or_default();
        let urgency = if draft.urgency.is_empty() { Urgency::Normal.name().to_owned() } else { draft.urgency };
        let attachments: Vec<Attachment> = draft
            .attachments
            .into_iter()
            .zip(0..)
            .map(|((id, name), key)| Attachment { key, name, id: Some(id) })
            .collect();
        let form = Self {
            name: RwSignal::new(draft.name),
            email: RwSignal::new(draft.email),
            topic: RwSignal::new(draft.topic),
            urgency: RwSignal::new(urgency),
            subject: RwSignal::new(draft.subject),
            message: RwSignal::new(draft.message),
            steps_tried: RwSignal::new(draft.steps_tried),
            website: RwSignal::new(String::new()),
            next_attachment_key: StoredValue::new(attachments.len() as u32),
            attachments: RwSignal::new(attachments),
            turnstile: RwSignal::new(None),
            config: RwSignal::new(Config::NotLoaded),
            error: RwSignal::new(None),
            attachment_error: RwSignal::new(None),
            sending: RwSignal::new(false),
            suggestions: RwSignal::new(Vec::new()),
            suggesting: RwSignal::new(false),
            session,
            link,
            idempotency_key: StoredValue::new(draft.idempotency_key),
            latest_suggestion_request: StoredValue::new(0),
        };
        follow(move || form.save_draft());
        // Whoever the product says the customer is need not type their name and address. The identity is
        // the first chunk's; a signal here follows it.
        let identity = RwSignal::new(session.identity.get());
        session.identity.watch(move || identity.try_set(session.identity.get()).is_none());
        follow(move || {
            let Some(identity) = identity.get() else { return };
            for (attribute, field) in [("name", form.name), ("email", form.email)] {
                if let Some(value) = identity.attributes.get(attribute)
                    && field.get_untracked().trim().is_empty()
                {
                    field.set(value.clone());
                }
            }
        });
        link.reset.watch(move || {
            form.forget();
            true
        });
        // In another language (`setLocale`), the site's form as it is in that language.
        let (settings, locale) = (settings.clone(), settings.locale);
        locale.watch(move || {
            form.reload_config(&settings);
            true
        });
        form
    }

    fn prefill(&self, prefill: Prefill) {
        let Prefill { name, email, subject, message } = prefill;
        for (field, value) in [(self.name, name), (self.email, email), (self.subject, subject), (self.message, message)]
        {
            if let Some(value) = value {
                field.set(value);
            }
        }
    }

    /// Tracked when run in an effect, so that every change to a field is saved.
    fn save_draft(&self) {
        let draft = Draft {
            name: self.name.get(),
            email: self.email.get(),
            topic: self.topic.get(),
            urgency: self.urgency.get(),
            subject: self.subject.get(),
            message: self.message.get(),
            steps_tried: self.steps_tried.get(),
            attachments: self
                .attachments
                .with(|attachments| attachments.iter().filter_map(|a| Some((a.id.clone()?, a.name.clone()))).collect()),
            idempotency_key: self.idempotency_key.get_value(),
        };
        if draft.is_blank() {
            storage::remove(storage::local(), DRAFT_KEY);
        } else {
            storage::write(storage::local(), DRAFT_KEY, &draft);
        }
    }

    /// Asks the worker what this site's form contains, unless it already said.
    pub fn load_config(self, settings: &Settings) {
        if matches!(self.config.get_untracked(), Config::Loading | Config::Ready(_)) {
            return;
        }
        self.config.set(Config::Loading);
        let settings = settings.clone();
        spawn_local(async move {
            let path = format!("/api/form?locale={}", encode(&settings.locale()));
            self.config.set(match settings.api.get::<FormConfig>(&path).await {
                Ok(config) => Config::Ready(config),
                Err(_) => Config::Unavailable,
            });
        });
    }

    /// The site's form as it is in the customer's new language.
    fn reload_config(self, settings: &Settings) {
        self.config.set(Config::NotLoaded);
        self.load_config(settings);
    }

    /// Whether the site's form has the optional `field`.
    pub fn is_shown(&self, field: &str) -> bool {
        self.config.with(|config| match config {
            Config::Ready(config) => config.fields.iter().any(|shown| shown == field),
            // Without the site's word, the free-text and upload parts still work; the choices need its lists.
            Config::Unavailable => field == "steps_tried" || field == "attachments",
            Config::NotLoaded | Config::Loading => false,
        })
    }

    /// Whether an error about `field` can be shown next to it.
    pub fn is_visible(&self, field: &str) -> bool {
        ALWAYS_SHOWN.contains(&field) || self.is_shown(field)
    }

    /// The site's label for `field` in the customer's language, else the widget's own.
    pub fn label(&self, field: &str, own: &str) -> String {
        self.config
            .with(|config| match config {
                Config::Ready(config) => config.labels.get(field).cloned(),
                _ => None,
            })
            .unwrap_or_else(|| own.to_owned())
    }

    pub fn topics(&self) -> Vec<(String, String)> {
        self.config.with(|config| match config {
            Config::Ready(config) => config.topics.iter().map(|t| (t.id.clone(), t.title.clone())).collect(),
            _ => Vec::new(),
        })
    }

    pub fn max_attachments(&self) -> usize {
        self.config.with(|config| match config {
            Config::Ready(config) if config.max_attachments > 0 => config.max_attachments,
            _ => MAX_ATTACHMENTS,
        })
    }

    pub fn max_attachment_bytes(&self) -> usize {
        self.config.with(|config| match config {
            Config::Ready(config) if config.max_attachment_bytes > 0 => config.max_attachment_bytes,
            _ => MAX_ATTACHMENT_BYTES,
        })
    }

    /// The picker's `accept`.
    pub fn accept(&self) -> String {
        self.config.with(|config| match config {
            Config::Ready(config) if !config.attachment_types.is_empty() => config.attachment_types.join(","),
            // The site's configuration could not be read: offer what the worker accepts anyway.
            _ => MEDIA_TYPES.join(","),
        })
    }

    pub fn is_uploading(&self) -> bool {
        self.attachments.with_untracked(|attachments| attachments.iter().any(|a| a.id.is_none()))
    }

    /// Uploads each file at once, after the checks the worker would make anyway: how many, how big.
    pub fn attach(self, api: &Api, files: Vec<web_sys::File>, words: &'static ScreenWords) {
        self.attachment_error.set(None);
        let max_bytes = self.max_attachment_bytes();
        for file in files {
            let max_count = self.max_attachments();
            if self.attachments.with_untracked(Vec::len) >= max_count {
                self.attachment_error.set(Some(words.too_many_files.replace("{count}", &max_count.to_string())));
                break;
            }
            if file.size() > max_bytes as f64 {
                let size = (max_bytes / (1024 * 1024)).to_string();
                self.attachment_error
                    .set(Some(words.file_too_large.replace("{name}", &file.name()).replace("{size}", &size)));
                continue;
            }
            let key = self.next_attachment_key.get_value();
            self.next_attachment_key.set_value(key + 1);
            self.attachments.update(|attachments| attachments.push(Attachment { key, name: file.name(), id: None }));
            let api = api.clone();
            spawn_local(async move {
                let filename = encode(&file.name());
                let mut headers = vec![("X-Filename", filename.as_str())];
                // With Turnstile on, each upload takes a token of its own, as the ticket will.
                let token = match self.turnstile_site_key() {
                    Some(_) => self.take_turnstile_token().await,
                    None => None,
                };
                if let Some(token) = &token {
                    headers.push((TURNSTILE_HEADER, token.as_str()));
                }
                let outcome = api.upload::<AttachmentUploaded>("/api/attachments", &file, &headers).await;
                self.attachments.update(|attachments| match &outcome {
                    Ok(uploaded) => {
                        // Removed while it was uploading: the customer no longer wants it.
                        if let Some(attachment) = attachments.iter_mut().find(|a| a.key == key) {
                            attachment.id = Some(uploaded.id.clone());
                            attachment.name = uploaded.name.clone();
                        }
                    }
                    Err(_) => attachments.retain(|a| a.key != key),
                });
                if let Err(failure) = outcome {
                    self.attachment_error.set(Some(describe(&failure, words)));
                }
            });
        }
    }

    /// The check's current token, taken so that no other request uses it; waits a while for the check
    /// to give one (it runs again as soon as a token is taken).
    async fn take_turnstile_token(self) -> Option<String> {
        for _ in 0..TURNSTILE_WAIT_STEPS {
            if self.turnstile.get_untracked().is_some() {
                let mut taken = None;
                self.turnstile.update(|token| taken = token.take());
                return taken;
            }
            sleep(Duration::from_millis(250)).await;
        }
        None
    }

    pub fn remove_attachment(&self, key: u32) {
        self.attachments.update(|attachments| attachments.retain(|a| a.key != key));
        self.attachment_error.set(None);
    }

    /// Looks for articles that may answer what the customer is writing, once they pause.
    pub fn suggest(self, settings: &Settings, text: String) {
        let request_number = self.latest_suggestion_request.get_value() + 1;
        self.latest_suggestion_request.set_value(request_number);
        if text.split_whitespace().count() < SUGGEST_MIN_WORDS {
            self.suggestions.set(Vec::new());
            self.suggesting.set(false);
            return;
        }
        self.suggesting.set(true);
        let settings = settings.clone();
        let is_latest = move || self.latest_suggestion_request.get_value() == request_number;
        set_timeout(
            move || {
                if !is_latest() {
                    return;
                }
                let query = first_words(&text, MAX_QUERY_CHARS);
                if query.is_empty() {
                    self.suggesting.set(false);
                    return;
                }
                spawn_local(async move {
                    let path = format!(
                        "/api/search?q={}&locale={}&limit={SUGGESTIONS}",
                        encode(&query),
                        encode(&settings.locale())
                    );
                    // Suggestions are a nicety: when search fails, the form is simply without them.
                    let answer = settings.api.get::<SearchResponse>(&path).await;
                    if !is_latest() {
                        return;
                    }
                    if let Ok(response) = answer {
                        // The same articles again are not news: the live region is not drawn (and read) again.
                        let hits: Vec<SearchHit> = response.hits.into_iter().take(SUGGESTIONS).collect();
                        if self.suggestions.with_untracked(|shown| *shown != hits) {
                            self.suggestions.set(hits);
                        }
                    }
                    self.suggesting.set(false);
                });
            },
            SUGGEST_DEBOUNCE,
        );
    }

    pub fn open_suggestion(&self, hit: &SearchHit) {
        self.link.opened_suggestion.set(Some(Deflection {
            locale: hit.locale.clone(),
            slug: hit.slug.clone(),
            ..Deflection::default()
        }));
    }

    /// The ticket as the form stands, with what the customer did not have to type.
    pub fn ticket(&self, settings: &Settings, incident_id: Option<String>) -> NewTicket {
        let document = web_sys::window().and_then(|window| window.document());
        let shown = |field| self.is_shown(field);
        let topic = self.topic.get_untracked();
        NewTicket {
            name: self.name.get_untracked(),
            email: self.email.get_untracked(),
            // A topic kept in a draft may since have been removed from the site: then the default.
            topic: if shown("topic") && self.topics().iter().any(|(id, _)| *id == topic) {
                topic
            } else {
                String::new()
            },
            urgency: if shown("urgency") {
                let urgency = self.urgency.get_untracked();
                Urgency::ALL.into_iter().find(|known| known.name() == urgency)
            } else {
                None
            },
            subject: self.subject.get_untracked(),
            message: self.message.get_untracked(),
            steps_tried: Some(self.steps_tried.get_untracked())
                .filter(|steps| shown("steps_tried") && !steps.trim().is_empty()),
            attachments: if shown("attachments") {
                self.attachments.with_untracked(|attachments| attachments.iter().filter_map(|a| a.id.clone()).collect())
            } else {
                Vec::new()
            },
            page_url: web_sys::window()
                .and_then(|window| window.location().href().ok())
                .map(|url| clip(&url, MAX_URL_CHARS)),
            referrer: document
                .map(|document| document.referrer())
                .filter(|referrer| !referrer.is_empty())
                .map(|url| clip(&url, MAX_URL_CHARS)),
            locale: Some(settings.locale()),
            app_version: settings.app_version.as_deref().map(|version| clip(version, MAX_APP_VERSION_CHARS)),
            incident_id,
            product: settings.product(),
            visit: Some(settings.session.visit()),
            articles_read: self.session.articles_read(),
            searches: self.session.searches(),
            identity: self.session.identity.get(),
            website: self.website.get_untracked(),
            turnstile: self.turnstile.get_untracked(),
        }
    }

    /// The site's Turnstile key, when it requires the check.
    pub fn turnstile_site_key(&self) -> Option<String> {
        self.config.with(|config| match config {
            Config::Ready(config) => config.turnstile_site_key.clone(),
            _ => None,
        })
    }

    /// The worker's own rules, run here first so that the customer is pointed at a field without a round
    /// trip. The honeypot is left for the worker to judge.
    pub fn check(&self, ticket: &NewTicket) -> Result<(), ApiError> {
        let topics = self.config.with_untracked(|config| match config {
            Config::Ready(config) => config.topics.iter().map(|topic| topic.id.clone()).collect(),
            _ => Vec::new(),
        });
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        ticket::validate(NewTicket { website: String::new(), ..ticket.clone() }, &topics).map(|_| ())
    }

    /// Sends the ticket, and again after a pause while the worker may simply not have heard it.
    pub async fn send(self, api: Api, ticket: NewTicket) -> Result<TicketAccepted, Failure> {
        let key = self.idempotency_key();
        let mut pauses = RETRY_BACKOFF.iter();
        loop {
            let outcome = api.post_with_headers("/api/tickets", &ticket, &[("Idempotency-Key", &key)]).await;
            match (outcome, pauses.next()) {
                (Err(failure), Some(pause)) if failure.is_transient() => sleep(*pause).await,
                (outcome, _) => return outcome,
            }
        }
    }

    fn idempotency_key(&self) -> String {
        if let Some(key) = self.idempotency_key.get_value() {
            return key;
        }
        let key = new_idempotency_key();
        self.idempotency_key.set_value(Some(key.clone()));
        // Saved with the draft: a retry after a reload must not file the ticket twice either.
        untrack(|| self.save_draft());
        key
    }

    /// Everything the customer typed, when they sign out.
    fn forget(&self) {
        self.clear_after_sending();
        self.name.set(String::new());
        self.email.set(String::new());
    }

    /// After the worker accepted the ticket: the next one starts blank, except for who is writing.
    pub fn clear_after_sending(&self) {
        self.idempotency_key.set_value(None);
        self.link.opened_suggestion.set(None);
        for field in [self.topic, self.subject, self.message, self.steps_tried, self.website] {
            field.set(String::new());
        }
        self.urgency.set(Urgency::Normal.name().to_owned());
        self.attachments.set(Vec::new());
        self.suggestions.set(Vec::new());
        self.error.set(None);
        self.attachment_error.set(None);
    }
}

/// Runs `update` now and again whenever a signal it read changes, until the reactive owner it was made
/// under goes (the screen, or the form). One effect type for all of the screens' chunk: each closure type
/// given to `Effect::new` is a copy of Leptos's effect code.
pub fn follow(update: impl Fn() + 'static) {
    let update: Box<dyn Fn()> = Box::new(update);
    Effect::new(move |_| update());
}

/// `crypto.randomUUID()`, which only secure contexts (https, localhost) have; elsewhere random hex,
/// which is as good for telling submissions apart.
pub(crate) fn new_idempotency_key() -> String {
    let global = js_sys::global();
    let uuid = js_sys::Reflect::get(&global, &JsValue::from_str("crypto")).ok().and_then(|crypto| {
        let random_uuid = js_sys::Reflect::get(&crypto, &JsValue::from_str("randomUUID")).ok()?;
        random_uuid.dyn_into::<js_sys::Function>().ok()?.call0(&crypto).ok()?.as_string()
    });
    uuid.unwrap_or_else(|| {
        (0..4).map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32)).collect()
    })
}

fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// As many whole words of `text` as fit in `max_chars`.
fn first_words(text: &str, max_chars: usize) -> String {
    let mut query = String::new();
    for word in text.split_whitespace() {
        let needed = word.chars().count() + usize::from(!query.is_empty());
        if query.chars().count() + needed > max_chars {
            break;
        }
        if !query.is_empty() {
            query.push(' ');
        }
        query.push_str(word);
    }
    query
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::json;

    #[wasm_bindgen_test]
    fn a_draft_reads_back_as_written() {
        let draft = Draft {
            name: "Ann".into(),
            email: "ann@example.com".into(),
            topic: "billing".into(),
            urgency: "high".into(),
            subject: "Charged twice".into(),
            message: "Twice in May".into(),
            steps_tried: "Waited".into(),
            attachments: vec![("a1".into(), "receipt.pdf".into())],
            idempotency_key: Some("k".into()),
        };
        assert_eq!(json::decode::<Draft>(&json::encode(&draft).unwrap()), Some(draft));
        // Drafts written before a field existed lack it.
        let older = json::decode::<Draft>(r#"{"subject":"S","idempotency_key":null}"#).unwrap();
        assert_eq!((older.subject.as_str(), older.attachments.len(), older.idempotency_key), ("S", 0, None));
    }
}
