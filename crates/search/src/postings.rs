//! Posting lists kept as one byte buffer: a worker loads a 10,000-article index as a single allocation
//! and decodes only the lists of the words a query contains.
//!
//! Per term: the number of postings (a varint, so document frequency is one read), then per posting the
//! article number as a delta from the previous one (varint), the BM25F weight quantised to 1/64 (two
//! bytes, little endian), and the parts the term occurs in as a bit mask (varint; bit 63 stands for part
//! 63 and every later one).

use serde::{Deserialize, Serialize};

const WEIGHT_SCALE: f32 = 64.0;
/// Parts from this one on share the last bit of the mask.
pub const LAST_PART_BIT: u32 = 63;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posting {
    pub article: u32,
    pub weight: f32,
    /// Bit `n` set: the term occurs in part `n` (bit 63: in part 63 or later).
    pub parts: u64,
}

impl Posting {
    pub fn part_mask(parts: impl IntoIterator<Item = u32>) -> u64 {
        parts.into_iter().fold(0, |mask, part| mask | 1 << part.min(LAST_PART_BIT))
    }

    /// The parts in which the term occurs, in order.
    pub fn parts(&self) -> impl Iterator<Item = u32> + '_ {
        (0..=LAST_PART_BIT).filter(|part| self.parts & (1 << part) != 0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostingLists {
    /// Where each term's list starts in `bytes`.
    offsets: Vec<u32>,
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
}

impl PostingLists {
    /// Appends the next term's postings, which must come in article order.
    pub fn push(&mut self, postings: &[Posting]) {
        self.offsets.push(self.bytes.len() as u32);
        write_varint(&mut self.bytes, postings.len() as u64);
        let mut previous = 0;
        for posting in postings {
            write_varint(&mut self.bytes, u64::from(posting.article - previous));
            previous = posting.article;
            let weight = (posting.weight * WEIGHT_SCALE).round().clamp(1.0, f32::from(u16::MAX)) as u16;
            self.bytes.extend_from_slice(&weight.to_le_bytes());
            write_varint(&mut self.bytes, posting.parts);
        }
    }

    /// How many articles contain the term.
    pub fn document_frequency(&self, term: usize) -> usize {
        let mut at = self.offsets[term] as usize;
        read_varint(&self.bytes, &mut at) as usize
    }

    pub fn iter(&self, term: usize) -> impl Iterator<Item = Posting> + '_ {
        let mut at = self.offsets[term] as usize;
        let count = read_varint(&self.bytes, &mut at);
        let mut article = 0u32;
        (0..count).map(move |_| {
            article += read_varint(&self.bytes, &mut at) as u32;
            let weight = f32::from(u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]])) / WEIGHT_SCALE;
            at += 2;
            let parts = read_varint(&self.bytes, &mut at);
            Posting { article, weight, parts }
        })
    }
}

fn write_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push((value as u8) | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

/// Reads a varint written by [`write_varint`]. The buffer is the index's own, written by the build, so a
/// truncated varint reads as what it has.
fn read_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    while let Some(&byte) = bytes.get(*at) {
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 || shift >= 63 {
            break;
        }
        shift += 7;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_with_quantised_weights() {
        let mut lists = PostingLists::default();
        let first = [
            Posting { article: 3, weight: 1.5, parts: Posting::part_mask([0, 2]) },
            Posting { article: 400, weight: 17.25, parts: Posting::part_mask([70]) },
        ];
        lists.push(&first);
        lists.push(&[Posting { article: 0, weight: 0.001, parts: 0 }]);
        assert_eq!(lists.document_frequency(0), 2);
        assert_eq!(lists.iter(0).collect::<Vec<_>>(), first);
        assert_eq!(lists.iter(0).nth(1).unwrap().parts().collect::<Vec<_>>(), [LAST_PART_BIT]);
        // Tiny weights keep the smallest step rather than vanishing.
        assert_eq!(lists.iter(1).next().unwrap().weight, 1.0 / WEIGHT_SCALE);
    }

    #[test]
    fn varints_cover_the_whole_range() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut bytes = Vec::new();
            write_varint(&mut bytes, value);
            assert_eq!(read_varint(&bytes, &mut 0), value);
        }
    }
}
