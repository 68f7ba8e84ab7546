//! `POST /api/tickets`: validated in core, stored in D1 before it is acknowledged.

use edgedesk_core::api::TicketAccepted;
use edgedesk_core::ticket;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{Env, Request};

use crate::http::{ApiResult, header, internal, json, json_body};

const DATABASE: &str = "DB";
/// A new number is drawn when one is already taken; three draws from 2^40 colliding means a broken
/// random source, not bad luck.
const TICKET_NUMBER_ATTEMPTS: usize = 3;

#[wasm_bindgen]
extern "C" {
    /// Web Crypto's CSPRNG, present in every Workers isolate.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    pub fn fill_random(bytes: &mut [u8]);
}

pub async fn create(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, ticket::MAX_BODY_BYTES).await?;
    let ticket = ticket::parse(&body, &[])?;
    let user_agent = header(&request, "User-Agent")?;

    let database = env.d1(DATABASE).map_err(internal)?;
    for _ in 0..TICKET_NUMBER_ATTEMPTS {
        let mut random = [0u8; 5];
        fill_random(&mut random);
        let number = ticket::ticket_number(random);
        let inserted = database
            .prepare(
                "INSERT INTO tickets (number, name, email, subject, message, page_url, locale, user_agent, incident_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (number) DO NOTHING",
            )
            .bind(&[
                number.as_str().into(),
                ticket.name.as_str().into(),
                ticket.email.as_str().into(),
                ticket.subject.as_str().into(),
                ticket.message.as_str().into(),
                nullable(ticket.page_url.as_deref()),
                nullable(ticket.locale.as_deref()),
                nullable(user_agent.as_deref()),
                nullable(ticket.incident_id.as_deref()),
            ])
            .map_err(internal)?
            .run()
            .await
            .map_err(internal)?;
        let rows_written = inserted.meta().map_err(internal)?.and_then(|meta| meta.changes).unwrap_or(0);
        if rows_written == 1 {
            let message =
                format!("Thanks, {}! Your ticket number is {number}. We will reply to {}.", ticket.name, ticket.email);
            let expected_reply_at = edgedesk_core::status::format_time(
                edgedesk_core::support::Support::default()
                    .expected_reply_at(ticket.urgency, (worker::Date::now().as_millis() / 1000) as i64),
            );
            return json(202, &TicketAccepted { number, status: "received".into(), expected_reply_at, message });
        }
    }
    Err(internal("no free ticket number after several attempts"))
}

/// D1 stores SQL NULL only for JavaScript `null`; `undefined` (what `None` becomes) is refused.
pub fn nullable(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}
