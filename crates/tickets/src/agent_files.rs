//! The files an agent attaches to a public reply. No helpdesk's automation can put a file in the report
//! it sends the worker, so once an agent's reply is in, the worker reads the helpdesk's comment list
//! (the same pages as [`Backend::reply_lookup`]), finds the reply by its text, and downloads its files into
//! its own storage: the customer opens them through the worker's signed links, never the helpdesk's.

use crate::conversation::ListAnswer;
use crate::helpdesk::{Backend, Method, Outcome, OutgoingRequest, backoff, basic, classify};

/// Files taken from one agent's reply at most; more are left at the helpdesk.
pub const MAX_AGENT_FILES: usize = 10;

/// A file on an agent's comment, where the helpdesk serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: String,
    pub url: String,
}

/// What one page of the comment list says about the reply's files.
#[derive(Debug, Clone, PartialEq)]
pub struct FilesPage {
    /// The files of the last public comment on this page whose text is the reply's, if one is.
    pub files: Option<Vec<RemoteFile>>,
    /// Where the next page starts, if the list goes on (and the lookup may read it).
    pub next: Option<u32>,
}

/// Text compared as words: helpdesks rewrap and re-space what their automation reports.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Backend {
    /// What page `page` of the comment list says about the public comment whose text is `reply`: its
    /// files, and where the next page is. A failed page is the outcome to retry by.
    pub fn agent_files(&self, answer: &ListAnswer<'_>, reply: &str, page: u32) -> Result<FilesPage, Outcome> {
        if !(200..=299).contains(&answer.status) {
            return Err(classify(answer.status, answer.retry_after, answer.body, 1));
        }
        let list: Option<serde_json::Value> = serde_json::from_str(answer.body).ok();
        let Some((pointer, text_fields)) = self.comment_list_shape() else {
            return Ok(FilesPage { files: None, next: None });
        };
        let Some(comments) = list.as_ref().and_then(|list| list.pointer(pointer)).and_then(|list| list.as_array())
        else {
            return Err(Outcome::Retry { after_seconds: backoff(1), reason: "the comment list is not a list".into() });
        };
        let reply = words(reply);
        let text = |comment: &serde_json::Value| {
            text_fields.iter().find_map(|field| comment.get(*field).and_then(|text| text.as_str())).map(words)
        };
        let public = |comment: &serde_json::Value| match self {
            Backend::Freshdesk { .. } => comment.get("private").and_then(|flag| flag.as_bool()) == Some(false),
            _ => comment.get("public").and_then(|flag| flag.as_bool()) != Some(false),
        };
        let files = comments
            .iter()
            .rev()
            .find(|comment| public(comment) && text(comment).is_some_and(|text| !reply.is_empty() && text == reply))
            .map(|comment| self.files_of(comment));
        let next = self.next_comment_page(list.as_ref(), answer.link, comments.len(), page);
        Ok(FilesPage { files, next })
    }

    /// A comment's files, each as its vendor lists them.
    fn files_of(&self, comment: &serde_json::Value) -> Vec<RemoteFile> {
        let (list, name_field, url_pointer) = match self {
            Backend::Zendesk { .. } => (comment.get("attachments"), "file_name", "/content_url"),
            Backend::Freshdesk { .. } => (comment.get("attachments"), "name", "/attachment_url"),
            Backend::JiraServiceManagement { .. } => {
                (comment.pointer("/attachments/values"), "filename", "/_links/content")
            }
            Backend::Webhook { .. } => (None, "", ""),
        };
        let file = |file: &serde_json::Value| {
            Some(RemoteFile {
                name: file.get(name_field)?.as_str()?.to_owned(),
                url: file.pointer(url_pointer)?.as_str()?.to_owned(),
            })
        };
        list.and_then(|list| list.as_array())
            .map(|files| files.iter().filter_map(file).take(MAX_AGENT_FILES).collect())
            .unwrap_or_default()
    }

    /// The request that downloads `file`: with the account's credentials when it is on the helpdesk's own
    /// origin (Zendesk's and JSM's attachment links), without any elsewhere (Freshdesk's links to its
    /// storage are signed for the download). `None` for anything but an http(s) URL.
    pub fn file_request(&self, file: &RemoteFile) -> Option<OutgoingRequest> {
        let origin = |url: &str| {
            let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
            let host = rest.split(['/', '?', '#']).next()?;
            Some(format!("{}{host}", &url[..url.len() - rest.len()]))
        };
        let file_origin = origin(&file.url)?;
        let (base_url, authorization) = match self {
            Backend::Zendesk { base_url, email, token } => (base_url, basic(&format!("{email}/token"), token)),
            Backend::Freshdesk { base_url, api_key } => (base_url, basic(api_key, "X")),
            Backend::JiraServiceManagement { base_url, email, token, .. } => (base_url, basic(email, token)),
            Backend::Webhook { .. } => return None,
        };
        let own = origin(base_url).is_some_and(|helpdesk| helpdesk.eq_ignore_ascii_case(&file_origin));
        let headers = if own { vec![("Authorization".to_owned(), authorization)] } else { Vec::new() };
        Some(OutgoingRequest { method: Method::Get, url: file.url.clone(), headers, body: String::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backends() -> [Backend; 3] {
        [
            Backend::Zendesk {
                base_url: "https://acme.zendesk.test".into(),
                email: "bot@acme.test".into(),
                token: "t".into(),
            },
            Backend::Freshdesk { base_url: "https://acme.freshdesk.test".into(), api_key: "k".into() },
            Backend::JiraServiceManagement {
                base_url: "https://acme.atlassian.test".into(),
                email: "bot@acme.test".into(),
                token: "t".into(),
                service_desk_id: "1".into(),
                request_type_id: "10".into(),
            },
        ]
    }

    fn listed(body: &str) -> ListAnswer<'_> {
        ListAnswer { status: 200, retry_after: None, link: None, body }
    }

    #[test]
    fn the_reply_is_found_by_its_words_and_its_files_read_as_each_vendor_lists_them() {
        let [zendesk, freshdesk, jira] = backends();
        let zendesk_list = r#"{"comments":[
            {"public":true,"plain_body":"Try the export again.","attachments":[{"file_name":"old.png","content_url":"https://acme.zendesk.test/a/1"}]},
            {"public":false,"plain_body":"Try  the export\nagain.","attachments":[{"file_name":"internal.png","content_url":"https://acme.zendesk.test/a/2"}]},
            {"public":true,"plain_body":"Try the export again.","attachments":[{"file_name":"steps.png","content_url":"https://acme.zendesk.test/a/3"}]}
        ],"next_page":null}"#;
        let page = zendesk.agent_files(&listed(zendesk_list), "Try the export\n again.", 1).unwrap();
        let files = page.files.unwrap();
        assert_eq!(files, vec![RemoteFile { name: "steps.png".into(), url: "https://acme.zendesk.test/a/3".into() }]);
        assert_eq!(page.next, None);

        let freshdesk_list = r#"[{"private":true,"body_text":"Done","attachments":[{"name":"x.pdf","attachment_url":"https://s3.test/x"}]},
            {"private":false,"body_text":"Done","attachments":[{"name":"invoice.pdf","attachment_url":"https://s3.test/inv?sig=1"}]}]"#;
        let linked =
            ListAnswer { link: Some(r#"<https://acme.freshdesk.test/next>; rel="next""#), ..listed(freshdesk_list) };
        let page = freshdesk.agent_files(&linked, "Done", 1).unwrap();
        assert_eq!(page.files.unwrap()[0].name, "invoice.pdf");
        assert_eq!(page.next, Some(2));

        let jira_list = r#"{"values":[{"public":true,"body":"See the log","attachments":{"values":[
            {"filename":"log.txt","_links":{"content":"https://acme.atlassian.test/rest/servicedeskapi/request/SD-1/attachment/9"}}]}}],
            "isLastPage":false}"#;
        let page = jira.agent_files(&listed(jira_list), "See the log", 0).unwrap();
        assert_eq!(
            page.files.unwrap()[0].url,
            "https://acme.atlassian.test/rest/servicedeskapi/request/SD-1/attachment/9"
        );
        assert_eq!(page.next, Some(1));

        // No comment with those words here: no files from this page.
        assert_eq!(zendesk.agent_files(&listed(zendesk_list), "Something else", 1).unwrap().files, None);
        assert!(matches!(
            zendesk.agent_files(&ListAnswer { status: 503, ..listed("") }, "x", 1),
            Err(Outcome::Retry { .. })
        ));
    }

    #[test]
    fn credentials_go_only_to_the_helpdesk_itself() {
        let [zendesk, freshdesk, _] = backends();
        let own = RemoteFile { name: "a.png".into(), url: "https://acme.zendesk.test/attachments/token/x".into() };
        assert!(zendesk.file_request(&own).unwrap().headers.iter().any(|(name, _)| name == "Authorization"));
        let elsewhere = RemoteFile { name: "a.png".into(), url: "https://acme.zendesk.test.evil.test/x".into() };
        assert!(zendesk.file_request(&elsewhere).unwrap().headers.is_empty());
        let storage = RemoteFile { name: "a.pdf".into(), url: "https://s3.test/inv?sig=1".into() };
        assert!(freshdesk.file_request(&storage).unwrap().headers.is_empty());
        for url in ["javascript:alert(1)", "file:///etc/passwd", "//acme.zendesk.test/x", ""] {
            assert!(zendesk.file_request(&RemoteFile { name: "a".into(), url: url.into() }).is_none(), "{url}");
        }
    }
}
