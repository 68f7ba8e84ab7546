//! Meaning, not only words: every section of every article as a vector from a sentence-embedding model,
//! built with the knowledge base, and a query's vector from the same model compared with them. The lexical
//! ranking and this one are fused by their scores, so an article either finds well rises, and one only
//! the model finds ("my program stops on a wall adapter" for "external power supply") still shows.
//!
//! The vectors are quantised to one signed byte per dimension with a scale per section: a quarter of the
//! floats' bytes, and cosine order is kept to within a rounding step (a thousandth or so).

use serde::{Deserialize, Serialize};

/// Bumped whenever the serialized layout changes.
pub const VECTORS_FORMAT: u32 = 1;

/// How the two rankings are combined: each article's lexical score as a share of the best one, and its
/// closest section's similarity as a share of the best (above the similarity of the article at `depth`),
/// mixed in these proportions. Mixing scores rather than ranks keeps a clear lexical winner first when
/// the model is unsure, and lets a clear semantic winner pass a crowd of near-equal word matches. Both
/// numbers were chosen by 5-fold cross-validation on the dev relevance set (docs/benchmarks.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fusion {
    /// The model's share of the mixed score, from 0 (words only) to 1 (meaning only).
    pub semantic_weight: f32,
    /// How deep each ranking is read: the articles fused are the first `depth` of each.
    pub depth: usize,
}

pub const FUSION: Fusion = Fusion { semantic_weight: 0.6, depth: 100 };

/// `[semantic]` in `edgedesk.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SemanticConfig {
    /// Whether `edgedesk build` embeds the sections (of the locales the model reads) for semantic ranking.
    pub enabled: bool,
}

impl Default for SemanticConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// The sections of one locale's articles as quantised unit vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionVectors {
    format: u32,
    /// The model that made them: a query vector from any other means nothing here.
    model: String,
    dimensions: u32,
    /// Per section: the article (its number in the index) and the part within it.
    sections: Vec<(u32, u32)>,
    /// Per section: what one step of its bytes is worth.
    scales: Vec<f32>,
    /// `dimensions` bytes per section, in the order of `sections`.
    #[serde(with = "serde_bytes")]
    values: Vec<u8>,
}

impl SectionVectors {
    /// Quantises the sections' vectors (each of `dimensions` floats) made by `model`.
    pub fn quantise(model: &str, dimensions: usize, sections: Vec<((u32, u32), Vec<f32>)>) -> Result<Self, String> {
        let mut vectors = Self {
            format: VECTORS_FORMAT,
            model: model.to_owned(),
            dimensions: dimensions as u32,
            sections: Vec::with_capacity(sections.len()),
            scales: Vec::with_capacity(sections.len()),
            values: Vec::with_capacity(sections.len() * dimensions),
        };
        for (section, vector) in sections {
            if vector.len() != dimensions {
                return Err(format!("a vector of {} dimensions among vectors of {dimensions}", vector.len()));
            }
            let largest = vector.iter().fold(0.0f32, |largest, value| largest.max(value.abs()));
            let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            vectors.sections.push(section);
            vectors.scales.push(scale);
            vectors.values.extend(vector.iter().map(|value| ((value / scale).round() as i8) as u8));
        }
        Ok(vectors)
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn dimensions(&self) -> usize {
        self.dimensions as usize
    }

    pub fn len(&self) -> usize {
        self.sections.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Whether every section names an (article, part) that `exists`.
    pub fn fits(&self, exists: impl Fn(u32, u32) -> bool) -> bool {
        self.sections.iter().all(|&(article, part)| exists(article, part))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("in-memory vectors always serialize")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let vectors: Self =
            postcard::from_bytes(bytes).map_err(|error| format!("unreadable section vectors: {error}"))?;
        if vectors.format != VECTORS_FORMAT {
            return Err(format!(
                "the section vectors have format {}, this build reads {VECTORS_FORMAT}; rebuild the knowledge base",
                vectors.format
            ));
        }
        let dimensions = vectors.dimensions as usize;
        if dimensions == 0
            || vectors.scales.len() != vectors.sections.len()
            || vectors.values.len() != vectors.sections.len() * dimensions
        {
            return Err("the section vectors are truncated; rebuild the knowledge base".into());
        }
        Ok(vectors)
    }

    /// Articles by their best section's cosine similarity to `query` (a unit vector), best first, at most
    /// `limit`, with that section's part number. Empty when the query has the wrong number of dimensions.
    pub fn rank(&self, query: &[f32], limit: usize, keep: impl Fn(u32) -> bool) -> Vec<SemanticMatch> {
        let dimensions = self.dimensions as usize;
        if query.len() != dimensions {
            return Vec::new();
        }
        let mut best: Vec<SemanticMatch> = Vec::new();
        for ((&(article, part), &scale), values) in
            self.sections.iter().zip(&self.scales).zip(self.values.chunks_exact(dimensions))
        {
            let dot: f32 = values.iter().zip(query).map(|(&value, &q)| f32::from(value as i8) * q).sum();
            let similarity = dot * scale;
            // Sections of one article are stored together, so its best is settled before the next starts.
            match best.last_mut() {
                Some(last) if last.article == article => {
                    if similarity > last.similarity {
                        *last = SemanticMatch { article, part, similarity };
                    }
                }
                _ => best.push(SemanticMatch { article, part, similarity }),
            }
        }
        best.retain(|found| keep(found.article));
        let best_first = |a: &SemanticMatch, b: &SemanticMatch| {
            b.similarity.total_cmp(&a.similarity).then(a.article.cmp(&b.article))
        };
        if best.len() > limit {
            best.select_nth_unstable_by(limit, best_first);
            best.truncate(limit);
        }
        best.sort_by(best_first);
        best
    }
}

/// An article the model finds close to the query, and the section that is closest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SemanticMatch {
    pub article: u32,
    pub part: u32,
    pub similarity: f32,
}

/// The text a section is embedded as: the article's title with the section's heading and words, so that a
/// section that never repeats the title ("Solution") is still about it.
pub fn section_text(title: &str, heading: &str, text: &str) -> String {
    let mut embedded = String::with_capacity(title.len() + heading.len() + text.len() + 4);
    embedded.push_str(title);
    for more in [heading, text] {
        if !more.is_empty() {
            embedded.push_str(". ");
            embedded.push_str(more);
        }
    }
    embedded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(values: &[f32]) -> Vec<f32> {
        let length = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter().map(|v| v / length).collect()
    }

    #[test]
    fn an_article_ranks_by_its_closest_section() {
        let vectors = SectionVectors::quantise(
            "m",
            3,
            vec![
                ((0, 0), unit(&[1.0, 0.0, 0.0])),
                ((0, 1), unit(&[0.0, 1.0, 0.2])),
                ((1, 0), unit(&[0.6, 0.6, 0.0])),
                ((2, 0), unit(&[0.0, 0.0, 1.0])),
            ],
        )
        .unwrap();
        let ranked = vectors.rank(&unit(&[0.0, 1.0, 0.0]), 10, |_| true);
        let order: Vec<(u32, u32)> = ranked.iter().map(|found| (found.article, found.part)).collect();
        assert_eq!(order, [(0, 1), (1, 0), (2, 0)]);
        assert!((ranked[0].similarity - unit(&[0.0, 1.0, 0.2])[1]).abs() < 0.01);
        // A filter (product, section) and a limit apply to the articles.
        let kept = vectors.rank(&unit(&[0.0, 1.0, 0.0]), 1, |article| article != 0);
        assert_eq!(kept.iter().map(|found| found.article).collect::<Vec<_>>(), [1]);
        // A vector from a model with another size compares with nothing.
        assert!(vectors.rank(&[1.0, 0.0], 10, |_| true).is_empty());
    }

    #[test]
    fn quantised_vectors_round_trip_and_refuse_damage() {
        let vectors = SectionVectors::quantise("m", 2, vec![((0, 0), unit(&[0.3, -0.7]))]).unwrap();
        let bytes = vectors.to_bytes();
        assert_eq!(SectionVectors::from_bytes(&bytes).unwrap(), vectors);
        let error = SectionVectors::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(error.contains("unreadable") || error.contains("truncated"), "{error}");
        assert!(SectionVectors::quantise("m", 2, vec![((0, 0), vec![1.0])]).is_err());
    }
}
