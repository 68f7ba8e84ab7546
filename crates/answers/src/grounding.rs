//! Whether the search found enough to answer from, and which passages the answer is written from. This is
//! decided before any model call: weak retrieval costs nothing and shows the results and the contact form.

use edgedesk_protocol::answers::AnswerSource;
use edgedesk_search::Passage;

/// The numbers of the decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grounding {
    /// A query of fewer meaningful words is a keyword ("export"), answered by the results.
    pub min_content_words: usize,
    /// The share of the question's meaningful words the best article must contain: more than half (two of
    /// three, three of four or five), or the question is about something the knowledge base does not cover.
    pub min_coverage: f32,
    /// Passages given to the model, best first.
    pub max_passages: usize,
    /// A passage after the first joins it when it scores at least this share of the first's score and
    /// covers at least half the question.
    pub companion_share: f32,
    /// Characters of each passage sent: a section's opening paragraphs.
    pub passage_chars: usize,
}

pub const GROUNDING: Grounding =
    Grounding { min_content_words: 2, min_coverage: 0.6, max_passages: 3, companion_share: 0.4, passage_chars: 900 };

/// What retrieval makes of a query, for answering it.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// Too few meaningful words to be a question ("export"): the results answer it.
    Keyword,
    /// A question no article covers well enough: no model is asked, and the gaps report lists it.
    Unsure,
    /// The passages to answer from, best first.
    Confident(Vec<Passage>),
}

impl Grounding {
    /// The passages to answer from, best first, or why there are none: too short a question, or no article
    /// that covers it. `passages` are the search's, best first.
    pub fn judge(&self, passages: Vec<Passage>, content_words: usize) -> Judgement {
        if content_words < self.min_content_words {
            return Judgement::Keyword;
        }
        let Some(best) = passages.first() else { return Judgement::Unsure };
        if best.coverage < self.min_coverage || best.text.trim().is_empty() {
            return Judgement::Unsure;
        }
        let floor = best.score * self.companion_share;
        let chosen = passages
            .into_iter()
            .enumerate()
            .filter(|(rank, passage)| {
                *rank == 0 || (passage.score >= floor && passage.coverage >= 0.5 && !passage.text.trim().is_empty())
            })
            .map(|(_, passage)| passage)
            .take(self.max_passages)
            .collect();
        Judgement::Confident(chosen)
    }
}

/// The sources shown under an answer: the chosen passages, each opening its article at its section.
pub fn sources(passages: &[Passage]) -> Vec<AnswerSource> {
    passages
        .iter()
        .map(|passage| AnswerSource {
            slug: passage.slug.clone(),
            locale: passage.locale.clone(),
            title: passage.title.clone(),
            anchor: passage.anchor.clone(),
            heading: passage.heading.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(slug: &str, score: f32, coverage: f32) -> Passage {
        Passage {
            slug: slug.into(),
            locale: "en".into(),
            title: slug.into(),
            anchor: Some("steps".into()),
            heading: Some("Steps".into()),
            text: format!("What {slug} says."),
            score,
            coverage,
        }
    }

    /// The passages to answer from, when retrieval is confident.
    fn choose(passages: Vec<Passage>, content_words: usize) -> Option<Vec<Passage>> {
        match GROUNDING.judge(passages, content_words) {
            Judgement::Confident(passages) => Some(passages),
            Judgement::Keyword | Judgement::Unsure => None,
        }
    }

    #[test]
    fn a_covered_question_is_answered_from_its_best_passages() {
        let found = vec![
            passage("reset", 13.0, 1.0),
            passage("2fa", 6.0, 0.5),
            passage("far", 1.0, 1.0),
            passage("thin", 12.0, 0.2),
        ];
        let chosen = choose(found, 2).expect("confident");
        let slugs: Vec<&str> = chosen.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["reset", "2fa"]);
        assert_eq!(sources(&chosen)[0].anchor.as_deref(), Some("steps"));
    }

    #[test]
    fn weak_retrieval_is_not_answered() {
        assert_eq!(choose(vec![], 3), None, "nothing found");
        assert_eq!(choose(vec![passage("export", 6.0, 1.0)], 1), None, "a keyword");
        assert_eq!(choose(vec![passage("invoices", 3.5, 0.34)], 3), None, "the dog ate the invoice");
        let mut empty = passage("empty", 9.0, 1.0);
        empty.text = " ".into();
        assert_eq!(choose(vec![empty], 3), None, "nothing to quote");
    }

    #[test]
    fn a_keyword_is_told_from_a_question_nothing_covers() {
        assert_eq!(GROUNDING.judge(vec![passage("export", 6.0, 1.0)], 1), Judgement::Keyword);
        assert_eq!(GROUNDING.judge(vec![passage("invoices", 3.5, 0.34)], 3), Judgement::Unsure);
        assert_eq!(GROUNDING.judge(vec![], 4), Judgement::Unsure, "found nothing at all");
    }

    #[test]
    fn no_more_than_the_maximum_is_sent() {
        let found = (0..6).map(|n| passage(&format!("a{n}"), 10.0, 1.0)).collect();
        assert_eq!(choose(found, 3).unwrap().len(), GROUNDING.max_passages);
    }
}
