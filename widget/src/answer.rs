//! The answer card, in a wasm chunk of its own (`lazy::answer`): a few sentences the team's model wrote
//! from the articles the worker chose, streamed into the card as they are written (`GET /api/answers`,
//! server-sent events read by the browser's `EventSource`), marked as generated, with those articles as
//! its sources, "Did this answer your question?" and the way to support. Anything but a complete answer
//! (a timeout, the provider away, an answer withdrawn, a worker that does not answer) takes the card
//! away: the results are still there.
//!
//! What the model wrote is only ever text: a minimal Markdown subset (paragraphs, lists, bold) is drawn
//! with text nodes, and a link it writes is shown as its words alone; the only links are the sources.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use edgedesk_protocol::insights::{EventKind, NewEvent};
use js_sys::{JSON, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, EventSource, HtmlElement, MessageEvent};

use crate::Settings;
use crate::api::{body_of, encode};
use crate::dom;
use crate::screen::Screen;
use crate::watch::Watched;

/// However the worker streams, a card not complete by then gives way: the worker's own limit is four of
/// its timeouts (32 s by default).
const GIVE_UP_AFTER: Duration = Duration::from_secs(40);

/// The card's words, in the order of `answer-words.json`.
struct CardWords {
    label: String,
    generated: String,
    writing: String,
    sources: String,
    did_it_answer: String,
    yes: String,
    no: String,
    thanks: String,
}

impl CardWords {
    /// The words in `locale` from `answer-words.json` (`{"en": [...], …}`), the English ones where it has
    /// none of the customer's.
    fn read(all: &JsValue, locale: &str) -> Option<Self> {
        let language = locale.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        let list = Reflect::get(all, &JsValue::from_str(&language))
            .ok()
            .filter(JsValue::is_object)
            .or_else(|| Reflect::get(all, &JsValue::from_str("en")).ok())?;
        let list: js_sys::Array = list.dyn_into().ok()?;
        let mut words = list.iter().map(|word| word.as_string().unwrap_or_default());
        let mut next = || words.next().filter(|word| !word.is_empty());
        Some(Self {
            label: next()?,
            generated: next()?,
            writing: next()?,
            sources: next()?,
            did_it_answer: next()?,
            yes: next()?,
            no: next()?,
            thanks: next()?,
        })
    }
}

/// What the search screen asks the card to answer, and where.
pub struct Asked {
    pub slot: HtmlElement,
    pub settings: Settings,
    pub question: String,
    /// The panel's screen: the sources open articles, and "Contact support" the form.
    pub screen: Watched<Screen>,
    /// The promise of `answer-words.json`.
    pub words: Option<js_sys::Promise>,
    /// Whether the customer is still on this question.
    pub current: Rc<dyn Fn() -> bool>,
}

/// Asks for the answer and streams it into the slot, for as long as the customer is on the question.
/// The browser's `EventSource` reads the stream (`GET /api/answers`, as search is a GET): no stream
/// reading or event parsing in the wasm.
pub fn show(asked: Asked) {
    spawn_local(async move {
        let Asked { slot, settings, question, screen, words, current } = asked;
        let words = body_of(words, web_sys::Response::json).await;
        let Some(words) = words.and_then(|words| CardWords::read(&words, &settings.locale())) else { return };
        // The customer may have typed on while the chunk and its words came: no card, and no model call.
        if !current() {
            return;
        }
        let mut path = format!(
            "/api/answers?q={}&locale={}&visit={}",
            encode(&question),
            encode(&settings.locale()),
            encode(&settings.session.visit())
        );
        if let Some(product) = settings.product() {
            path.push_str(&format!("&product={}", encode(&product)));
        }
        let Ok(source) = EventSource::new(&settings.api.url(&path)) else { return };
        let card = Card::draw(&slot, words, &settings, screen, &question);
        let listening = Rc::new(Listening { source, card, settings, current, over: Cell::new(false) });
        // The source's listeners hold the card weakly: the source is the card's, and a cycle through the
        // browser's objects and ours would keep both for the page's life.
        for name in ["sources", "text", "done", "fallback", "error"] {
            let listening_here = Rc::downgrade(&listening);
            dom::on(&listening.source, name, move |event| {
                if let Some(listening) = listening_here.upgrade() {
                    listening.on(name, &event);
                }
            });
        }
        // A stream that stalls past the worker's own limits takes the card away all the same; until then,
        // this holds the card.
        dom::set_timeout(move || listening.give_way(), GIVE_UP_AFTER);
    });
}

/// An answer being received.
struct Listening {
    source: EventSource,
    card: Card,
    settings: Settings,
    current: Rc<dyn Fn() -> bool>,
    over: Cell<bool>,
}

impl Listening {
    fn on(&self, name: &str, event: &web_sys::Event) {
        if self.over.get() {
            return;
        }
        if !(self.current)() {
            self.give_way();
            return;
        }
        let data = event
            .dyn_ref::<MessageEvent>()
            .and_then(|message| message.data().as_string())
            .and_then(|data| JSON::parse(&data).ok())
            .unwrap_or(JsValue::NULL);
        match name {
            "sources" => self.card.sources(&data, &self.settings),
            "text" => self.card.write(&data.as_string().unwrap_or_default()),
            "done" => {
                self.over.set(true);
                self.source.close();
                self.card.finish(&self.settings);
            }
            _ => self.give_way(),
        }
    }

    /// Anything but a complete answer takes the card away (this card only: the slot may hold a newer
    /// question's); the results are there.
    fn give_way(&self) {
        if !self.over.replace(true) {
            self.source.close();
            self.card.root.remove();
        }
    }
}

/// The card as it is drawn: its text so far and where each part goes.
struct Card {
    root: HtmlElement,
    body: HtmlElement,
    sources: HtmlElement,
    words: CardWords,
    text: RefCell<String>,
}

impl Card {
    /// Drawn as the answer is asked for, with "Writing an answer…" until the first words come. The panel's
    /// `.answer` card styles it, so the chunk brings no styles of its own. Its sources open as soon as they
    /// are there; "Did this answer your question?" and "Contact support" come with the complete answer.
    fn draw(
        slot: &HtmlElement,
        words: CardWords,
        settings: &Settings,
        screen: Watched<Screen>,
        question: &str,
    ) -> Self {
        dom::clear(slot);
        let root = dom::element("section", "answer generated");
        dom::set(&root, "aria-label", &words.label);
        dom::append(&root, &dom::text_element("p", "answer-source", &words.label));
        let body = dom::element("div", "answer-passage");
        dom::set(&body, "aria-live", "polite");
        // Busy while it is written, on the card and on the live region itself: screen readers wait for the
        // whole answer rather than read each piece.
        for part in [&root, &body] {
            dom::set(part, "aria-busy", "true");
        }
        dom::append(&body, &dom::text_element("p", "notice", &words.writing));
        dom::append(&root, &body);
        dom::append(&root, &dom::text_element("p", "answer-note", &words.generated));
        let sources = dom::element("ul", "answer-sources");
        dom::set(&sources, "aria-label", &words.sources);
        dom::append(&root, &sources);
        dom::append(slot, &root);
        let (settings, thanks, question) = (settings.clone(), words.thanks.clone(), question.to_owned());
        // Holds no element of the card's: the browser keeps the listener as long as the card, and no longer.
        dom::on(&root, "click", move |event| {
            let attribute = |element: &Element, name: &str| element.get_attribute(name);
            let card = event.current_target().and_then(|card| card.dyn_into::<Element>().ok());
            let first_source = card
                .and_then(|card| card.query_selector("[data-answer-slug]").ok().flatten())
                .and_then(|source| source.get_attribute("data-answer-slug"));
            if let Some(open) = dom::closest(&event, "[data-answer-slug]") {
                screen.set(Screen::Article {
                    locale: attribute(&open, "data-answer-locale").unwrap_or_default(),
                    slug: attribute(&open, "data-answer-slug").unwrap_or_default(),
                    anchor: attribute(&open, "data-answer-anchor"),
                    from_form: false,
                });
            } else if let Some(vote) = dom::closest(&event, ".yes, .no") {
                let helpful = vote.class_list().contains("yes");
                settings.record(NewEvent {
                    kind: Some(EventKind::AnswerFeedback),
                    query: Some(question.clone()),
                    slug: first_source,
                    results: Some(u32::from(helpful)),
                    ..NewEvent::default()
                });
                if let Some(feedback) = dom::closest(&event, ".answer-feedback") {
                    feedback.set_text_content(Some(&thanks));
                }
            } else if dom::closest(&event, ".answer-contact").is_some() {
                settings.record(NewEvent {
                    kind: Some(EventKind::AnswerContact),
                    query: Some(question.clone()),
                    slug: first_source,
                    ..NewEvent::default()
                });
                // The form takes what the customer searched for, this question, as its subject.
                screen.set(Screen::Contact);
            }
        });
        Self { root, body, sources, words, text: RefCell::new(String::new()) }
    }

    /// The articles the worker chose, each opening its article at its section.
    fn sources(&self, sources: &JsValue, settings: &Settings) {
        let Ok(sources) = sources.clone().dyn_into::<js_sys::Array>() else { return };
        let field = |source: &JsValue, name: &str| {
            Reflect::get(source, &JsValue::from_str(name)).ok().and_then(|value| value.as_string())
        };
        for source in sources.iter() {
            let (Some(slug), Some(title)) = (field(&source, "slug"), field(&source, "title")) else { continue };
            let item = dom::element("li", "");
            let label = match field(&source, "heading") {
                Some(heading) => format!("{title} › {heading}"),
                None => title,
            };
            let open = dom::button("link", &label);
            dom::set(&open, "data-answer-slug", &slug);
            dom::set(&open, "data-answer-locale", &field(&source, "locale").unwrap_or_else(|| settings.locale()));
            if let Some(anchor) = field(&source, "anchor") {
                dom::set(&open, "data-answer-anchor", &anchor);
            }
            dom::append(&item, &open);
            dom::append(&self.sources, &item);
        }
    }

    /// The answer so far, with `piece` added, drawn again as text.
    fn write(&self, piece: &str) {
        let mut text = self.text.borrow_mut();
        text.push_str(piece);
        dom::clear(&self.body);
        draw_text(&self.body, &text);
    }

    /// The complete answer: "Did this answer your question?", and the way to support. The worker counted
    /// the answer as shown when it sent the last of it.
    fn finish(&self, settings: &Settings) {
        for part in [&self.root, &self.body] {
            dom::set(part, "aria-busy", "false");
        }
        let words = &self.words;
        let feedback = dom::element("div", "answer-feedback");
        dom::append(&feedback, &dom::text_element("span", "", &words.did_it_answer));
        for (class, label) in [("link yes", &words.yes), ("link no", &words.no)] {
            dom::append(&feedback, &dom::button(class, label));
        }
        dom::append(&self.root, &feedback);
        dom::append(&self.root, &dom::button("secondary answer-contact", settings.words().contact_support));
    }
}

/// One block of the answer's text.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(Vec<Span>),
    List(Vec<Vec<Span>>),
}

/// A run of text, bold or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
}

/// The answer's text read as the minimal Markdown subset a card shows: paragraphs (blank lines between),
/// lists (lines starting `- `, `* ` or `1. `), `**bold**`; a link `[words](address)` keeps its words only,
/// and anything else is text as written.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|paragraph| !paragraph.is_empty()) {
        let lines: Vec<&str> = paragraph.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
        let items: Vec<&str> = lines.iter().filter_map(|line| list_item(line)).collect();
        if !items.is_empty() && items.len() == lines.len() {
            blocks.push(Block::List(items.into_iter().map(spans).collect()));
        } else {
            blocks.push(Block::Paragraph(spans(&lines.join(" "))));
        }
    }
    blocks
}

fn list_item(line: &str) -> Option<&str> {
    if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some(item);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0).then(|| line[digits..].strip_prefix(". ")).flatten()
}

/// A line's runs: `**` toggles bold, a link keeps its words.
fn spans(line: &str) -> Vec<Span> {
    let unlinked = without_links(line);
    unlinked
        .split("**")
        .enumerate()
        .filter(|(_, text)| !text.is_empty())
        .map(|(at, text)| Span { text: text.to_owned(), bold: at % 2 == 1 })
        .collect()
}

/// `[words](address)` → `words`: the model may write links; the customer sees only the sources' links.
fn without_links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| Some((close, closing_paren(&after[close + 2..])? + close + 2)));
        match link {
            Some((close, end)) => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where the `(` just before `text` closes, counting the parentheses inside (`javascript:alert(1)`).
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 1;
    for (at, c) in text.char_indices() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth == 0 {
            return Some(at);
        }
    }
    None
}

/// Draws the text's blocks into `parent`, as text nodes only.
fn draw_text(parent: &Element, text: &str) {
    let draw_spans = |into: &Element, spans: &[Span]| {
        for span in spans {
            if span.bold {
                dom::append(into, &dom::text_element("strong", "", &span.text));
            } else {
                dom::append_text(into, &span.text);
            }
        }
    };
    for block in blocks(text) {
        match block {
            Block::Paragraph(spans) => {
                let paragraph = dom::element("p", "");
                draw_spans(&paragraph, &spans);
                dom::append(parent, &paragraph);
            }
            Block::List(items) => {
                let list = dom::element("ul", "");
                for item in items {
                    let entry = dom::element("li", "");
                    draw_spans(&entry, &item);
                    dom::append(&list, &entry);
                }
                dom::append(parent, &list);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Span {
        Span { text: text.into(), bold: false }
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_subset_is_paragraphs_lists_and_bold_and_links_keep_their_words() {
        let text = "Open **Settings**, then [Security](javascript:alert(1)).\n\n- one\n- [two](https://evil.example)\n\n<img src=x onerror=alert(1)>";
        assert_eq!(
            blocks(text),
            [
                Block::Paragraph(vec![
                    plain("Open "),
                    Span { text: "Settings".into(), bold: true },
                    plain(", then Security.")
                ]),
                Block::List(vec![vec![plain("one")], vec![plain("two")]]),
                Block::Paragraph(vec![plain("<img src=x onerror=alert(1)>")]),
            ]
        );
        assert_eq!(blocks("1. first\n2. second"), [Block::List(vec![vec![plain("first")], vec![plain("second")]])]);
        assert_eq!(blocks("a [ b ] c ["), [Block::Paragraph(vec![plain("a [ b ] c [")])]);
        let unclosed = blocks("**unclosed");
        assert_eq!(
            unclosed,
            [Block::Paragraph(vec![Span { text: "unclosed".into(), bold: true }])],
            "the rest is bold"
        );
    }
}
