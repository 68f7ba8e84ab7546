//! The provider's answer, read as it streams: OpenAI's chat-completions chunks as server-sent events
//! (`data: {"choices":[{"delta":{"content":"…"}}]}` lines, then `data: [DONE]`), which Workers AI, OpenAI
//! and llama.cpp's server all send for `stream: true`. Bytes arrive cut anywhere, even inside a character.

use serde_json::Value;

/// A line longer than this is not a chunk of a few tokens: the provider is not speaking the protocol.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// What the provider said in one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// The next piece of the answer.
    Text(String),
    /// `data: [DONE]`: the answer is complete.
    Finished,
    /// An error in the stream, or a stream that is not one.
    Failed(String),
}

/// Reads the provider's event stream as its bytes arrive.
#[derive(Debug, Default)]
pub struct EventReader {
    pending: Vec<u8>,
}

impl EventReader {
    /// The events completed by `bytes`.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Said> {
        self.pending.extend_from_slice(bytes);
        let mut said = Vec::new();
        while let Some(newline) = self.pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=newline).collect();
            said.extend(read_line(&line));
        }
        if self.pending.len() > MAX_LINE_BYTES {
            self.pending.clear();
            said.push(Said::Failed(format!("the provider sent a line of more than {MAX_LINE_BYTES} bytes")));
        }
        said
    }

    /// The last event, if the stream ended without a newline after it.
    pub fn finish(&mut self) -> Vec<Said> {
        let line = std::mem::take(&mut self.pending);
        read_line(&line).into_iter().collect()
    }
}

fn read_line(line: &[u8]) -> Option<Said> {
    let line = String::from_utf8_lossy(line);
    let data = line.trim_end_matches(['\r', '\n']).strip_prefix("data:")?.trim();
    if data == "[DONE]" {
        return Some(Said::Finished);
    }
    let chunk: Value = match serde_json::from_str(data) {
        Ok(chunk) => chunk,
        Err(_) => return Some(Said::Failed("the provider sent an event that is not JSON".into())),
    };
    if let Some(error) = chunk.get("error") {
        return Some(Said::Failed(format!("the provider reported an error: {}", error_message(error))));
    }
    let text = chunk["choices"][0]["delta"]["content"].as_str().unwrap_or_default();
    (!text.is_empty()).then(|| Said::Text(text.to_owned()))
}

fn error_message(error: &Value) -> String {
    let message = error.get("message").and_then(Value::as_str).map_or_else(|| error.to_string(), str::to_owned);
    message.chars().take(300).collect()
}

/// The answer of a provider that ignored `stream: true` and answered at once (`application/json`).
pub fn whole_answer(body: &str) -> Result<String, String> {
    let answer: Value = serde_json::from_str(body).map_err(|_| "the provider's answer is not JSON".to_owned())?;
    answer["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the provider's answer has no choices[0].message.content".to_owned())
}

/// Why a provider's non-2xx answer gave none, for the operator's log.
pub fn refusal(status: u16, body: &str) -> String {
    let detail = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|answer| answer.get("error").map(error_message))
        .unwrap_or_else(|| body.chars().take(200).collect());
    format!("the provider answered {status}: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Open \"}}]}\n\n\
        : keep-alive\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Настройки.\"}}]}\r\n\r\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
        data: [DONE]\n\n";

    #[test]
    fn a_stream_cut_anywhere_reads_the_same() {
        let bytes = STREAM.as_bytes();
        let expected = vec![Said::Text("Open ".into()), Said::Text("Настройки.".into()), Said::Finished];
        for size in [1, 2, 3, 7, 64, bytes.len()] {
            let mut reader = EventReader::default();
            let mut said: Vec<Said> = bytes.chunks(size).flat_map(|chunk| reader.push(chunk)).collect();
            said.extend(reader.finish());
            assert_eq!(said, expected, "chunks of {size}");
        }
    }

    #[test]
    fn errors_and_garbage_are_named() {
        let mut reader = EventReader::default();
        let said = reader.push(b"data: {\"error\":{\"message\":\"model overloaded\"}}\ndata: <html>\n");
        assert_eq!(
            said,
            [
                Said::Failed("the provider reported an error: model overloaded".into()),
                Said::Failed("the provider sent an event that is not JSON".into())
            ]
        );
        assert!(matches!(reader.push(&vec![b'x'; MAX_LINE_BYTES + 1])[..], [Said::Failed(_)]));
    }

    #[test]
    fn a_whole_answer_and_a_refusal_are_read() {
        let body = r#"{"choices":[{"message":{"role":"assistant","content":"Open Settings."}}]}"#;
        assert_eq!(whole_answer(body).unwrap(), "Open Settings.");
        assert!(whole_answer("{}").is_err());
        assert_eq!(refusal(401, r#"{"error":{"message":"bad key"}}"#), "the provider answered 401: bad key");
    }
}
