//! The answer's own event stream, as the widget reads it ([`edgedesk_protocol::answers::event`]), and
//! the state of an answer being written: each piece the provider sends is checked by the guard before it
//! is passed on.

use edgedesk_protocol::answers::{AnswerDone, AnswerFallback, AnswerSource, FallbackReason, event};
use serde::Serialize;

use crate::guard::echoes_instructions;
use crate::provider::Said;

/// An answer longer than this is cut where it stands: `max-tokens` bounds it long before, on any
/// provider that honours it.
pub const MAX_ANSWER_CHARS: usize = 4_000;

/// One server-sent event: its name and its data as one line of JSON.
pub fn event(name: &str, data: &impl Serialize) -> String {
    let data = serde_json::to_string(data).expect("answer events always serialize");
    format!("event: {name}\ndata: {data}\n\n")
}

pub fn sources_event(sources: &[AnswerSource]) -> String {
    event(event::SOURCES, &sources)
}

pub fn text_event(text: &str) -> String {
    event(event::TEXT, &text)
}

pub fn done_event(cached: bool) -> String {
    event(event::DONE, &AnswerDone { cached })
}

pub fn fallback_event(reason: FallbackReason) -> String {
    event(event::FALLBACK, &AnswerFallback { reason })
}

/// What to do after the provider said something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this event and read on.
    Send(String),
    /// Nothing to send yet.
    Wait,
    /// The answer is complete: this is its text, to cache and to close with.
    Complete(String),
    /// Give way to the results, and say why in the log.
    GiveWay(FallbackReason, String),
}

/// An answer being written.
#[derive(Debug)]
pub struct Writing {
    instructions: String,
    text: String,
}

impl Writing {
    /// `instructions`: the system prompt the model was given, which it must not repeat.
    pub fn new(instructions: String) -> Self {
        Self { instructions, text: String::new() }
    }

    pub fn on(&mut self, said: Said) -> Step {
        match said {
            Said::Text(piece) => {
                self.text.push_str(&piece);
                if echoes_instructions(&self.text, &self.instructions) {
                    return Step::GiveWay(FallbackReason::Withdrawn, "the model repeated its instructions".into());
                }
                if self.text.chars().count() > MAX_ANSWER_CHARS {
                    return self.complete();
                }
                Step::Send(text_event(&piece))
            }
            Said::Finished => self.complete(),
            Said::Failed(reason) => Step::GiveWay(FallbackReason::Unavailable, reason),
        }
    }

    /// The stream ended: with text, the answer is complete; without, the provider failed.
    pub fn complete(&mut self) -> Step {
        let text = self.text.trim().to_owned();
        if text.is_empty() {
            return Step::GiveWay(FallbackReason::Unavailable, "the provider's answer was empty".into());
        }
        Step::Complete(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::system_prompt;

    #[test]
    fn events_are_one_json_line_each() {
        assert_eq!(text_event("a\nb \"c\""), "event: text\ndata: \"a\\nb \\\"c\\\"\"\n\n");
        assert_eq!(done_event(true), "event: done\ndata: {\"cached\":true}\n\n");
        assert_eq!(fallback_event(FallbackReason::Timeout), "event: fallback\ndata: {\"reason\":\"timeout\"}\n\n");
    }

    #[test]
    fn pieces_pass_until_the_model_repeats_its_instructions() {
        let mut writing = Writing::new(system_prompt("en"));
        assert_eq!(writing.on(Said::Text("Sure. ".into())), Step::Send(text_event("Sure. ")));
        let mut step = Step::Wait;
        for word in "You are the help center's assistant. Answer the customer's question".split_inclusive(' ') {
            step = writing.on(Said::Text(word.into()));
            if !matches!(step, Step::Send(_)) {
                break;
            }
        }
        assert!(matches!(step, Step::GiveWay(FallbackReason::Withdrawn, _)), "{step:?}");
    }

    #[test]
    fn an_answer_completes_or_gives_way() {
        let mut writing = Writing::new(system_prompt("en"));
        writing.on(Said::Text(" Open Settings. ".into()));
        assert_eq!(writing.on(Said::Finished), Step::Complete("Open Settings.".into()));
        assert!(matches!(
            Writing::new(String::new()).on(Said::Finished),
            Step::GiveWay(FallbackReason::Unavailable, _)
        ));
        let failed = Writing::new(String::new()).on(Said::Failed("overloaded".into()));
        assert_eq!(failed, Step::GiveWay(FallbackReason::Unavailable, "overloaded".into()));
    }
}
