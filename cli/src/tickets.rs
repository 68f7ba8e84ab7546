//! `edgedesk tickets list|failed|replay`: what reached the helpdesk, what did not and why, and sending
//! it again once the cause is fixed.

use std::process::ExitCode;

use anyhow::Result;
use edgedesk_protocol::api::{AdminTicket, AdminTickets, DeliveryState};
use reqwest::Method;

use crate::admin::AdminClient;

pub fn list(client: &AdminClient, state: Option<&str>, limit: usize, json: bool) -> Result<ExitCode> {
    let limit = limit.to_string();
    let mut query = vec![("limit", limit.as_str())];
    if let Some(state) = state {
        query.push(("state", state));
    }
    let answer: AdminTickets = client.send_json(Method::GET, "/api/admin/tickets", &query, None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&answer.tickets)?);
    } else if answer.tickets.is_empty() {
        println!("No tickets{}.", state.map(|state| format!(" in state {state}")).unwrap_or_default());
    } else {
        answer.tickets.iter().for_each(print_ticket);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_ticket(ticket: &AdminTicket) {
    let delivery = ticket.delivery.map_or("not in the outbox", DeliveryState::as_str);
    let attempts = ticket.attempts.unwrap_or(0);
    let priority = if ticket.priority == 1 { " PRIORITY" } else { "" };
    println!(
        "{}  {}  {}  {}{priority}  {} <{}>",
        ticket.number,
        ticket.created_at,
        ticket.urgency.as_deref().unwrap_or("normal"),
        ticket.topic.as_deref().unwrap_or("-"),
        ticket.subject,
        ticket.email
    );
    println!("    status {}, delivery {delivery} after {attempts} attempt(s)", ticket.status.as_str());
    if let Some(error) = &ticket.last_error
        && ticket.delivery != Some(DeliveryState::Delivered)
    {
        println!("    last error: {error}");
    }
}

pub fn replay(client: &AdminClient, numbers: &[String]) -> Result<ExitCode> {
    for number in numbers {
        client.send(Method::POST, &format!("/api/admin/tickets/{number}/replay"), &[], None)?;
        println!("{number}: queued for delivery again");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sweep(client: &AdminClient) -> Result<ExitCode> {
    let answer: serde_json::Value = client.send_json(Method::POST, "/api/admin/sweep", &[], None)?;
    println!("Sent {} undelivered ticket(s) to the helpdesk again.", answer["sent"]);
    Ok(ExitCode::SUCCESS)
}
