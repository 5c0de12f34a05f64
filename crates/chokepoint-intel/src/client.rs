//! A TAXII 2.1 client: push a bundle's objects to a collection, pull a collection's objects.
//! Speaks to any TAXII 2.1 server (chokepoint's own, medallion, OpenCTI, MISP's TAXII).

use crate::stix::{self, Bundle, StixObject};
use crate::taxii::TAXII_MEDIA_TYPE;
use crate::IntelError;
use chokepoint_core::Progress;
use serde_json::{json, Value};
use std::time::Duration;

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>` (chokepoint API keys).
    Bearer(String),
    /// HTTP Basic (medallion and most other servers).
    Basic {
        user: String,
        password: String,
    },
}

/// A client bound to one API root.
#[derive(Debug, Clone)]
pub struct TaxiiClient {
    http: reqwest::Client,
    api_root: String,
    auth: Auth,
}

/// What a push did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PushSummary {
    pub envelopes: usize,
    pub total: u64,
    pub success: u64,
    pub failure: u64,
    pub pending: u64,
    /// Up to 20 failure messages from the server.
    pub failures: Vec<String>,
}

fn remote(url: &str, m: impl Into<String>) -> IntelError {
    IntelError::Remote {
        url: url.into(),
        message: m.into(),
    }
}

/// This client is built without a TLS stack (reqwest without rustls keeps the workspace's
/// build lean), so an `https://` URL is refused up front with what to do, instead of failing
/// later with a connection error.
fn plain_http_only(url: &str) -> Result<(), IntelError> {
    if url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    {
        return Err(remote(
            url,
            "this build's TAXII client speaks plain HTTP only: reach an https:// server through a local TLS-terminating proxy (e.g. `stunnel` or `socat`) and give its http:// address",
        ));
    }
    Ok(())
}

impl TaxiiClient {
    /// A client for the API root at `url` (e.g. `http://127.0.0.1:9000/api/`). A discovery URL
    /// (`.../taxii2/`) also works: the server's default API root is used.
    pub async fn connect(url: &str, auth: Auth) -> Result<TaxiiClient, IntelError> {
        plain_http_only(url)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| remote(url, e.to_string()))?;
        let mut c = TaxiiClient {
            http,
            api_root: with_slash(url),
            auth,
        };
        let info = c.get_json(&c.api_root.clone(), &[]).await?.0;
        if let Some(roots) = info.get("api_roots") {
            let root = info
                .get("default")
                .and_then(Value::as_str)
                .or_else(|| roots.get(0).and_then(Value::as_str))
                .ok_or_else(|| remote(url, "discovery lists no API root"))?;
            c.api_root = with_slash(&resolve(url, root));
            plain_http_only(&c.api_root)?;
        } else if info.get("versions").is_none() {
            return Err(remote(
                url,
                "neither a TAXII API root nor a discovery resource",
            ));
        }
        Ok(c)
    }

    /// The API root in use.
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    fn req(&self, m: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(m, url).header("Accept", TAXII_MEDIA_TYPE);
        match &self.auth {
            Auth::None => r,
            Auth::Bearer(t) => r.bearer_auth(t),
            Auth::Basic { user, password } => r.basic_auth(user, Some(password)),
        }
    }

    async fn get_json(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<(Value, reqwest::header::HeaderMap), IntelError> {
        let resp = self
            .req(reqwest::Method::GET, url)
            .query(query)
            .send()
            .await
            .map_err(|e| remote(url, e.to_string()))?;
        read_json(url, resp).await
    }

    /// The collection's URL.
    pub fn collection_url(&self, collection: &str) -> String {
        format!("{}collections/{}/", self.api_root, collection)
    }

    /// Posts `objects` in envelopes of `envelope_size`, waiting for each status to complete.
    pub async fn push(
        &self,
        collection: &str,
        objects: &[Value],
        envelope_size: usize,
        progress: &dyn Progress,
    ) -> Result<PushSummary, IntelError> {
        let url = format!("{}objects/", self.collection_url(collection));
        let mut sum = PushSummary::default();
        progress.start("push", Some(objects.len() as u64), "objects");
        for chunk in objects.chunks(envelope_size.max(1)) {
            let body = json!({"objects": chunk}).to_string();
            let resp = self
                .req(reqwest::Method::POST, &url)
                .header("Content-Type", TAXII_MEDIA_TYPE)
                .body(body)
                .send()
                .await
                .map_err(|e| remote(&url, e.to_string()))?;
            let (mut status, _) = read_json(&url, resp).await?;
            let mut waited = 0;
            while status.get("status").and_then(Value::as_str) == Some("pending") && waited < 60 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                waited += 1;
                let id = status
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                status = self
                    .get_json(&format!("{}status/{id}/", self.api_root), &[])
                    .await?
                    .0;
            }
            let n = |k: &str| status.get(k).and_then(Value::as_u64).unwrap_or(0);
            sum.envelopes += 1;
            sum.total += n("total_count");
            sum.success += n("success_count");
            sum.failure += n("failure_count");
            sum.pending += n("pending_count");
            for f in status
                .get("failures")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if sum.failures.len() < 20 {
                    sum.failures.push(format!(
                        "{}: {}",
                        f.get("id").and_then(Value::as_str).unwrap_or("?"),
                        f.get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("rejected")
                    ));
                }
            }
            progress.advance(chunk.len() as u64);
        }
        progress.finish();
        Ok(sum)
    }

    /// Every object of a collection (optionally only those added after `added_after`), page by
    /// page. Returns the objects and the last page's `X-TAXII-Date-Added-Last`, to pass as
    /// `added_after` next time.
    pub async fn pull(
        &self,
        collection: &str,
        added_after: Option<&str>,
        page_size: usize,
        progress: &dyn Progress,
    ) -> Result<(Vec<Value>, Option<String>), IntelError> {
        let url = format!("{}objects/", self.collection_url(collection));
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut last_added = None;
        progress.start("pull", None, "objects");
        loop {
            let mut q: Vec<(&str, String)> = vec![("limit", page_size.to_string())];
            if let Some(a) = added_after {
                q.push(("added_after", a.to_string()));
            }
            if let Some(n) = &next {
                q.push(("next", n.clone()));
            }
            let (env, headers) = self.get_json(&url, &q).await?;
            if let Some(v) = headers
                .get("x-taxii-date-added-last")
                .and_then(|v| v.to_str().ok())
            {
                last_added = Some(v.to_string());
            }
            let objs = env
                .get("objects")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            progress.advance(objs.len() as u64);
            let got = objs.len();
            out.extend(objs);
            let more = env.get("more").and_then(Value::as_bool).unwrap_or(false);
            next = env.get("next").and_then(Value::as_str).map(str::to_string);
            if !more || got == 0 || next.is_none() {
                break;
            }
        }
        progress.finish();
        Ok((out, last_added))
    }
}

/// Wraps pulled objects into a bundle, validating each (invalid ones are reported, not kept).
pub fn bundle_of(objects: Vec<Value>) -> (Bundle, Vec<String>) {
    let mut kept = Vec::new();
    let mut rejected = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        match stix::validate_object(o, &format!("objects[{i}]")) {
            Ok(_) => kept.push(StixObject::Other(
                o.as_object().cloned().unwrap_or_default(),
            )),
            Err(e) => rejected.push(e.to_string()),
        }
    }
    (Bundle::new(kept), rejected)
}

async fn read_json(
    url: &str,
    resp: reqwest::Response,
) -> Result<(Value, reqwest::header::HeaderMap), IntelError> {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.map_err(|e| remote(url, e.to_string()))?;
    if !status.is_success() {
        let detail = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| {
                let t = v.get("title").and_then(Value::as_str)?.to_string();
                Some(match v.get("description").and_then(Value::as_str) {
                    Some(d) => format!("{t}: {d}"),
                    None => t,
                })
            })
            .unwrap_or_else(|| chokepoint_core::time::truncate(&text, 200).to_string());
        return Err(remote(url, format!("HTTP {status}: {detail}")));
    }
    let v = serde_json::from_str(&text)
        .map_err(|e| remote(url, format!("the answer is not JSON: {e}")))?;
    Ok((v, headers))
}

fn with_slash(u: &str) -> String {
    if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    }
}

/// Resolves `r` (absolute URL or absolute path) against `base`.
fn resolve(base: &str, r: &str) -> String {
    if r.starts_with("http://") || r.starts_with("https://") {
        return r.to_string();
    }
    match reqwest::Url::parse(base).and_then(|b| b.join(r)) {
        Ok(u) => u.to_string(),
        Err(_) => r.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_refused_with_what_to_do_and_paths_resolve() {
        let e = plain_http_only("HTTPS://taxii.example/taxii2/")
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain HTTP only") && e.contains("proxy"), "{e}");
        assert!(plain_http_only("http://127.0.0.1:9/taxii2/").is_ok());
        assert_eq!(
            resolve("http://h:1/taxii2/", "/api1/"),
            "http://h:1/api1/".to_string()
        );
    }

    #[tokio::test]
    async fn connect_refuses_https_before_any_request() {
        let e = TaxiiClient::connect("https://127.0.0.1:1/taxii2/", Auth::None)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain HTTP only"), "{e}");
    }
}
