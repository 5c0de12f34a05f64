//! Sign-in, sessions, bearer tokens and CSRF.
//!
//! - Console: `POST /login` checks the argon2id hash and opens a server-side session; the cookie
//!   carries only a random 256-bit id (stored hashed), `HttpOnly; SameSite=Strict; Path=/`, and
//!   `Secure` when the server is configured as reached over TLS. The login form itself is
//!   protected by a double-submit token (a short-lived cookie equal to a hidden field).
//! - Every state-changing request authenticated by the session cookie must carry the session's
//!   CSRF token, as an `X-CSRF-Token` header or a `csrf` form field; bearer-token requests do
//!   not (a browser never attaches them on its own).
//! - API: `Authorization: Bearer cps1_<id>_<secret>`; only a keyed hash of the secret is stored.
//! - Guessing is throttled: after [`LoginThrottle::MAX_FAILURES`] failed sign-ins for one user
//!   name within [`LoginThrottle::WINDOW`], that name is refused (429) until the window has
//!   passed, before any password is hashed.

use crate::db::User;
use crate::{AppState, ServerError, MAX_BODY_BYTES};
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, DOCTYPE};
use serde::Deserialize;
use std::collections::HashMap;

/// Failed sign-ins per user name, in memory: a lockout that survives a restart is not worth
/// a table, and a restart is not something an online guesser controls.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: std::sync::Mutex<HashMap<String, (u32, std::time::Instant)>>,
}

impl LoginThrottle {
    /// Failed attempts allowed per user name within [`Self::WINDOW`].
    pub const MAX_FAILURES: u32 = 5;
    /// How long failures are remembered (and a locked name stays locked).
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    /// Names tracked at most; beyond, the oldest entries are dropped (bounded memory).
    const MAX_NAMES: usize = 10_000;

    /// Seconds until `user` may try again, if it is locked now.
    pub fn locked_for(&self, user: &str) -> Option<u64> {
        let now = std::time::Instant::now();
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let &(n, since) = map.get(user)?;
        let left = Self::WINDOW.checked_sub(now.duration_since(since))?;
        (n >= Self::MAX_FAILURES).then(|| left.as_secs().max(1))
    }

    /// Records a failed attempt for `user`.
    pub fn failed(&self, user: &str) {
        let now = std::time::Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX_NAMES && !map.contains_key(user) {
            map.retain(|_, (_, since)| now.duration_since(*since) < Self::WINDOW);
            if map.len() >= Self::MAX_NAMES {
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, (_, t))| *t)
                    .map(|(k, _)| k.clone())
                {
                    map.remove(&oldest);
                }
            }
        }
        let e = map.entry(user.to_string()).or_insert((0, now));
        if now.duration_since(e.1) >= Self::WINDOW {
            *e = (0, now);
        }
        e.0 += 1;
    }

    /// Forgets `user`'s failures after a successful sign-in.
    pub fn succeeded(&self, user: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(user);
    }
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cp_session";
const LOGIN_COOKIE: &str = "cp_login";

/// Who made a request, put in the request's extensions by [`require_auth`].
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    /// The session's CSRF token (for forms); `None` for bearer-token requests.
    pub csrf: Option<String>,
}

impl Identity {
    pub fn csrf(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |x, (p, q)| x | (p ^ q)) == 0
}

fn set_cookie(st: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if st.inner.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let v = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    // Names and values are ASCII hex or fixed strings.
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

fn wants_html(path: &str) -> bool {
    !(path.starts_with("/api/") || path == "/metrics")
}

/// Middleware on every protected route: resolves the session cookie or bearer token, answers
/// 401 (API) or redirects to `/login` (console) without one, and checks CSRF on state-changing
/// requests made with a session.
pub async fn require_auth(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let identity = match identify(&st, req.headers()).await {
        Ok(i) => i,
        Err(e) => return e.into_response(),
    };
    let Some(identity) = identity else {
        if wants_html(&path) && req.method() == Method::GET {
            let next_q = if path == "/" {
                String::new()
            } else {
                format!("?next={}", urlencode(&path))
            };
            return Redirect::to(&format!("/login{next_q}")).into_response();
        }
        return ServerError::Unauthorized.into_response();
    };
    let req = if identity.csrf.is_some() && !is_safe(req.method()) {
        match check_csrf(req, identity.csrf()).await {
            Ok(r) => r,
            Err(resp) => return resp,
        }
    } else {
        req
    };
    let mut req = req;
    req.extensions_mut().insert(identity);
    next.run(req).await
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn identify(st: &AppState, headers: &HeaderMap) -> Result<Option<Identity>, ServerError> {
    if let Some(token) = bearer(headers) {
        return Ok(st
            .db()
            .authenticate_token(token)
            .await?
            .map(|user| Identity { user, csrf: None }));
    }
    if let Some(sid) = cookie(headers, SESSION_COOKIE) {
        return Ok(st.db().session(sid).await?.map(|(user, csrf)| Identity {
            user,
            csrf: Some(csrf),
        }));
    }
    Ok(None)
}

/// Checks the CSRF token of a session request: the header, or the `csrf` field of a urlencoded
/// form (the body is read, bounded, and handed on unchanged).
async fn check_csrf(req: Request, expected: &str) -> Result<Request, Response> {
    let forbidden = || {
        ServerError::Forbidden("missing or wrong CSRF token: reload the page and try again".into())
            .into_response()
    };
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if same(h, expected) {
            Ok(req)
        } else {
            Err(forbidden())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(forbidden());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(serde_json::json!({"error": format!("form larger than {MAX_BODY_BYTES} bytes")})),
        )
            .into_response()
    })?;
    let ok = form_urlencoded_field(&bytes, "csrf").is_some_and(|v| same(&v, expected));
    if !ok {
        return Err(forbidden());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The first value of `name` in a urlencoded body.
fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .find(|(k, _)| percent_decode(k) == name)
        .map(|(_, v)| percent_decode(v))
}

/// Decodes `+` and `%XX` of a form field (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_./~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// A redirect target from the login form: a local path only (no scheme, no `//host`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.contains("://")
                && n.len() < 512 =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(token: &str, next: &str, error: Option<&str>) -> maud::Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · chokepoint" }
                link rel="stylesheet" href="/static/console.css";
            }
            body.login {
                main.card {
                    h1 { "chokepoint" }
                    p.muted { "Analyst console. Sign in with your local account." }
                    @if let Some(e) = error { p.error role="alert" { (e) } }
                    form method="post" action="/login" {
                        input type="hidden" name="csrf" value=(token);
                        input type="hidden" name="next" value=(next);
                        label { "User" input #username name="username" autocomplete="username" required maxlength="64"; }
                        label { "Password" input #password type="password" name="password" autocomplete="current-password" required maxlength="1024"; }
                        button #signin type="submit" { "Sign in" }
                    }
                }
            }
        }
    }
}

/// `GET /login`.
pub async fn login_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or(NextQuery { next: None });
    // Keep the token of a sign-in form already open (another tab, or a background request that
    // was sent here): a new one would invalidate that form.
    let existing = cookie(&headers, LOGIN_COOKIE)
        .filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(String::from);
    let token = match existing {
        Some(t) => t,
        None => match crate::db::random_hex(16) {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        },
    };
    let next = safe_next(q.next.as_deref());
    let mut r = Html(login_form(&token, &next, None).into_string()).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, LOGIN_COOKIE, &token, 900),
    );
    r
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf: String,
    #[serde(default)]
    pub next: Option<String>,
}

/// `POST /login`.
pub async fn login_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    form: Result<axum::extract::Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let axum::extract::Form(form) = match form {
        Ok(f) => f,
        Err(e) => {
            return (
                e.status(),
                Html(login_form("", "/", Some("The form was incomplete.")).into_string()),
            )
                .into_response();
        }
    };
    let next = safe_next(form.next.as_deref());
    let token_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| same(c, &form.csrf));
    if !token_ok {
        return (
            StatusCode::FORBIDDEN,
            Html(
                login_form(
                    "",
                    &next,
                    Some("The sign-in form expired: reload the page."),
                )
                .into_string(),
            ),
        )
            .into_response();
    }
    if form.username.len() > 64 || form.password.len() > 1024 {
        return (
            StatusCode::BAD_REQUEST,
            Html(login_form(&form.csrf, &next, Some("Wrong user or password.")).into_string()),
        )
            .into_response();
    }
    if let Some(secs) = st.inner.login_throttle.locked_for(&form.username) {
        st.inner.metrics.login(false);
        let msg = format!(
            "Too many failed sign-ins for this user: try again in {} minute(s).",
            secs.div_ceil(60)
        );
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs.to_string())],
            Html(login_form(&form.csrf, &next, Some(&msg)).into_string()),
        )
            .into_response();
    }
    match st.db().check_password(&form.username, &form.password).await {
        Ok(Some(user)) => {
            st.inner.login_throttle.succeeded(&form.username);
            st.inner.metrics.login(true);
            match st.db().create_session(&user).await {
                Ok((sid, _)) => {
                    let mut r = Redirect::to(&next).into_response();
                    r.headers_mut().append(
                        header::SET_COOKIE,
                        set_cookie(&st, SESSION_COOKIE, &sid, crate::db::SESSION_SECONDS),
                    );
                    r.headers_mut()
                        .append(header::SET_COOKIE, set_cookie(&st, LOGIN_COOKIE, "", 0));
                    r
                }
                Err(e) => e.into_response(),
            }
        }
        Ok(None) => {
            st.inner.login_throttle.failed(&form.username);
            st.inner.metrics.login(false);
            tracing::info!(user = %chokepoint_core::time::truncate(&form.username, 64), "failed sign-in");
            (
                StatusCode::UNAUTHORIZED,
                Html(login_form(&form.csrf, &next, Some("Wrong user or password.")).into_string()),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /logout` (CSRF-checked by the middleware).
pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(sid) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = st.db().end_session(sid).await {
            return e.into_response();
        }
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, "", 0));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_local() {
        assert_eq!(safe_next(Some("/scans/1")), "/scans/1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a+b%20c%2Fd"), "a b c/d");
        assert_eq!(percent_decode("%zz%"), "%zz%");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
