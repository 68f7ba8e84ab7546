//! Sentence embeddings, the way sentence-transformers computes them for all-MiniLM-L6-v2: WordPiece tokens
//! (at most 256, the model's own limit), a BERT forward pass, the mean of the token vectors, scaled to
//! length 1. Native only: the CLI embeds each section at build time; a query is embedded by the same model
//! wherever it runs, or the scores mean nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use edgedesk_search::SearchIndex;
use edgedesk_search::semantic::{self, SectionVectors};
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

/// The model's name as recorded beside the vectors, so that vectors from another model are never compared.
pub const MODEL: &str = "all-MiniLM-L6-v2";
pub const DIMENSIONS: usize = 384;
/// sentence-transformers' `max_seq_length` for this model: longer text is cut there.
const MAX_TOKENS: usize = 256;
/// Texts embedded per forward pass: enough to keep the matrix code busy, small enough for padding to
/// waste little.
const BATCH: usize = 8;

/// Whether this model reads a locale's language: all-MiniLM-L6-v2 was trained on English only, and its
/// vectors for Russian or Ukrainian text rank worse than words do.
pub fn reads(locale: &str) -> bool {
    locale == "en" || locale.starts_with("en-")
}

/// Where `scripts/setup.sh` puts the model, unless `EDGEDESK_MODEL_DIR` says otherwise.
pub fn model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EDGEDESK_MODEL_DIR") {
        return dir.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/models/all-minilm-l6-v2")
}

/// Where vectors are kept between builds: `EDGEDESK_CACHE_DIR`, or the user's cache folder
/// (`$XDG_CACHE_HOME`, else `~/.cache`), under `edgedesk/`.
pub fn cache_file() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    let dir = env("EDGEDESK_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|dir| dir.join("edgedesk")))
        .or_else(|| env("HOME").map(|home| home.join(".cache/edgedesk")))?;
    Some(dir.join(format!("{MODEL}.vectors")))
}

pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    cache: Option<Mutex<Cache>>,
}

/// Vectors already made, by the SHA-256 of the text: a knowledge base changes a few sections at a time,
/// and embedding one costs about a tenth of a second on two cores. Kept in a file of records, each the
/// 32-byte digest and the vector as little-endian floats, appended to as texts are embedded.
struct Cache {
    file: PathBuf,
    known: HashMap<[u8; 32], Vec<f32>>,
}

const RECORD_BYTES: usize = 32 + DIMENSIONS * 4;

impl Cache {
    fn open(file: &Path) -> Result<Self> {
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error).with_context(|| format!("reading {}", file.display())),
        };
        // A record cut short (a build stopped while writing) is cut off the file too, so that the records
        // appended next start where a record should.
        let whole = bytes.len() - bytes.len() % RECORD_BYTES;
        if whole < bytes.len() {
            let file = std::fs::OpenOptions::new().write(true).open(file)?;
            file.set_len(whole as u64).context("cutting a half-written record off the embedding cache")?;
        }
        let known = bytes[..whole]
            .chunks_exact(RECORD_BYTES)
            .map(|record| {
                let (digest, vector) = record.split_at(32);
                let vector = vector.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                (digest.try_into().expect("32 bytes"), vector)
            })
            .collect();
        Ok(Self { file: file.to_owned(), known })
    }

    fn digest(text: &str) -> [u8; 32] {
        Sha256::new().chain_update(MODEL).chain_update([0]).chain_update(text).finalize().into()
    }

    fn keep(&mut self, made: Vec<([u8; 32], Vec<f32>)>) -> Result<()> {
        let mut bytes = Vec::with_capacity(made.len() * RECORD_BYTES);
        for (digest, vector) in &made {
            bytes.extend_from_slice(digest);
            bytes.extend(vector.iter().flat_map(|value| value.to_le_bytes()));
        }
        if let Some(folder) = self.file.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.file)?;
        file.write_all(&bytes).with_context(|| format!("writing {}", self.file.display()))?;
        self.known.extend(made);
        Ok(())
    }
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Embedder(all-MiniLM-L6-v2)")
    }
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let read = |name: &str| dir.join(name);
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(read("config.json"))
                .with_context(|| format!("no model in {} (scripts/setup.sh fetches it)", dir.display()))?,
        )?;
        let mut tokenizer = Tokenizer::from_file(read("tokenizer.json")).map_err(|error| anyhow!("{error}"))?;
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|error| anyhow!("{error}"))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let weights = std::fs::read(read("model.safetensors"))?;
        let variables = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)?;
        let model = BertModel::load(variables, &config)?;
        Ok(Self { model, tokenizer, cache: None })
    }

    /// Keeps every vector made in `file`, and reuses those already there.
    pub fn with_cache(mut self, file: &Path) -> Result<Self> {
        self.cache = Some(Mutex::new(Cache::open(file)?));
        Ok(self)
    }

    /// The vectors of every section of `index` (built from the articles, so it still holds their texts).
    pub fn embed_index(&self, index: &SearchIndex) -> Result<SectionVectors> {
        let sections = index.section_texts();
        let texts: Vec<&str> = sections.iter().map(|(_, text)| text.as_str()).collect();
        let vectors = self.embed(&texts)?;
        let probe = self.embed(&[semantic::PROBE])?.remove(0);
        let sections = sections.into_iter().map(|(section, _)| section).zip(vectors).collect();
        SectionVectors::quantise(MODEL, DIMENSIONS, probe, sections).map_err(|error| anyhow!(error))
    }

    /// Gives every index of a locale the model reads its sections' vectors.
    pub fn embed_indexes(&self, indexes: &mut BTreeMap<String, SearchIndex>) -> Result<()> {
        for (_, index) in indexes.iter_mut().filter(|(locale, _)| reads(locale)) {
            index.set_vectors(self.embed_index(index)?).map_err(|error| anyhow!(error))?;
        }
        Ok(())
    }

    /// Loads the model from [`model_dir`].
    pub fn load_default() -> Result<Self> {
        Self::load(&model_dir())
    }

    /// One unit-length vector of [`DIMENSIONS`] per text.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let Some(cache) = &self.cache else {
            return self.embed_all(texts);
        };
        let digests: Vec<[u8; 32]> = texts.iter().map(|text| Cache::digest(text)).collect();
        // A panic elsewhere while the lock was held leaves whole records behind: the cache is still good.
        let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let missing: Vec<usize> = {
            let mut seen = std::collections::HashSet::new();
            (0..texts.len()).filter(|&at| !cache.known.contains_key(&digests[at]) && seen.insert(digests[at])).collect()
        };
        let made = self.embed_all(&missing.iter().map(|&at| texts[at]).collect::<Vec<_>>())?;
        cache.keep(missing.iter().map(|&at| digests[at]).zip(made).collect())?;
        Ok(digests.iter().map(|digest| cache.known[digest].clone()).collect())
    }

    fn embed_all(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        // Texts of like length together, as sentence-transformers batches them: padding a short text to
        // a long one's length costs as much as the long one.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&at| texts[at].len());
        let mut vectors = vec![Vec::new(); texts.len()];
        for batch in order.chunks(BATCH) {
            let batch_texts: Vec<&str> = batch.iter().map(|&at| texts[at]).collect();
            for (&at, vector) in batch.iter().zip(self.embed_batch(&batch_texts)?) {
                vectors[at] = vector;
            }
        }
        Ok(vectors)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(|error| anyhow!("{error}"))?;
        let rows = |pick: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Result<Tensor> {
            let rows: Vec<Tensor> =
                encodings.iter().map(|encoding| Tensor::new(pick(encoding), &Device::Cpu)).collect::<Result<_, _>>()?;
            Ok(Tensor::stack(&rows, 0)?)
        };
        let ids = rows(&|encoding| encoding.get_ids())?;
        let types = rows(&|encoding| encoding.get_type_ids())?;
        let mask = rows(&|encoding| encoding.get_attention_mask())?;
        let tokens = self.model.forward(&ids, &types, Some(&mask))?;
        // Mean over the real tokens only: padding is masked out of the sum and the count.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = tokens.broadcast_mul(&mask)?.sum(1)?;
        let mean = summed.broadcast_div(&mask.sum(1)?)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        Ok(mean.broadcast_div(&norms)?.to_vec2()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// The figures sentence-transformers 5 gives for the same texts with the same weights
    /// (`SentenceTransformer(dir).encode(texts, normalize_embeddings=True)`).
    #[test]
    fn reproduces_the_reference_implementation() {
        let embedder = Embedder::load_default().unwrap();
        let texts = [
            "My sketch does not start when powering the board with an external power supply",
            "my program stops when I swap the USB cable for a wall adapter",
            "How to reset your account password",
        ];
        let vectors = embedder.embed(&texts).unwrap();
        assert!(vectors.iter().all(|vector| vector.len() == DIMENSIONS));
        for vector in &vectors {
            assert!((cosine(vector, vector) - 1.0).abs() < 1e-4);
        }
        let close = |got: f32, want: f32| assert!((got - want).abs() < 1e-4, "{got} against {want}");
        close(cosine(&vectors[0], &vectors[1]), 0.304_414_75);
        close(cosine(&vectors[0], &vectors[2]), 0.040_735_79);
        for (got, want) in vectors[0].iter().zip([0.026_363_47, -0.073_485_81, -0.008_298_47, -0.022_851_75]) {
            close(*got, want);
        }
    }

    #[test]
    fn the_cache_gives_back_what_it_kept_and_survives_a_half_written_record() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vectors");
        let embedder = Embedder::load_default().unwrap().with_cache(&file).unwrap();
        let fresh = embedder.embed(&["reset the board", "update the firmware"]).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 2 * RECORD_BYTES as u64);
        // A build stopped while writing leaves part of a record behind.
        std::fs::OpenOptions::new().append(true).open(&file).unwrap().write_all(&[7; 100]).unwrap();
        let embedder = Embedder::load_default().unwrap().with_cache(&file).unwrap();
        assert_eq!(
            embedder.embed(&["update the firmware", "reset the board"]).unwrap(),
            [fresh[1].clone(), fresh[0].clone()]
        );
        embedder.embed(&["a third text"]).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 3 * RECORD_BYTES as u64);
    }
}
