//! The support widget. The loader (`widget/loader/embed.js`) draws the launcher and imports this module
//! only when the customer shows intent; [`mount`] then renders the panel into the loader's shadow root.

mod api;
mod article;
mod contact;
mod events;
mod form;
mod panel;
mod search;
mod session;
mod status;
mod storage;
mod tickets;
mod turnstile;
mod words;

use std::time::Duration;

use edgedesk_core::signing::SignedIdentity;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub use api::Api;
use session::{Session, parse_identity};

/// Everything the host page told the loader, passed on to the panel.
#[derive(Clone, Debug)]
pub struct Settings {
    pub api: Api,
    /// The customer's language (`en`, `ru`, …): search stays in it and tickets carry it.
    pub locale: String,
    /// The host app's product, for status notices that concern only some products.
    pub product: Option<String>,
    /// The host app's version (`data-app-version`), sent with tickets.
    pub app_version: Option<String>,
    pub session: Session,
    /// The host page's `edgedesk('on', …)` handlers.
    pub events: events::Events,
}

/// Status polling never runs more often than this, whatever the page asks for.
const MIN_POLL_SECONDS: f64 = 1.0;
const DEFAULT_POLL_SECONDS: f64 = 60.0;

/// Reads a property of the loader's options object.
fn option(options: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn text_option(options: &JsValue, name: &str) -> Option<String> {
    option(options, name).as_string().filter(|text| !text.is_empty())
}

/// What the loader holds on to after mounting: the panel's open state, so that its launcher can open and
/// close the panel that Rust renders, and the customer's identity, which the host page may set any time.
#[wasm_bindgen]
pub struct Widget {
    open: RwSignal<bool>,
    identity: RwSignal<Option<SignedIdentity>>,
    command: RwSignal<Option<panel::Command>>,
}

#[wasm_bindgen]
impl Widget {
    /// Opens the panel if closed and closes it if open; returns whether it is now open.
    pub fn toggle(&self) -> bool {
        self.open.update(|open| *open = !*open);
        self.open.get_untracked()
    }

    pub fn set_open(&self, open: bool) {
        self.open.set(open);
    }

    pub fn is_open(&self) -> bool {
        self.open.get_untracked()
    }

    /// `edgedesk.identify(identity)` after the widget loaded: `{attributes, expires_at, signature}` as the
    /// product's backend signed it, or `null` when the customer signs out.
    pub fn identify(&self, identity: JsValue) {
        self.identity.set(parse_identity(&identity));
    }

    /// `edgedesk('search', query)`: the panel opens with the results for `query`.
    pub fn search(&self, query: String) {
        self.run(panel::Command::Search(query));
    }

    /// `edgedesk('openArticle', slug)`: the panel opens on that article, in the widget's language.
    pub fn open_article(&self, slug: String) {
        self.run(panel::Command::OpenArticle(slug));
    }

    /// `edgedesk('prefill', {name, email, subject, message})`: the contact form opens with these filled in.
    pub fn prefill(&self, fields: JsValue) {
        let field = |name: &str| text_option(&fields, name);
        self.run(panel::Command::Prefill {
            name: field("name"),
            email: field("email"),
            subject: field("subject"),
            message: field("message"),
        });
    }

    /// `edgedesk('reset')`, when the customer signs out: forget who they are and what they were writing.
    pub fn reset(&self) {
        self.identity.set(None);
        self.open.set(false);
        self.command.set(Some(panel::Command::Reset));
    }

    fn run(&self, command: panel::Command) {
        self.open.set(true);
        self.command.set(Some(command));
    }
}

/// Renders the status banner and the panel into `container` (inside the loader's shadow root).
///
/// `options` is `{ api, locale, product?, appVersion?, identity?, pollSeconds?, status? }`, where
/// `identity` is what the host page passed to `edgedesk.identify()` before the widget loaded and `status`
/// is the text of a `/api/status` answer the loader already has. `on_open_change` is called with `true`
/// or `false` whenever the panel opens or closes, including by its own close button or Escape.
#[wasm_bindgen]
pub fn mount(container: web_sys::HtmlElement, options: JsValue, on_open_change: js_sys::Function) -> Widget {
    let open = RwSignal::new(false);
    let session = Session::new(parse_identity(&option(&options, "identity")));
    let settings = Settings {
        api: Api::new(&option(&options, "api").as_string().unwrap_or_default()),
        locale: text_option(&options, "locale").unwrap_or_else(|| "en".into()),
        product: text_option(&options, "product"),
        app_version: text_option(&options, "appVersion"),
        session,
        events: events::Events::new(option(&options, "emit").dyn_into().ok()),
    };
    let command = RwSignal::new(None);
    let poll_seconds = option(&options, "pollSeconds").as_f64().unwrap_or(DEFAULT_POLL_SECONDS).max(MIN_POLL_SECONDS);
    let initial_status = option(&options, "status").as_string();
    let app = move || {
        // Effects need the executor and owner that `mount_to` sets up, so this one is created inside it.
        Effect::new(move |_| {
            let is_open = open.get();
            // The loader only mirrors the state (aria-expanded, focus); its failure must not break the panel.
            let _ = on_open_change.call1(&JsValue::NULL, &JsValue::from_bool(is_open));
        });
        let status = status::StatusState::start(&settings, initial_status, Duration::from_secs_f64(poll_seconds));
        view! {
            <status::Banner status=status events=settings.events />
            <panel::Panel settings=settings open=open status=status command=command />
        }
    };
    leptos::mount::mount_to(container, app).forget();
    Widget { open, identity: session.identity, command }
}
