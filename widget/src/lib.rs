//! The support widget. The loader (`widget/loader/embed.js`) draws the launcher and imports this module
//! only when the customer shows intent; [`mount`] then renders the panel into the loader's shadow root.

mod answer;
mod api;
mod article;
mod contact;
mod conversation;
mod dom;
mod events;
mod form;
mod json;
mod lazy;
mod panel;
mod screen;
mod search;
mod session;
mod status;
mod storage;
mod tickets;
mod turnstile;
mod watch;
mod words;

use std::time::Duration;

use edgedesk_protocol::api::SignedIdentity;
use wasm_bindgen::prelude::*;

pub use api::Api;
use edgedesk_protocol::insights::NewEvent;
use session::{Session, parse_identity};
use watch::Watched;

/// Everything the host page told the loader, passed on to the panel.
#[derive(Clone, Debug)]
pub struct Settings {
    pub api: Api,
    /// The customer's language (`en`, `ru`, …): search stays in it and tickets carry it. The host page
    /// may change it (`edgedesk('setLocale', …)`); the panel is then redrawn in the new language.
    pub locale: Watched<String>,
    /// The host app's product, for status notices that concern only some products (`setProduct`).
    pub product: Watched<Option<String>>,
    /// The host app's route (`location.pathname`), for the articles suggested on it.
    pub path: Watched<String>,
    /// The host app's version (`data-app-version`), sent with tickets.
    pub app_version: Option<String>,
    pub session: Session,
    /// The host page's `edgedesk('on', …)` handlers.
    pub events: events::Events,
}

impl Settings {
    /// The customer's language now. Screens read it once: the panel rebuilds them when it changes.
    pub fn locale(&self) -> String {
        self.locale.get()
    }

    /// What the widget says, in the customer's language now.
    pub fn words(&self) -> &'static words::Words {
        self.locale.with(|locale| words::words(locale))
    }

    /// The words of the screens in the screens' chunk (`words::ScreenWords`), with the panel's.
    pub fn screen_words(&self) -> &'static words::ScreenWords {
        self.locale.with(|locale| words::screen_words(locale))
    }

    /// The host app's product now, if it named one.
    pub fn product(&self) -> Option<String> {
        self.product.get()
    }

    /// Tells the worker what the customer did, for the support lead's figures. Nobody waits for it and
    /// a lost one is not worth bothering the customer about.
    pub fn record(&self, event: NewEvent) {
        let locale = event.locale.clone().unwrap_or_else(|| self.locale());
        let event =
            NewEvent { visit: Some(self.session.visit()), product: self.product(), locale: Some(locale), ..event };
        self.api.post_keepalive("/api/events", &event);
    }
}

/// panel.css, minified by `build.rs`; the screens' styles come with their chunk (`lazy.rs`).
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/panel.min.css"));

/// Status polling never runs more often than this, whatever the page asks for.
const MIN_POLL_SECONDS: f64 = 1.0;
/// How often status is polled when the page does not say (`data-status-poll`).
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
    open: Watched<bool>,
    identity: Watched<Option<SignedIdentity>>,
    panel: panel::Panel,
    locale: Watched<String>,
    product: Watched<Option<String>>,
    path: Watched<String>,
}

#[wasm_bindgen]
impl Widget {
    /// Opens the panel if closed and closes it if open; returns whether it is now open.
    pub fn toggle(&self) -> bool {
        self.open.set(!self.open.get());
        self.open.get()
    }

    pub fn set_open(&self, open: bool) {
        self.open.set(open);
    }

    pub fn is_open(&self) -> bool {
        self.open.get()
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
        self.run(panel::Command::Prefill(form::Prefill {
            name: field("name"),
            email: field("email"),
            subject: field("subject"),
            message: field("message"),
        }));
    }

    /// `edgedesk('reset')`, when the customer signs out: forget who they are and what they were writing.
    pub fn reset(&self) {
        self.identity.set(None);
        self.open.set(false);
        self.panel.run(panel::Command::Reset);
    }

    /// `edgedesk('setLocale', 'ru')`: the banner and the panel speak the new language from now on.
    pub fn set_locale(&self, locale: String) {
        if !locale.is_empty() {
            self.locale.set(locale);
        }
    }

    /// `edgedesk('setProduct', 'mobile')`, or `''` for none: the notices shown are that product's.
    pub fn set_product(&self, product: String) {
        self.product.set(Some(product).filter(|product| !product.is_empty()));
    }

    /// The host app's route changed (the loader follows the history API): suggestions follow it.
    pub fn set_path(&self, path: String) {
        self.path.set(path);
    }

    fn run(&self, command: panel::Command) {
        self.open.set(true);
        self.panel.run(command);
    }
}

/// Renders the status banner and the panel into `container` (inside the loader's shadow root).
///
/// `options` is `{ api, locale, product?, path?, appVersion?, identity?, pollSeconds?, status?, emit,
/// adoptStyle }`, where `identity` is what the host page passed to `edgedesk.identify()` before the widget
/// loaded, `status` is the text of a `/api/status` answer the loader already has, and `adoptStyle` is the
/// loader's way of giving its shadow root a stylesheet that a strict CSP allows (constructed, else a
/// `<style>` element). `on_open_change` is called with `true`
/// or `false` whenever the panel opens or closes, including by its own close button or Escape.
#[wasm_bindgen]
pub fn mount(container: web_sys::HtmlElement, options: JsValue, on_open_change: js_sys::Function) -> Widget {
    if let Ok(adopt_style) = option(&options, "adoptStyle").dyn_into::<js_sys::Function>() {
        let _ = adopt_style.call1(&JsValue::NULL, &JsValue::from_str(STYLE));
        lazy::keep_style_adopter(adopt_style);
    }
    let open = Watched::new(false);
    let session = Session::new(parse_identity(&option(&options, "identity")));
    let settings = Settings {
        api: Api::new(&option(&options, "api").as_string().unwrap_or_default()),
        locale: Watched::new(text_option(&options, "locale").unwrap_or_else(|| "en".into())),
        product: Watched::new(text_option(&options, "product")),
        path: Watched::new(text_option(&options, "path").unwrap_or_else(|| "/".into())),
        app_version: text_option(&options, "appVersion"),
        session,
        events: events::Events::new(option(&options, "emit").dyn_into().ok()),
    };
    let (locale, product, path) = (settings.locale, settings.product, settings.path);
    let poll_seconds = option(&options, "pollSeconds")
        .as_f64()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .unwrap_or(DEFAULT_POLL_SECONDS)
        .max(MIN_POLL_SECONDS);
    let initial_status = option(&options, "status").as_string();
    // The loader only mirrors the state (aria-expanded, focus); its failure must not break the panel.
    open.watch(move || {
        let _ = on_open_change.call1(&JsValue::NULL, &JsValue::from_bool(open.get()));
        true
    });
    let status = status::StatusState::start(&settings, initial_status, Duration::from_secs_f64(poll_seconds));
    status::draw_banner(&container, status, &settings);
    let panel = panel::Panel::draw(&container, settings, open, status);
    Widget { open, identity: session.identity, panel, locale, product, path }
}
