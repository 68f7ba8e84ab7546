//! Meaning, not only words: every section of every article as a vector from a sentence-embedding model,
//! built with the knowledge base, and a query's vector from the same model compared with them. The lexical
//! ranking and this one are fused by their scores, so an article either finds well rises, and one only
//! the model finds ("my program stops on a wall adapter" for "external power supply") still shows.
//!
//! The vectors are quantised to one signed byte per dimension with a scale per section: a quarter of the
//! floats' bytes, and cosine order is kept to within a rounding step (a thousandth or so).

use serde::{Deserialize, Serialize};

/// Bumped whenever the serialized layout changes.
pub const VECTORS_FORMAT: u32 = 3;

/// A sentence the build embeds beside the sections. Whoever embeds queries later (the team's provider, for
/// the worker) embeds it too, and a vector that differs says the provider runs another model, whose query
/// vectors would rank nothing sensibly.
pub const PROBE: &str = "My order has not arrived yet and I would like to change the delivery address.";
/// How close the two vectors of [`PROBE`] must be: one model served by another runtime (ONNX, GGUF at 16
/// bits) agrees to about 0.999; a different model, even one with as many dimensions, is nowhere near.
const PROBE_AGREEMENT: f32 = 0.98;

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
    /// What the model wants written in front of a query before it is embedded (`query: ` for e5).
    query_prefix: String,
    dimensions: u32,
    /// The model's vector of [`PROBE`], as the build made it.
    probe: Vec<f32>,
    /// Per section: the article (its number in the index) and the part within it.
    sections: Vec<(u32, u32)>,
    /// Per section: what one step of its bytes is worth.
    scales: Vec<f32>,
    /// `dimensions` bytes per section, in the order of `sections`.
    #[serde(with = "serde_bytes")]
    values: Vec<u8>,
    /// Per section, the signs of its values, a bit each: for the shortlist, only when there are more than
    /// [`SHORTLIST_ABOVE`] sections.
    #[serde(skip)]
    signs: Vec<u64>,
}

/// Above this many sections (some 1,000 articles), a query is first compared with the signs of the
/// sections' values, one bit per dimension, and only the [`SHORTLIST`] closest by sign are compared by
/// value: at 10,000 articles comparing every section's bytes takes several times a worker's CPU budget.
const SHORTLIST_ABOVE: usize = 2_048;
const SHORTLIST: usize = 1_024;

impl SectionVectors {
    /// Quantises the sections' vectors (each of `dimensions` floats) made by `model`, which gave [`PROBE`]
    /// the vector `probe` when it was written as a query, after `query_prefix`.
    pub fn quantise(
        model: &str,
        query_prefix: &str,
        dimensions: usize,
        probe: Vec<f32>,
        sections: Vec<((u32, u32), Vec<f32>)>,
    ) -> Result<Self, String> {
        if probe.len() != dimensions {
            return Err(format!("a probe of {} dimensions among vectors of {dimensions}", probe.len()));
        }
        let mut vectors = Self {
            format: VECTORS_FORMAT,
            model: model.to_owned(),
            query_prefix: query_prefix.to_owned(),
            dimensions: dimensions as u32,
            probe,
            sections: Vec::with_capacity(sections.len()),
            scales: Vec::with_capacity(sections.len()),
            values: Vec::with_capacity(sections.len() * dimensions),
            signs: Vec::new(),
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
        vectors.signs = signs(&vectors.values, dimensions, vectors.sections.len());
        Ok(vectors)
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// `text` as the model wants a query written before it embeds it.
    pub fn query_text(&self, text: &str) -> String {
        format!("{}{text}", self.query_prefix)
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

    /// Whether `probe_vector`, another embedder's vector of [`PROBE`], comes from the model that made these.
    pub fn same_model(&self, probe_vector: &[f32]) -> bool {
        probe_vector.len() == self.probe.len() && cosine(&self.probe, probe_vector) >= PROBE_AGREEMENT
    }

    /// Whether every section names an (article, part) that `exists`.
    pub fn fits(&self, exists: impl Fn(u32, u32) -> bool) -> bool {
        self.sections.iter().all(|&(article, part)| exists(article, part))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("in-memory vectors always serialize")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        // The format comes first, and is read alone: another format's fields would not read as this one's.
        let (format, _) =
            postcard::take_from_bytes::<u32>(bytes).map_err(|error| format!("unreadable section vectors: {error}"))?;
        if format != VECTORS_FORMAT {
            return Err(format!(
                "the section vectors have format {format}, this build reads {VECTORS_FORMAT}; rebuild the knowledge base"
            ));
        }
        let vectors: Self =
            postcard::from_bytes(bytes).map_err(|error| format!("unreadable section vectors: {error}"))?;
        let dimensions = vectors.dimensions as usize;
        if dimensions == 0
            || vectors.probe.len() != dimensions
            || vectors.scales.len() != vectors.sections.len()
            || vectors.values.len() != vectors.sections.len() * dimensions
        {
            return Err("the section vectors are truncated; rebuild the knowledge base".into());
        }
        let signs = signs(&vectors.values, dimensions, vectors.sections.len());
        Ok(Self { signs, ..vectors })
    }

    /// Articles by their best section's cosine similarity to `query` (a unit vector), best first, at most
    /// `limit`, with that section's part number. Empty when the query has the wrong number of dimensions.
    pub fn rank(&self, query: &[f32], limit: usize, keep: impl Fn(u32) -> bool) -> Vec<SemanticMatch> {
        let dimensions = self.dimensions as usize;
        if query.len() != dimensions {
            return Vec::new();
        }
        // The query in bytes too: products of small integers are several times cheaper in wasm than
        // converting every byte to a float, and cost the order of sections less than a rounding step.
        let query_scale =
            query.iter().fold(0.0f32, |largest, value| largest.max(value.abs())).max(f32::EPSILON) / 127.0;
        // Signed bytes, kept as `u8` like the sections' values.
        let query_bytes: Vec<u8> = query.iter().map(|value| (value / query_scale).round() as i8 as u8).collect();
        let similarity = |section: usize| -> f32 {
            dot(&self.values[section * dimensions..][..dimensions], &query_bytes) as f32
                * self.scales[section]
                * query_scale
        };
        let compared: Vec<usize> = if self.sections.len() > SHORTLIST_ABOVE {
            self.shortlist(&query_bytes)
        } else {
            (0..self.sections.len()).collect()
        };
        let mut best: Vec<SemanticMatch> = Vec::new();
        for section in compared {
            let (article, part) = self.sections[section];
            let similarity = similarity(section);
            // Sections of one article are stored together, and compared in order, so its best is settled
            // before the next starts.
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

    /// The [`SHORTLIST`] sections (or a few more, on a tie) whose signs agree most with the query's, in
    /// stored order. Counted rather than sorted: a distance is at most `dimensions`.
    fn shortlist(&self, query_bytes: &[u8]) -> Vec<usize> {
        let words = self.dimensions.div_ceil(64) as usize;
        let query_signs = signs_of(query_bytes.iter().map(|&value| (value as i8) < 0), words);
        let distances: Vec<u16> = match query_signs[..] {
            // The models' 384 dimensions, spelt out: six words a section, with no loop or bounds to check.
            // At 10,000 articles in bench/wasm this took a paused query's p50 from 1.04-1.08 to 0.99-1.01 ms.
            [q0, q1, q2, q3, q4, q5] => self
                .signs
                .chunks_exact(6)
                .map(|s| {
                    ((s[0] ^ q0).count_ones()
                        + (s[1] ^ q1).count_ones()
                        + (s[2] ^ q2).count_ones()
                        + (s[3] ^ q3).count_ones()
                        + (s[4] ^ q4).count_ones()
                        + (s[5] ^ q5).count_ones()) as u16
                })
                .collect(),
            _ => self
                .signs
                .chunks_exact(words)
                .map(|signs| signs.iter().zip(&query_signs).map(|(a, b)| (a ^ b).count_ones() as u16).sum())
                .collect(),
        };
        let mut sections_at = vec![0usize; self.dimensions as usize + 1];
        for &distance in &distances {
            sections_at[distance as usize] += 1;
        }
        let mut within = 0;
        let mut farthest = 0;
        while farthest < sections_at.len() - 1 && within + sections_at[farthest] < SHORTLIST {
            within += sections_at[farthest];
            farthest += 1;
        }
        let farthest = farthest as u16;
        distances
            .iter()
            .enumerate()
            .filter(|(_, distance)| **distance <= farthest)
            .map(|(section, _)| section)
            .collect()
    }
}

/// Each section's signs (`dimensions` bytes each), packed into 64-bit words; none when there are too few
/// sections for a shortlist, so loading a small help center's vectors does not compute them.
fn signs(values: &[u8], dimensions: usize, sections: usize) -> Vec<u64> {
    if sections <= SHORTLIST_ABOVE {
        return Vec::new();
    }
    let words = dimensions.div_ceil(64);
    values
        .chunks_exact(dimensions)
        .flat_map(|section| signs_of(section.iter().map(|&value| (value as i8) < 0), words))
        .collect()
}

fn signs_of(negative: impl Iterator<Item = bool>, words: usize) -> Vec<u64> {
    let mut packed = vec![0u64; words];
    for (at, negative) in negative.enumerate() {
        if negative {
            packed[at / 64] |= 1 << (at % 64);
        }
    }
    packed
}

/// A section's bytes times the query's (both signed bytes, stored as `u8`).
fn dot(values: &[u8], query: &[u8]) -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        dot_simd128(values, query)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        // Native compilers vectorise this on their own.
        dot_one_by_one(values, query)
    }
}

fn dot_one_by_one(values: &[u8], query: &[u8]) -> i32 {
    values.iter().zip(query).map(|(&value, &q)| i32::from(value as i8) * i32::from(q as i8)).sum()
}

/// [`dot`] sixteen bytes at a time with wasm's 128-bit instructions, which every engine that runs the
/// worker has (V8 since 9.1): LLVM does not find them for the plain loop. Enabled for this function
/// only, so the rest of the build (and the widget, which does not use it) is unchanged.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn dot_simd128(values: &[u8], query: &[u8]) -> i32 {
    use core::arch::wasm32::*;
    let mut sums = i32x4_splat(0);
    for (value, q) in values.chunks_exact(16).zip(query.chunks_exact(16)) {
        let (value, q): (v128, v128) = (bytemuck::pod_read_unaligned(value), bytemuck::pod_read_unaligned(q));
        let low = i32x4_dot_i16x8(i16x8_extend_low_i8x16(value), i16x8_extend_low_i8x16(q));
        let high = i32x4_dot_i16x8(i16x8_extend_high_i8x16(value), i16x8_extend_high_i8x16(q));
        sums = i32x4_add(sums, i32x4_add(low, high));
    }
    let whole = values.len().min(query.len()) / 16 * 16;
    let rest = dot_one_by_one(&values[whole..], &query[whole..]);
    i32x4_extract_lane::<0>(sums)
        + i32x4_extract_lane::<1>(sums)
        + i32x4_extract_lane::<2>(sums)
        + i32x4_extract_lane::<3>(sums)
        + rest
}

/// An article the model finds close to the query, and the section that is closest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SemanticMatch {
    pub article: u32,
    pub part: u32,
    pub similarity: f32,
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(a, b)| a * b).sum();
    let length = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (length(a) * length(b)).max(f32::EPSILON)
}

/// Scales `vector` to unit length: providers differ in whether they do.
pub fn normalised(mut vector: Vec<f32>) -> Vec<f32> {
    let length = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if length > 0.0 {
        vector.iter_mut().for_each(|x| *x /= length);
    }
    vector
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

/// The embeddings API the worker asks for a query's vector: the OpenAI-compatible `POST /v1/embeddings`,
/// which OpenAI, Workers AI's OpenAI endpoint, Ollama, Hugging Face's text-embeddings-inference and vLLM
/// all serve. Only the request's `model` and `input` and the answer's `data[].index` and
/// `data[].embedding` are used.
pub mod provider {
    use serde::Deserialize;

    /// The provider's name for the build's `model`, from the `EMBEDDINGS_MODEL` setting: a bare name is
    /// the provider's name for every model (`all-minilm`); `build-name=provider-name` pairs, separated by
    /// commas, name each model (`all-MiniLM-L6-v2=all-minilm, multilingual-e5-small=e5`). A model the
    /// setting does not name is asked for by the build's own name.
    pub fn model_name(setting: Option<&str>, model: &str) -> String {
        let Some(setting) = setting.map(str::trim).filter(|setting| !setting.is_empty()) else {
            return model.to_owned();
        };
        if !setting.contains('=') {
            return setting.to_owned();
        }
        setting
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .find(|(build, _)| build.trim() == model)
            .map_or_else(|| model.to_owned(), |(_, provider)| provider.trim().to_owned())
    }

    /// The request body for `inputs`, embedded by `model` (the provider's name for it).
    pub fn request_body(model: &str, inputs: &[&str]) -> String {
        serde_json::json!({ "model": model, "input": inputs }).to_string()
    }

    #[derive(Deserialize)]
    struct Answer {
        data: Vec<Embedding>,
    }

    #[derive(Deserialize)]
    struct Embedding {
        index: usize,
        embedding: Vec<f32>,
    }

    #[derive(Deserialize)]
    struct Refusal {
        error: RefusalDetail,
    }

    #[derive(Deserialize)]
    struct RefusalDetail {
        message: String,
    }

    /// The unit vectors of the `inputs` inputs in the provider's answer (`status`, `body`), in the order
    /// they were asked, each of `dimensions` numbers; or why the answer is no use, for the operator's log.
    pub fn read_answer(status: u16, body: &str, inputs: usize, dimensions: usize) -> Result<Vec<Vec<f32>>, String> {
        if !(200..300).contains(&status) {
            let reason = serde_json::from_str::<Refusal>(body)
                .map(|refusal| refusal.error.message)
                .unwrap_or_else(|_| body.chars().take(200).collect());
            return Err(format!("the embeddings provider answered {status}: {reason}"));
        }
        let answer: Answer = serde_json::from_str(body)
            .map_err(|error| format!("the embeddings provider's answer is not an embeddings list: {error}"))?;
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; inputs];
        for Embedding { index, embedding } in answer.data {
            if embedding.len() != dimensions {
                return Err(format!(
                    "the embeddings provider gave {} dimensions where the build's model has {dimensions}: it \
                     runs another model",
                    embedding.len()
                ));
            }
            let slot = vectors
                .get_mut(index)
                .ok_or_else(|| format!("the embeddings provider answered for input {index} of {inputs}"))?;
            *slot = Some(super::normalised(embedding));
        }
        vectors
            .into_iter()
            .enumerate()
            .map(|(index, vector)| vector.ok_or_else(|| format!("the embeddings provider skipped input {index}")))
            .collect()
    }
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
            "",
            3,
            unit(&[1.0, 1.0, 1.0]),
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
        let vectors =
            SectionVectors::quantise("m", "", 2, unit(&[1.0, 0.0]), vec![((0, 0), unit(&[0.3, -0.7]))]).unwrap();
        let bytes = vectors.to_bytes();
        assert_eq!(SectionVectors::from_bytes(&bytes).unwrap(), vectors);
        let error = SectionVectors::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(error.contains("unreadable") || error.contains("truncated"), "{error}");
        // Vectors of an earlier build, whose fields differ, are named by their format, not misread.
        let mut earlier = bytes.clone();
        earlier[0] = 2;
        let error = SectionVectors::from_bytes(&earlier).unwrap_err();
        assert!(error.contains("format 2") && error.contains("rebuild"), "{error}");
        assert!(SectionVectors::quantise("m", "", 2, unit(&[1.0, 0.0]), vec![((0, 0), vec![1.0])]).is_err());
        assert!(SectionVectors::quantise("m", "", 2, vec![1.0], vec![]).is_err());
    }

    #[test]
    fn many_sections_are_shortlisted_by_sign_and_the_closest_still_comes_first() {
        let mut state = 7u64;
        let mut random = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let dimensions = 64;
        let sections: Vec<((u32, u32), Vec<f32>)> = (0..SHORTLIST_ABOVE as u32 * 2)
            .map(|section| ((section / 2, section % 2), unit(&(0..dimensions).map(|_| random()).collect::<Vec<_>>())))
            .collect();
        let planted = sections[3_001].1.clone();
        let vectors = SectionVectors::quantise("m", "", dimensions, unit(&vec![1.0; dimensions]), sections).unwrap();
        let query: Vec<f32> = unit(&planted.iter().map(|value| value + 0.3 * random()).collect::<Vec<_>>());
        let ranked = vectors.rank(&query, usize::MAX, |_| true);
        assert_eq!((ranked[0].article, ranked[0].part), (1_500, 1));
        // Two sections an article: about as many articles as sections shortlisted, and far from all 4,096.
        assert!(ranked.len() <= SHORTLIST + SHORTLIST / 4, "{} articles compared", ranked.len());
        assert!(ranked.len() >= SHORTLIST / 2, "the shortlist covers too few articles: {}", ranked.len());
    }

    #[test]
    fn the_probe_tells_the_build_model_from_another() {
        let vectors = SectionVectors::quantise("m", "", 3, unit(&[0.2, 0.9, 0.1]), vec![]).unwrap();
        // The same model in another runtime: not bit-identical, nor always of unit length.
        assert!(vectors.same_model(&[0.41, 1.79, 0.2]));
        assert!(!vectors.same_model(&unit(&[0.9, 0.2, 0.1])));
        assert!(!vectors.same_model(&[0.2, 0.9]));
    }

    #[test]
    fn the_setting_names_each_models_provider_name() {
        use super::provider::model_name;
        assert_eq!(model_name(None, "all-MiniLM-L6-v2"), "all-MiniLM-L6-v2");
        assert_eq!(model_name(Some(" "), "all-MiniLM-L6-v2"), "all-MiniLM-L6-v2");
        assert_eq!(model_name(Some("all-minilm"), "multilingual-e5-small"), "all-minilm");
        let pairs = Some("all-MiniLM-L6-v2=all-minilm, multilingual-e5-small = e5");
        assert_eq!(model_name(pairs, "all-MiniLM-L6-v2"), "all-minilm");
        assert_eq!(model_name(pairs, "multilingual-e5-small"), "e5");
        assert_eq!(model_name(pairs, "another"), "another");
    }

    #[test]
    fn the_providers_answer_is_read_in_the_order_asked_and_checked() {
        assert_eq!(
            provider::request_body("all-minilm", &[PROBE, "wifi \"drops\""]),
            format!(r#"{{"input":["{PROBE}","wifi \"drops\""],"model":"all-minilm"}}"#)
        );
        let body = r#"{"object":"list","model":"all-minilm","data":[
            {"object":"embedding","index":1,"embedding":[0.0,2.0]},
            {"object":"embedding","index":0,"embedding":[3.0,4.0]}],"usage":{"prompt_tokens":9,"total_tokens":9}}"#;
        assert_eq!(provider::read_answer(200, body, 2, 2).unwrap(), [vec![0.6, 0.8], vec![0.0, 1.0]]);
        let wrong_size = provider::read_answer(200, body, 2, 384).unwrap_err();
        assert!(wrong_size.contains("2 dimensions") && wrong_size.contains("another model"), "{wrong_size}");
        let missing = provider::read_answer(200, body, 3, 2).unwrap_err();
        assert!(missing.contains("skipped input 2"), "{missing}");
        assert!(provider::read_answer(200, body, 1, 2).unwrap_err().contains("input 1 of 1"));
        let refused = provider::read_answer(401, r#"{"error":{"message":"Invalid API key","type":"auth"}}"#, 1, 2);
        assert_eq!(refused.unwrap_err(), "the embeddings provider answered 401: Invalid API key");
        assert!(provider::read_answer(502, "<html>Bad gateway</html>", 1, 2).unwrap_err().contains("Bad gateway"));
        assert!(provider::read_answer(200, "{}", 1, 2).unwrap_err().contains("not an embeddings list"));
    }
}
