//! The server as a client sees it, in process (tower `oneshot`): who may see what, sign-in,
//! CSRF, bearer tokens, hostile input (traversal, oversized bodies, malformed JSON) answered 4xx,
//! and a scan from the API through to a STIX export.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chokepoint_server::{AppState, Role};
use http_body_util::BodyExt;
use tower::ServiceExt;

mod support;

const PASSWORD: &str = "correct horse battery";

struct App {
    router: Router,
    state: AppState,
    dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside the data dir").unwrap();
    let state = support::state_with_user(
        &dir.path().join("t.db"),
        data,
        "alice",
        PASSWORD,
        Role::Admin,
    )
    .await;
    App {
        router: chokepoint_server::router(state.clone()),
        state,
        dir,
    }
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(app: &App, req: Request<Body>) -> Resp {
    let r = app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// A GET with the session cookie `cookie`.
fn get_as(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn hidden(body: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = body.find(&key).expect("hidden field") + key.len();
    body[i..i + body[i..].find('"').unwrap()].to_string()
}

/// Signs in through the form; returns the session cookie (`cp_session=...`) and its CSRF token.
async fn login(app: &App) -> (String, String) {
    let r = try_sign_in(app, "alice", "correct+horse+battery&next=%2Fscans").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers[header::LOCATION], "/scans");
    let cookie = set_cookies(&r.headers)
        .into_iter()
        .find(|c| c.starts_with("cp_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let session = cookie.split(';').next().unwrap().to_string();
    let page = send(app, get_as("/scans", &session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf");
    (session, csrf)
}

async fn token(app: &App) -> String {
    app.state
        .db()
        .create_token("alice", "test")
        .await
        .unwrap()
        .token
}

const PROTECTED_GET: &[&str] = &[
    "/api/v1/whoami",
    "/api/v1/users",
    "/api/v1/scans",
    "/api/v1/scans/1",
    "/api/v1/scans/1/report",
    "/api/v1/scans/1/campaigns",
    "/api/v1/scans/1/campaigns/c-1",
    "/api/v1/exports",
    "/api/v1/exports/1",
    "/api/v1/controls/parts",
    "/api/v1/geoloc/fleet",
    "/api/v1/geoloc/alerts",
    "/api/v1/geoloc/chips/chip-kl-03/region",
    "/api/v1/scenario/presets",
    "/api/v1/scenario/parameters",
    "/metrics",
];

const PAGES: &[&str] = &[
    "/",
    "/scans",
    "/scans/1",
    "/scans/1/campaigns/c-1",
    "/scenario",
    "/chips",
    "/chips/chip-kl-03",
    "/customers",
    "/exports",
    "/intel",
];

#[tokio::test]
async fn unauthenticated_requests_never_see_data() {
    let app = app().await;
    assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
    assert_eq!(send(&app, get("/login")).await.status, StatusCode::OK);
    let doc = send(&app, get("/api/v1/openapi.json")).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body.contains("\"openapi\":\"3.0.3\""));
    for p in PROTECTED_GET {
        let r = send(&app, get(p)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{p}");
        assert!(r.headers.contains_key(header::WWW_AUTHENTICATE), "{p}");
        assert_eq!(r.body, r#"{"error":"sign in first"}"#, "{p}");
    }
    for p in PAGES {
        let r = send(&app, get(p)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"));
        assert!(r.body.is_empty(), "{p}");
    }
    for (p, body) in [
        ("/api/v1/scans", r#"{"path":"x"}"#),
        ("/api/v1/controls/classify", r#"{"part":"H100"}"#),
        ("/api/v1/scenario/run", r#"{}"#),
        ("/api/v1/screen/name", r#"{"name":"Huawei"}"#),
        ("/api/v1/scans/1/campaigns/c-1/stix", ""),
        ("/scans", "path=x"),
        ("/logout", ""),
    ] {
        let r = send(
            &app,
            Request::post(p)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "POST {p}");
    }
    // Wrong credentials of every kind.
    for auth in [
        "Bearer cps1_0123456789abcdef_".to_string() + &"0".repeat(64),
        "Bearer nonsense".into(),
        "Basic YWxpY2U6cGFzc3dvcmQ=".into(),
    ] {
        let r = send(
            &app,
            Request::get("/api/v1/scans")
                .header(header::AUTHORIZATION, auth.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth}");
    }
    let r = send(
        &app,
        Request::get("/scans")
            .header(header::COOKIE, format!("cp_session={}", "ab".repeat(32)))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "a made-up session is no session"
    );
    // TAXII keeps its own keys.
    let r = send(&app, get("/taxii2/taxii2/")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_sessions_and_csrf() {
    let app = app().await;
    // Wrong password, and a login form without its double-submit cookie.
    let bad = try_sign_in(&app, "alice", "wrong").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(!set_cookies(&bad.headers)
        .iter()
        .any(|c| c.starts_with("cp_session")));
    let t = hidden(&send(&app, get("/login")).await.body, "csrf");
    let forged = send(
        &app,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username=alice&password=correct+horse+battery&csrf={t}"
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // An open redirect through `next` is refused.
    let page = send(&app, get("/login?next=//evil.example/")).await;
    assert!(page.body.contains(r#"name="next" value="/""#));

    let (session, csrf) = login(&app).await;
    for p in PAGES.iter().filter(|p| !p.contains("/1")) {
        let r = send(&app, get_as(p, &session)).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.body);
        assert!(r.body.contains("Sign out"));
    }
    // State changes need the CSRF token: form field or header.
    let post = |body: String, extra: Option<(&'static str, String)>| {
        let mut b = Request::post("/scans")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &session);
        if let Some((k, v)) = extra {
            b = b.header(k, v);
        }
        b.body(Body::from(body)).unwrap()
    };
    let r = send(&app, post("path=x.jsonl".into(), None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&app, post("path=x.jsonl&csrf=00".into(), None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &app,
        post("path=x.jsonl".into(), Some(("x-csrf-token", "nope".into()))),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // With the token the request goes through (and fails on the missing file, as a 400 page).
    let r = send(&app, post(format!("path=x.jsonl&csrf={csrf}"), None)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("no such file in the data directory"));
    // Sign out ends the session server-side.
    let r = send(
        &app,
        Request::post("/logout")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &session)
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(&app, get_as("/api/v1/whoami", &session)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bearer_tokens_are_checked_and_revocable() {
    let app = app().await;
    let t = token(&app).await;
    let who = |tok: String| {
        Request::get("/api/v1/whoami")
            .header(header::AUTHORIZATION, format!("Bearer {tok}"))
            .body(Body::empty())
            .unwrap()
    };
    let r = send(&app, who(t.clone())).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, r#"{"name":"alice","role":"admin"}"#);
    // One character off in the secret.
    let mut bad = t.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    assert_eq!(send(&app, who(bad)).await.status, StatusCode::UNAUTHORIZED);
    // A bearer request needs no CSRF token.
    let r = send(
        &app,
        Request::post("/api/v1/controls/classify")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"part":"H100-SXM"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("3A090.a"));
    // Roles: the user list is for admins only.
    let users = |tok: &str| {
        Request::get("/api/v1/users")
            .header(header::AUTHORIZATION, format!("Bearer {tok}"))
            .body(Body::empty())
            .unwrap()
    };
    let r = send(&app, users(&t)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("\"alice\"") && !r.body.contains("argon2"));
    app.state
        .db()
        .add_user("bob", "another passphrase", Role::Analyst, false)
        .await
        .unwrap();
    let bob = app.state.db().create_token("bob", "").await.unwrap().token;
    assert_eq!(send(&app, users(&bob)).await.status, StatusCode::FORBIDDEN);
    let id = &t[5..21];
    app.state.db().revoke_token(id).await.unwrap();
    assert_eq!(send(&app, who(t)).await.status, StatusCode::UNAUTHORIZED);
    // Metrics with a token.
    let t = token(&app).await;
    let r = send(
        &app,
        Request::get("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .body
        .contains("chokepoint_http_requests_total{area=\"api\",status=\"4xx\"}"));
    assert!(r.body.contains("process_resident_memory_bytes"));
}

fn api(t: &str, method: Method, path: &str, ct: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, ct)
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn hostile_input_gets_4xx_never_5xx() {
    let app = app().await;
    let t = token(&app).await;
    // Path traversal out of the data directory, by relative and absolute paths.
    let outside = app.dir.path().join("secret.txt");
    for p in [
        "../secret.txt".to_string(),
        "../../../../etc/passwd".into(),
        outside.display().to_string(),
        "/etc/passwd".into(),
        "a\\u0000b".into(),
        "".into(),
        ".".into(),
    ] {
        let r = send(
            &app,
            api(
                &t,
                Method::POST,
                "/api/v1/scans",
                "application/json",
                format!("{{\"path\":\"{p}\"}}"),
            ),
        )
        .await;
        assert!(r.status.is_client_error(), "{p}: {} {}", r.status, r.body);
        assert!(!r.body.contains("outside the data dir\""), "{p}");
    }
    for p in [
        "/static/..%2f..%2fCargo.toml",
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/console.css%00.js",
        "/static/",
    ] {
        let r = send(&app, get(p)).await;
        // A path that is not a static asset name is an unknown page: sign in first.
        let to_login = r.status == StatusCode::SEE_OTHER
            && r.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login");
        assert!(r.status.is_client_error() || to_login, "{p}: {}", r.status);
        assert!(!r.body.contains("[package]"));
    }
    assert_eq!(
        send(&app, get("/static/console.css")).await.status,
        StatusCode::OK
    );
    // Malformed, mistyped and unknown-field JSON on every JSON endpoint.
    for path in [
        "/api/v1/scans",
        "/api/v1/controls/classify",
        "/api/v1/controls/license",
        "/api/v1/scenario/run",
        "/api/v1/screen/name",
        "/api/v1/screen/customers",
        "/api/v1/geoloc/measurements",
    ] {
        for body in [
            "{",
            "[1,2",
            "null",
            "\"x\"",
            r#"{"path": 5}"#,
            r#"{"nope": true}"#,
            "\u{0}",
        ] {
            let r = send(&app, api(&t, Method::POST, path, "application/json", body)).await;
            assert!(
                r.status.is_client_error(),
                "{path} {body:?}: {} {}",
                r.status,
                r.body
            );
        }
        let r = send(&app, api(&t, Method::POST, path, "text/plain", "{}")).await;
        assert!(
            r.status.is_client_error(),
            "{path} text/plain: {}",
            r.status
        );
    }
    // Oversized bodies: JSON, forms (with a session), and the login form.
    let big = format!("{{\"path\":\"{}\"}}", "a".repeat(200_000));
    let r = send(
        &app,
        api(&t, Method::POST, "/api/v1/scans", "application/json", big),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = send(
        &app,
        api(
            &t,
            Method::POST,
            "/api/v1/scenario/run",
            "application/json",
            "x".repeat(2_000_000),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let (session, csrf) = login(&app).await;
    let r = send(
        &app,
        Request::post("/scans")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &session)
            .body(Body::from(format!(
                "csrf={csrf}&path={}",
                "a".repeat(200_000)
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = send(
        &app,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={}", "a".repeat(200_000))))
            .unwrap(),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Bad path parameters and queries.
    for p in [
        "/api/v1/scans/abc",
        "/api/v1/scans/99999999999999999999999",
        "/api/v1/scans/7",
        "/api/v1/scans/1/campaigns?limit=abc",
        "/api/v1/scans/1/campaigns/c-1",
        "/api/v1/exports/-1",
        &format!("/api/v1/scans/1/campaigns/{}", "c".repeat(300)),
        &format!("/api/v1/geoloc/chips/{}/region", "x".repeat(300)),
    ] {
        let r = send(
            &app,
            api(&t, Method::GET, p, "application/json", Body::empty()),
        )
        .await;
        assert!(r.status.is_client_error(), "{p}: {} {}", r.status, r.body);
    }
    for p in [
        "/scans/abc",
        "/scans/5",
        "/scans/1/campaigns/nope",
        "/chips/no-such-chip",
        "/customers/nobody",
        "/scenario?preset=nope",
        "/scenario?lever.smuggling_interdiction=7",
        "/scenario?lever.smuggling_interdiction=abc",
        "/exports?part=%00%00&destination=ZZZZ",
    ] {
        let r = send(&app, get_as(p, &session)).await;
        assert!(
            r.status.is_client_error() || (r.status == StatusCode::OK && p.starts_with("/exports")),
            "{p}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn scan_to_campaign_to_stix() {
    let app = app().await;
    let t = token(&app).await;
    // A few days of simulated traffic in the data directory.
    let data = app.dir.path().join("data");
    let cfg = chokepoint_sim::traffic::TrafficConfig {
        seed: 3,
        days: 3,
        ..Default::default()
    };
    let mut rec = std::fs::File::create(data.join("traffic.jsonl")).unwrap();
    let mut lab = Vec::new();
    chokepoint_sim::traffic::write_jsonl(&cfg, &mut rec, &mut lab, &chokepoint_core::NoProgress)
        .unwrap();
    let r = send(
        &app,
        api(
            &t,
            Method::POST,
            "/api/v1/scans",
            "application/json",
            r#"{"path":"traffic.jsonl"}"#,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let id: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let id = id["id"].as_i64().unwrap();
    let mut saw_progress = false;
    let scan = loop {
        let r = send(
            &app,
            api(
                &t,
                Method::GET,
                &format!("/api/v1/scans/{id}"),
                "application/json",
                Body::empty(),
            ),
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        match v["status"].as_str().unwrap() {
            "done" => break v,
            "failed" | "interrupted" => panic!("scan failed: {v}"),
            _ => {
                saw_progress |= v["progress"].is_object();
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    };
    assert!(saw_progress, "a running scan shows its progress");
    assert!(scan["stats"]["records"].as_u64().unwrap() > 1000);
    let r = send(
        &app,
        api(
            &t,
            Method::GET,
            &format!("/api/v1/scans/{id}/campaigns"),
            "",
            Body::empty(),
        ),
    )
    .await;
    let campaigns: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
    assert!(!campaigns.is_empty(), "the simulated campaigns are found");
    let scores: Vec<f64> = campaigns
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by score");
    let cid = campaigns[0]["campaign_id"].as_str().unwrap().to_string();
    let r = send(
        &app,
        api(
            &t,
            Method::GET,
            &format!("/api/v1/scans/{id}/campaigns/{cid}"),
            "",
            Body::empty(),
        ),
    )
    .await;
    let c: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let ips: Vec<String> = c["campaign"]["indicators"]["ips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        c["account_details"].as_array().unwrap().len() as i64,
        c["accounts"].as_i64().unwrap()
    );
    // The campaign page: graph, timeline, evidence, export button.
    let (session, csrf) = login(&app).await;
    let page = send(
        &app,
        Request::get(format!("/scans/{id}/campaigns/{cid}"))
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "class=\"graph\"",
        "shared by",
        "class=\"timeline\"",
        "id=\"evidence\"",
        "export-stix",
        "capability mix",
    ] {
        assert!(page.body.contains(needle), "campaign page lacks {needle}");
    }
    // Export to STIX from the page (CSRF form), then fetch the bundle by the API.
    let r = send(
        &app,
        Request::post(format!("/scans/{id}/campaigns/{cid}/export"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &session)
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("export-count"));
    let r = send(
        &app,
        api(&t, Method::GET, "/api/v1/exports/1", "", Body::empty()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "application/stix+json;version=2.1"
    );
    let bundle: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(bundle["type"], "bundle");
    let types: Vec<&str> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"campaign") && types.contains(&"indicator"),
        "{types:?}"
    );
    for ip in &ips {
        assert!(
            !r.body.contains(&format!("\"{ip}\"")),
            "raw IP {ip} leaked into STIX"
        );
    }
    // The API export answers 201 with the bundle, and the intel page lists both exports.
    let r = send(
        &app,
        api(
            &t,
            Method::POST,
            &format!("/api/v1/scans/{id}/campaigns/{cid}/stix"),
            "",
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let page = send(&app, get_as("/intel", &session)).await;
    assert!(page.body.contains("export 2") && page.body.contains("export 1"));
}

/// Fetches the sign-in form and posts it for `user` with `password` (form-encoded; more
/// fields may follow after `&`); returns the response.
async fn try_sign_in(app: &App, user: &str, password: &str) -> Resp {
    let page = send(app, get("/login")).await;
    let t = hidden(&page.body, "csrf");
    let lc = set_cookies(&page.headers)[0]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    send(
        app,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &lc)
            .body(Body::from(format!(
                "username={user}&password={password}&csrf={t}"
            )))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_name() {
    let app = app().await;
    let max = chokepoint_server::auth::LoginThrottle::MAX_FAILURES;
    for _ in 0..max {
        let r = try_sign_in(&app, "alice", "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, with a Retry-After, and no session.
    let r = try_sign_in(&app, "alice", "correct+horse+battery").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.body.contains("Too many failed sign-ins"));
    assert!(!set_cookies(&r.headers)
        .iter()
        .any(|c| c.starts_with("cp_session")));
    // Another name is not affected.
    let r = try_sign_in(&app, "bob", "wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
