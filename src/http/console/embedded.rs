//! A file embedded in the binary, answered with its content type, a weak
//! `ETag` (a hash of its bytes) and `Cache-Control: no-cache`, so a browser
//! revalidates it and gets a 304 while the binary is the same.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// One embedded file: its name under its prefix and its bytes.
pub struct EmbeddedFile {
    pub name: &'static str,
    pub bytes: &'static [u8],
    etag: OnceLock<String>,
}

impl EmbeddedFile {
    pub const fn new(name: &'static str, bytes: &'static [u8]) -> Self {
        Self {
            name,
            bytes,
            etag: OnceLock::new(),
        }
    }

    /// Weak: the compression middleware may re-encode the body.
    fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(self.bytes);
            format!("W/\"{}\"", hex::encode(&digest[..12]))
        })
    }

    /// The content type its extension names.
    pub fn content_type(&self) -> &'static str {
        match self.name.rsplit_once('.').map(|(_, extension)| extension) {
            Some("html") => "text/html; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("json") => "application/json",
            Some("yaml") => "application/yaml",
            _ => "text/plain; charset=utf-8",
        }
    }

    /// The answer to `request`: 304 when its `If-None-Match` names this
    /// file's tag, else the file; `policy` is the page's
    /// `Content-Security-Policy` (documents only).
    pub fn respond(&self, request: &HttpRequest, policy: Option<&'static str>) -> HttpResponse {
        let etag = self.etag();
        let not_modified = matches_etag(request, etag);
        let mut response = if not_modified {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((header::ETAG, etag.to_string()))
            .insert_header((header::CACHE_CONTROL, "no-cache"));
        if let Some(policy) = policy {
            response.insert_header((
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(policy),
            ));
        }
        if not_modified {
            return response.finish();
        }
        response.content_type(self.content_type()).body(self.bytes)
    }
}

/// The file named `name` in `files`, if any.
pub fn find<'a>(files: &'a [EmbeddedFile], name: &str) -> Option<&'a EmbeddedFile> {
    files.iter().find(|file| file.name == name)
}

/// True when `If-None-Match` lists `etag` (weakly compared) or is `*`.
fn matches_etag(request: &HttpRequest, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == "*" || bare(tag) == bare(etag))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    static FILE: EmbeddedFile = EmbeddedFile::new("app.js", b"export {};");

    #[test]
    fn types_follow_the_extension() {
        assert_eq!(FILE.content_type(), "text/javascript; charset=utf-8");
        assert_eq!(
            EmbeddedFile::new("LICENSE", b"").content_type(),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn a_known_tag_is_not_modified_and_another_is_the_file() {
        let tag = FILE.etag().to_string();
        let strong = tag.trim_start_matches("W/").to_string();
        for (sent, status) in [
            (tag.as_str(), 304),
            (strong.as_str(), 304),
            ("\"other\", W/\"x\"", 200),
            ("*", 304),
        ] {
            let request = TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, sent))
                .to_http_request();
            let response = FILE.respond(&request, None);
            assert_eq!(response.status().as_u16(), status, "{sent}");
            assert_eq!(response.headers().get(header::ETAG).unwrap(), &tag);
        }
    }
}
