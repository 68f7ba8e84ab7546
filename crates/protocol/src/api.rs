//! The JSON the worker speaks and the widget and CLI read: one definition for every side of the wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// Articles in the search index this isolate loaded; 0 means the knowledge base was not built.
    pub articles: usize,
}

/// One search result, best first in [`SearchResponse::hits`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub slug: String,
    pub locale: String,
    pub title: String,
    /// The slug of the article's section.
    pub section: String,
    /// The Markdown file this article came from, relative to the content directory.
    pub source: String,
    /// The heading anchor of the part of the article that matched best, when it is not the intro.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// That part's heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// HTML: escaped text from the best part with the matched words in `<mark>`.
    pub snippet: String,
    /// For the first hit only: the passage that answers, a longer stretch of the same part marked the same
    /// way, which the widget shows above the results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
    pub score: f32,
}

/// `GET /api/search?q=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    pub query: String,
    /// The locale searched: the one asked for, or the site's default when it has no such locale.
    pub locale: String,
    pub hits: Vec<SearchHit>,
    /// Whether the ranking is by meaning as well as words: absent where the site has no embeddings
    /// provider or the locale no section vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meaning: Option<Meaning>,
    /// Whether the site writes answers and this query's passages are good enough to answer from: the
    /// widget asks `POST /api/answers` only then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub answerable: bool,
}

/// How a search answer stands with ranking by meaning. Embedding a query takes a call to the team's model
/// provider, so it is asked for only once the customer pauses, and the answer by words comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    /// Ranked by words; the same search with `meaning=1` ranks by meaning too.
    Offered,
    /// Ranked by words and meaning.
    Used,
}

/// Where article links point in article HTML. The widget opens these inside itself instead of
/// navigating the host page: `#/articles/<locale>/<slug>[/<anchor>]`.
pub const ARTICLE_LINK_PREFIX: &str = "#/articles/";
/// Where published media (images, PDFs) are served from the worker's origin.
pub const MEDIA_PREFIX: &str = "/kb/media/";

/// `GET /api/articles/{slug}`: one article, as compiled from Markdown by `edgedesk build`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub locale: String,
    pub section: String,
    pub section_title: String,
    pub title: String,
    pub summary: String,
    /// The Markdown file, relative to the content directory, with `/` separators on every platform.
    pub source: String,
    /// Sanitised HTML: safe to insert into any page.
    pub html: String,
    pub headings: Vec<Heading>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
    /// URL globs of the host app where the article is suggested in context.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default)]
    pub related: Vec<ArticleLink>,
}

impl Article {
    /// The HTML with media addressed at `origin`, for pages on other origins (the widget's host page).
    pub fn with_media_origin(mut self, origin: &str) -> Self {
        let origin = origin.trim_end_matches('/');
        for attribute in ["src", "href"] {
            let relative = format!("{attribute}=\"{MEDIA_PREFIX}");
            self.html = self.html.replace(&relative, &format!("{attribute}=\"{origin}{MEDIA_PREFIX}"));
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heading {
    pub level: u8,
    pub anchor: String,
    pub text: String,
}

/// An article named in a list: related articles, a section's articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleLink {
    pub slug: String,
    pub title: String,
}

/// A section of one locale with its articles, as `GET /api/sections` lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub slug: String,
    pub title: String,
    pub articles: Vec<ArticleLink>,
}

/// `POST /api/articles/{slug}/feedback`: was the article helpful?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleFeedback {
    /// Required; optional here so that its absence is reported naming it.
    pub helpful: Option<bool>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub visit: Option<String>,
}

impl ArticleFeedback {
    pub const FIELDS: [&str; 4] = ["helpful", "locale", "product", "visit"];
    /// Votes are a few dozen bytes; anything near this is not a vote.
    pub const MAX_BYTES: usize = 2 * 1024;
}

/// `POST /api/gaps`: the customer searched for this and found nothing. Recorded as a search that found
/// no articles, as `POST /api/events` records it; kept for widgets from before that.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchGap {
    pub query: String,
    pub locale: Option<String>,
}

impl SearchGap {
    pub const FIELDS: [&str; 2] = ["query", "locale"];
}

/// One line of `GET /api/admin/gaps`: what customers searched for without finding anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapCount {
    pub locale: String,
    pub query: String,
    pub searches: u64,
    pub last_seen: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapsResponse {
    pub gaps: Vec<GapCount>,
}

/// One line of `GET /api/admin/learned`: an article customers settled on after a search, in enough
/// distinct visits from enough distinct addresses that the ranking now lifts it for that query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnedPair {
    pub locale: String,
    /// The query as the ranking knows it: its meaningful words, stemmed and sorted.
    pub query: String,
    pub article: String,
    /// Distinct visits that searched this query, read this article and filed no ticket.
    pub visits: u32,
    /// Distinct client addresses among those visits (counted by a keyed hash, never stored as is).
    pub addresses: u32,
    /// How much the article's score is multiplied by: 1 is none, at most 1 + the learning's bound.
    pub boost: f32,
    /// An editor's veto (`[learning] veto` in `edgedesk.toml`) keeps this pair from moving anything.
    #[serde(default)]
    pub vetoed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnedResponse {
    /// `false` when `[learning] enabled = false`: nothing is learned and nothing is lifted.
    pub enabled: bool,
    /// When the sweep last worked the pairs out (RFC 3339), if it has.
    pub computed_at: Option<String>,
    pub pairs: Vec<LearnedPair>,
}

/// The body of `POST /api/tickets`. Every field defaults to empty so that a missing field is reported
/// by validation as "required", naming the field, rather than as an opaque parse error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewTicket {
    pub name: String,
    pub email: String,
    /// One of the support team's topic ids; the first topic when empty.
    pub topic: String,
    pub urgency: Option<Urgency>,
    pub subject: String,
    pub message: String,
    /// What the customer already tried, so support does not suggest it again.
    pub steps_tried: Option<String>,
    /// Ids from `POST /api/attachments`.
    pub attachments: Vec<String>,
    /// The host page the customer was on, and the page before it.
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub locale: Option<String>,
    /// The host app's version (`data-app-version`).
    pub app_version: Option<String>,
    /// The status notice shown when the ticket was written: tickets filed during an incident are linked
    /// to it.
    pub incident_id: Option<String>,
    /// Articles the customer read and searches they made before writing.
    pub articles_read: Vec<String>,
    pub searches: Vec<String>,
    /// Who the customer is, as signed by the product's backend (`identify()`).
    pub identity: Option<SignedIdentity>,
    /// Hidden from people; only robots fill it in.
    pub website: String,
    /// The Cloudflare Turnstile token, when the site turned Turnstile on.
    pub turnstile: Option<String>,
    /// The host page's product (`data-product`).
    pub product: Option<String>,
    /// The widget's random id for this tab's visit.
    pub visit: Option<String>,
}

impl NewTicket {
    /// Every key a ticket body may carry, in form order.
    pub const FIELDS: [&str; 20] = [
        "name",
        "email",
        "topic",
        "urgency",
        "subject",
        "message",
        "steps_tried",
        "attachments",
        "page_url",
        "referrer",
        "locale",
        "app_version",
        "incident_id",
        "articles_read",
        "searches",
        "identity",
        "website",
        "turnstile",
        "product",
        "visit",
    ];
}

/// A customer as the product's backend vouches for them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedIdentity {
    /// `id`, `email`, `name`, `tier` (`priority` marks priority customers) and any others the product
    /// wants support to see.
    pub attributes: BTreeMap<String, String>,
    /// Unix seconds after which the signature is no longer accepted.
    pub expires_at: i64,
    /// Hex HMAC-SHA256, with the identity secret, of the identity message (see the tickets crate's `signing`).
    pub signature: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Low,
    Normal,
    High,
    Critical,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [Urgency::Low, Urgency::Normal, Urgency::High, Urgency::Critical];

    pub fn name(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
            Urgency::Critical => "critical",
        }
    }
}

/// Where a ticket stands for its customer: with us, with the support team, then what the helpdesk
/// reports. Stored in D1 and sent as JSON by these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    /// Stored and acknowledged, not yet confirmed by the helpdesk.
    Received,
    /// The helpdesk confirmed it has the ticket.
    Delivered,
    Open,
    /// Waiting for the customer's reply.
    Pending,
    Solved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::Received,
        TicketStatus::Delivered,
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Solved,
        TicketStatus::Closed,
    ];
    /// What a helpdesk may report (`POST /api/tickets/{number}/events`).
    pub const REPORTED: [TicketStatus; 4] =
        [TicketStatus::Open, TicketStatus::Pending, TicketStatus::Solved, TicketStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Received => "received",
            TicketStatus::Delivered => "delivered",
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Solved => "solved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(name: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// Where a ticket's delivery to the helpdesk stands: the state of its outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// To be sent, or being sent and not yet confirmed.
    Pending,
    Delivered,
    /// Refused by the helpdesk; parked for an operator.
    Failed,
    /// Kept in D1 because no helpdesk is configured.
    Held,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] =
        [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed, DeliveryState::Held];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Held => "held",
        }
    }

    pub fn parse(name: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

/// The 202 answer to `POST /api/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketAccepted {
    /// The human-friendly number the customer quotes, e.g. `ED-4K7M-X2QP`.
    pub number: String,
    pub status: TicketStatus,
    /// When a first reply is due, RFC 3339 UTC.
    #[serde(default)]
    pub expected_reply_at: String,
    /// The acknowledgement, in the customer's language, as a support team would write it.
    pub message: String,
    /// What follows this ticket from any browser, with its number (`POST /api/tickets/{number}/view`):
    /// 80 random bits, as `XXXX-XXXX-XXXX-XXXX`. Shown once, stored only as a hash.
    #[serde(default)]
    pub view_token: String,
}

/// `GET /api/form?locale=`: what the contact form asks for on this site, in the customer's language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormConfig {
    /// The support team's topics, the default first.
    pub topics: Vec<FormTopic>,
    /// The optional parts of the form this site shows: any of `topic`, `urgency`, `steps_tried`,
    /// `attachments`. Name, email, subject and message are always there.
    pub fields: Vec<String>,
    /// Labels the site sets for this locale, by field name; the widget's own labels fill the rest.
    pub labels: std::collections::BTreeMap<String, String>,
    pub max_attachments: usize,
    pub max_attachment_bytes: usize,
    /// What the attachment picker accepts (`image/png,…`).
    pub attachment_types: Vec<String>,
    /// Set when the site requires a Cloudflare Turnstile check: the widget shows it and sends its token.
    #[serde(default)]
    pub turnstile_site_key: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormTopic {
    pub id: String,
    pub title: String,
}

/// The 201 answer to `POST /api/attachments` (raw bytes in the body, the file name in `X-Filename`,
/// percent-encoded): the id to list in the ticket's `attachments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentUploaded {
    pub id: String,
    pub name: String,
    /// The type its bytes show, whatever the name or the browser said.
    pub media_type: String,
    pub bytes: u64,
}

/// `POST /api/tickets/{number}/view`: a ticket as its customer sees it in "My tickets".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub number: String,
    pub subject: String,
    pub status: TicketStatus,
    pub created_at: String,
    pub expected_reply_at: String,
    /// Newest last.
    pub events: Vec<TicketEventView>,
    /// `good` or `bad` once the customer rated the answer.
    pub rating: Option<String>,
    /// A solved ticket's answer can be rated, once.
    pub can_rate: bool,
    /// The conversation, oldest first: the customer's first message, then every public reply from
    /// either side.
    #[serde(default)]
    pub messages: Vec<ThreadMessage>,
    /// Whether the customer may answer (`POST /api/tickets/{number}/replies`): while the ticket is
    /// open, and for a while after it is solved (the answer reopens it).
    #[serde(default)]
    pub can_reply: bool,
    /// When a solved ticket stops taking replies, RFC 3339 UTC; after that a new ticket quotes this one.
    #[serde(default)]
    pub reply_until: Option<String>,
}

/// Who wrote a message in a ticket's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Customer,
    Agent,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Agent => "agent",
        }
    }

    pub fn parse(name: &str) -> Option<Author> {
        [Author::Customer, Author::Agent].into_iter().find(|author| author.as_str() == name)
    }
}

/// One message of a ticket's conversation, as its customer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadMessage {
    /// Orders messages; `0` is the ticket's own first message.
    pub id: i64,
    pub author: Author,
    /// The agent's name as the helpdesk gave it; `None` for the customer.
    pub name: Option<String>,
    /// Plain text, shown as text.
    pub body: String,
    pub at: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentView>,
    /// A customer's reply: whether the helpdesk has it yet. An agent's: always true.
    pub delivered: bool,
    /// An agent's reply the customer has not opened the conversation since.
    #[serde(default)]
    pub unread: bool,
}

/// An attachment of a message, as its customer sees it: its name, size and where to open it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    /// The stored file's id (`att-…`).
    pub id: String,
    pub name: String,
    pub bytes: u64,
    /// A signed link that downloads it, valid for an hour after the conversation was asked for; empty
    /// where the answer does not give one (a reply's acknowledgement).
    #[serde(default)]
    pub url: String,
}

/// `POST /api/tickets/{number}/replies`: the customer answers, with the same credential as a lookup.
/// Sent with an `Idempotency-Key`, so a retried reply is stored once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketReply {
    pub token: Option<String>,
    pub identity: Option<SignedIdentity>,
    pub body: String,
    /// Ids from `POST /api/attachments`.
    pub attachments: Vec<String>,
}

impl TicketReply {
    pub const FIELDS: [&str; 4] = ["token", "identity", "body", "attachments"];
    pub const MAX_BYTES: usize = 64 * 1024;

    pub fn lookup(&self) -> TicketLookup {
        TicketLookup { token: self.token.clone(), identity: self.identity.clone() }
    }
}

/// The 202 answer to a reply: stored, and on its way to the helpdesk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyAccepted {
    pub number: String,
    pub message: ThreadMessage,
    /// The ticket's status after the reply (a solved ticket is open again).
    pub status: TicketStatus,
}

/// `POST /api/tickets/unread`: which of these tickets have agent replies the customer has not seen.
/// The loader asks on page load, without the widget: the tickets this browser filed, with their view
/// tokens, and the signed identity of a signed-in customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnreadRequest {
    pub tickets: Vec<FollowedTicket>,
    pub identity: Option<SignedIdentity>,
}

impl UnreadRequest {
    pub const FIELDS: [&str; 2] = ["tickets", "identity"];
    pub const MAX_BYTES: usize = 16 * 1024;
    /// A browser follows at most this many tickets by token; older ones are forgotten first.
    pub const MAX_TICKETS: usize = 20;
}

/// A ticket this browser filed, with the view token its 202 gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowedTicket {
    pub number: String,
    pub token: String,
}

/// The answer: agent replies not yet seen, in all and per ticket (only tickets that have some).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Unread {
    pub count: u32,
    pub tickets: Vec<UnreadTicket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreadTicket {
    pub number: String,
    pub unread: u32,
}

/// `POST /api/tickets/mine`: a customer the product vouches for asks for their tickets, from any device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MyTicketsRequest {
    pub identity: Option<SignedIdentity>,
}

impl MyTicketsRequest {
    pub const FIELDS: [&str; 1] = ["identity"];
    pub const MAX_BYTES: usize = 16 * 1024;
}

/// The answer: newest first, at most 20; each can be opened with the same identity
/// (`POST /api/tickets/{number}/view`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MyTickets {
    pub tickets: Vec<MyTicket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyTicket {
    pub number: String,
    pub subject: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEventView {
    pub status: TicketStatus,
    /// What the support team wants the customer to see, if anything.
    pub message: Option<String>,
    pub at: String,
}

/// `POST /api/tickets/{number}/events`, signed by the helpdesk side with `X-Edgedesk-Signature`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketEvent {
    /// `open`, `pending`, `solved` or `closed`; empty for a reply that changes no status.
    pub status: String,
    pub message: Option<String>,
    /// An agent's public reply, shown in the customer's conversation. Internal notes are never sent.
    pub reply: Option<String>,
    /// The agent's name, shown with the reply.
    pub author: Option<String>,
    /// The helpdesk's id for the reply, so that a report sent twice adds it once.
    pub reply_id: Option<String>,
}

impl TicketEvent {
    pub const FIELDS: [&str; 5] = ["status", "message", "reply", "author", "reply_id"];
    pub const MAX_BYTES: usize = 16 * 1024;
}

/// `POST /api/tickets/{number}/view`: who may see a ticket. Its view token from the 202, or a signed
/// identity of the customer who filed it; never an email, which anyone can know.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketLookup {
    pub token: Option<String>,
    pub identity: Option<SignedIdentity>,
}

impl TicketLookup {
    pub const FIELDS: [&str; 2] = ["token", "identity"];
    pub const MAX_BYTES: usize = 16 * 1024;
}

/// `POST /api/tickets/{number}/read`: the same credential as a lookup, and the id of the last message
/// the conversation showed; agent replies after it, which came while the customer was reading, stay
/// unread. Without `through`, every reply so far is read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketRead {
    pub token: Option<String>,
    pub identity: Option<SignedIdentity>,
    pub through: Option<i64>,
}

impl TicketRead {
    pub const FIELDS: [&str; 3] = ["token", "identity", "through"];
    pub const MAX_BYTES: usize = 16 * 1024;

    pub fn lookup(&self) -> TicketLookup {
        TicketLookup { token: self.token.clone(), identity: self.identity.clone() }
    }
}

/// `POST /api/tickets/{number}/rating`: the same credential as a lookup, and the rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketRating {
    pub token: Option<String>,
    pub identity: Option<SignedIdentity>,
    /// `good` or `bad`.
    pub rating: String,
    /// What the customer wants to add, at most 1,000 characters.
    pub comment: Option<String>,
}

impl TicketRating {
    pub const FIELDS: [&str; 4] = ["token", "identity", "rating", "comment"];
    pub const MAX_BYTES: usize = 16 * 1024;

    pub fn lookup(&self) -> TicketLookup {
        TicketLookup { token: self.token.clone(), identity: self.identity.clone() }
    }
}

/// `POST /api/deflections`: the customer opened a suggested article while writing and left without
/// sending the ticket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deflection {
    pub locale: String,
    pub slug: String,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub visit: Option<String>,
}

impl Deflection {
    pub const FIELDS: [&str; 4] = ["locale", "slug", "product", "visit"];
    pub const MAX_BYTES: usize = 4 * 1024;
}

/// `GET /api/admin/tickets?state=`: tickets with where their delivery stands, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminTickets {
    pub tickets: Vec<AdminTicket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminTicket {
    pub number: String,
    pub created_at: String,
    pub email: String,
    pub subject: String,
    pub topic: Option<String>,
    pub urgency: Option<String>,
    /// 1 for verified priority customers.
    pub priority: i64,
    pub status: TicketStatus,
    /// Missing only for a ticket that never had an outbox row.
    pub delivery: Option<DeliveryState>,
    pub attempts: Option<i64>,
    pub last_error: Option<String>,
    pub backend_id: Option<String>,
}

/// Every 4xx answer: `{ "error": { "code", "message", "field" } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ApiError,
}

/// A client-facing error: a stable machine `code`, a sentence for people, and the offending field when
/// there is one. The HTTP status travels beside it, not inside the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
    /// For a 429 whose window is not the rate limiters' minute: the seconds for `Retry-After`.
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_owned(), message: message.into(), field: None, retry_after: None }
    }

    pub fn retry_after(self, seconds: u32) -> Self {
        Self { retry_after: Some(seconds), ..self }
    }

    pub fn for_field(status: u16, code: &str, field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_owned()), ..Self::new(status, code, message) }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} does not exist"))
    }

    pub fn into_body(self) -> ErrorBody {
        ErrorBody { error: self }
    }
}

/// Reads a JSON object body into `T`, whose fields must all be optional (`#[serde(default)]` or
/// `Option`), so that every problem can be pinned to the field that has it: an unknown key, a value of the
/// wrong type. `what` names the thing in messages ("ticket", "notice").
pub fn parse_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    fields: &[&str],
    max_bytes: usize,
    what: &str,
) -> Result<T, ApiError> {
    if body.len() > max_bytes {
        return Err(ApiError::new(
            413,
            "body_too_large",
            format!("The request body is {} bytes; a {what} is at most {max_bytes}.", body.len()),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::new(400, "invalid_json", format!("The body is not valid JSON: {error}")))?;
    let serde_json::Value::Object(object) = &value else {
        return Err(ApiError::new(400, "invalid_body", format!("The body must be a JSON object of {what} fields.")));
    };
    if let Some(unknown) = object.keys().find(|key| !fields.contains(&key.as_str())) {
        return Err(ApiError::for_field(
            400,
            "unknown_field",
            unknown,
            format!("`{unknown}` is not a {what} field; send {}.", fields.join(", ")),
        ));
    }
    // serde's own messages do not say which key held the wrong type; an object of one field fails only
    // for that field's value.
    for (key, field_value) in object {
        if field_value.is_null() {
            continue;
        }
        if let Err(error) = serde_json::from_value::<T>(serde_json::json!({ key: field_value })) {
            let message = error.to_string();
            let message = message.split(" at line").next().unwrap_or(&message);
            return Err(ApiError::for_field(400, "invalid_value", key, format!("`{key}`: {message}.")));
        }
    }
    serde_json::from_value(value).map_err(|error| {
        // A required field that is missing is the one thing left; serde names it in backticks.
        let message = error.to_string();
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
        let error = ApiError::new(400, "invalid_body", format!("The {what} could not be read: {message}"));
        ApiError { field: missing.map(str::to_owned), ..error }
    })
}

/// Longer queries are pasted error messages or abuse; neither is helped by ranking 10 KB of words.
pub const MAX_QUERY_CHARS: usize = 200;

/// Refuses a search query longer than [`MAX_QUERY_CHARS`], naming `field` (`q` in a URL, `query` in a body).
pub fn check_query(field: &str, query: &str) -> Result<(), ApiError> {
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::for_field(
            400,
            "query_too_long",
            field,
            format!("The query is {chars} characters long; the limit is {MAX_QUERY_CHARS}."),
        ));
    }
    Ok(())
}

/// How many results a list answers with when the request does not say.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

/// A `limit` parameter as it arrives in a URL: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    match raw {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(raw) => raw.parse().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit)).ok_or_else(|| {
            ApiError::for_field(
                400,
                "invalid_limit",
                "limit",
                format!("`limit` must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}."),
            )
        }),
    }
}

/// A `meaning` parameter as it arrives in a URL: `1` asks for the ranking by meaning, `0` or nothing for
/// the one by words.
pub fn parse_meaning(raw: Option<&str>) -> Result<bool, ApiError> {
    match raw {
        None | Some("" | "0") => Ok(false),
        Some("1") => Ok(true),
        Some(raw) => Err(ApiError::for_field(
            400,
            "invalid_meaning",
            "meaning",
            format!("`meaning` must be 1 (rank by meaning as well as words) or 0, not {raw:?}."),
        )),
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}): {}", self.code, field, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// Whether an article slug from a URL can name an article: letters, digits and dashes only, so it can
/// never address anything but an article file.
pub fn is_article_slug(slug: &str) -> bool {
    !slug.is_empty() && slug.len() <= 200 && slug.chars().all(|c| c.is_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_code_message_and_field_but_not_status() {
        let body = ApiError::for_field(400, "invalid_email", "email", "Enter an email address").into_body();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid_email", "message": "Enter an email address", "field": "email"}})
        );
    }

    #[test]
    fn meaning_is_asked_with_1_and_anything_else_is_refused_by_name() {
        assert!(!parse_meaning(None).unwrap());
        assert!(!parse_meaning(Some("0")).unwrap());
        assert!(parse_meaning(Some("1")).unwrap());
        let refused = parse_meaning(Some("yes")).unwrap_err();
        assert_eq!(
            (refused.status, refused.code.as_str(), refused.field.as_deref()),
            (400, "invalid_meaning", Some("meaning"))
        );
        let answer =
            SearchResponse { query: "q".into(), locale: "en".into(), hits: vec![], meaning: None, answerable: false };
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            serde_json::json!({"query": "q", "locale": "en", "hits": []})
        );
        let offered = SearchResponse { meaning: Some(Meaning::Offered), ..answer };
        assert_eq!(serde_json::to_value(&offered).unwrap()["meaning"], "offered");
    }

    #[test]
    fn media_addresses_become_absolute() {
        let article = Article {
            slug: "a".into(),
            locale: "en".into(),
            section: "s".into(),
            section_title: "S".into(),
            title: "A".into(),
            summary: String::new(),
            source: "a.md".into(),
            html: r#"<img src="/kb/media/en/a.png"> <a href="/kb/media/x.pdf">x</a> <a href="/other">o</a>"#.into(),
            headings: vec![],
            tags: vec![],
            products: vec![],
            paths: vec![],
            updated: None,
            related: vec![],
        };
        let html = article.with_media_origin("https://support.acme.test/").html;
        assert_eq!(
            html,
            r#"<img src="https://support.acme.test/kb/media/en/a.png"> <a href="https://support.acme.test/kb/media/x.pdf">x</a> <a href="/other">o</a>"#
        );
    }

    #[test]
    fn error_without_field_omits_it() {
        let json = serde_json::to_string(&ApiError::not_found("/api/nope").into_body()).unwrap();
        assert_eq!(json, r#"{"error":{"code":"not_found","message":"/api/nope does not exist"}}"#);
    }

    #[test]
    fn slugs_cannot_leave_the_articles() {
        assert!(is_article_slug("reset-password"));
        assert!(is_article_slug("сброс-пароля"));
        for bad in ["", "../manifest", "a/b", "a.json", "a b", "%2e%2e"] {
            assert!(!is_article_slug(bad), "{bad}");
        }
    }
}
