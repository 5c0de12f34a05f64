//! The TAXII 2.1 server over real HTTP on loopback: auth, permissions, media types, limits,
//! filters, pagination under concurrent writes, TLP:RED isolation, status, delete.

mod common;

use chokepoint_intel::stix::Tlp;
use chokepoint_intel::taxii::TaxiiConfig;
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;

async fn count_objects(s: &Server) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM intel_objects")
        .fetch_one(s.db.pool())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn auth_permissions_media_types_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TaxiiConfig {
        max_content_length: 64 * 1024,
        max_objects_per_envelope: 50,
        ..TaxiiConfig::default()
    };
    let s = start(&dir.path().join("t.db"), cfg).await;
    let c = client();
    // 401 without or with bad credentials, on every endpoint, with the TAXII media type.
    for p in [
        "/taxii2/",
        "/api/",
        "/api/collections/",
        &format!("/api/collections/{}/objects/", s.collection),
        "/api/status/x/",
    ] {
        let r = c
            .get(s.url(p))
            .header("Accept", TAXII)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{p}");
        assert!(r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("Basic"));
        assert_eq!(r.headers()["content-type"], TAXII);
        let r = c
            .get(s.url(p))
            .bearer_auth("cpk1_0000000000000000_nope")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{p}");
    }
    // Basic with the key as password, as taxii2-client sends it.
    let r = c
        .get(s.url("/taxii2/"))
        .basic_auth("lab-a", Some(&s.key_a))
        .header("Accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["api_roots"][0], s.url("/api/"));
    // 406 for a client that accepts only application/json; the error is still TAXII.
    let r = c
        .get(s.url("/api/"))
        .bearer_auth(&s.key_a)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    assert_eq!(r.headers()["content-type"], TAXII);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["http_status"], "406");
    // Collections: A read/write, B read-only, C nothing.
    let (st, _, v) = get(&c, &s.url("/api/collections/"), &s.key_b).await;
    assert_eq!(st, 200);
    assert_eq!(v["collections"][0]["can_write"], false);
    let (_, _, v) = get(&c, &s.url("/api/collections/"), &s.key_c).await;
    assert_eq!(v, json!({}));
    let (st, _, _) = get(
        &c,
        &s.url(&format!("/api/collections/{}/", s.collection)),
        &s.key_c,
    )
    .await;
    assert_eq!(st, 404);
    // 403 writing without write permission; 404 for a collection without any grant.
    assert_eq!(
        post(
            &c,
            &s.objects_url(),
            &s.key_b,
            &[indicator(1, "2026-01-01T00:00:00.000Z")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        post(
            &c,
            &s.objects_url(),
            &s.key_c,
            &[indicator(1, "2026-01-01T00:00:00.000Z")]
        )
        .await
        .status(),
        404
    );
    // 415 for a body that is not a TAXII envelope media type.
    let r = c
        .post(s.objects_url())
        .bearer_auth(&s.key_a)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // 413: announced length, a chunked body without length, and too many objects.
    let big = "x".repeat(70 * 1024);
    let r = c
        .post(s.objects_url())
        .bearer_auth(&s.key_a)
        .header("Content-Type", TAXII)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let path = format!("/api/collections/{}/objects/", s.collection);
    let (line, _) = raw_chunked_post(s.addr, &path, &s.key_a, 1 << 20).await;
    assert!(line.contains(" 413 "), "{line}");
    let many: Vec<Value> = (0..51)
        .map(|i| indicator(i, "2026-01-01T00:00:00.000Z"))
        .collect();
    assert_eq!(
        post(&c, &s.objects_url(), &s.key_a, &many).await.status(),
        413
    );
    // 400 for malformed JSON and wrong shapes; nothing half-written.
    for body in ["{\"objects\": [", "[]", "{\"objects\": 3}"] {
        let r = c
            .post(s.objects_url())
            .bearer_auth(&s.key_a)
            .header("Content-Type", TAXII)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(r.headers()["content-type"], TAXII);
    }
    assert_eq!(count_objects(&s).await, 0);
    // 404s: unknown paths, status, object.
    assert_eq!(get(&c, &s.url("/api/nope/"), &s.key_a).await.0, 404);
    assert_eq!(
        get(
            &c,
            &s.url("/api/status/00000000-0000-4000-8000-000000000000/"),
            &s.key_a
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get(
            &c,
            &format!(
                "{}indicator--8e2e2d2b-17d4-4cbf-938f-000000000999/",
                s.objects_url()
            ),
            &s.key_a
        )
        .await
        .0,
        404
    );
}

/// Sends a raw HTTP/1.1 request with a chunked body of up to `len` bytes, stopping when the
/// server closes the connection; returns the status line and the body bytes sent.
async fn raw_chunked_post(
    addr: std::net::SocketAddr,
    path: &str,
    key: &str,
    len: usize,
) -> (String, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: {TAXII}\r\nAccept: {TAXII}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 8192];
    let mut sent = 0;
    while sent < len {
        let msg = format!("{:x}\r\n", chunk.len());
        if s.write_all(msg.as_bytes()).await.is_err()
            || s.write_all(&chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break; // the server may close early: that is the point
        }
        sent += chunk.len();
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let line = String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    (line, sent)
}

/// A 1 GiB body, announced or chunked, is refused with 413 after reading at most a little
/// more than the limit: the server neither waits for nor buffers the gigabyte, and stores
/// nothing.
#[tokio::test]
async fn a_one_gigabyte_body_is_refused_without_reading_it() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("t.db"), TaxiiConfig::default()).await;
    let limit = TaxiiConfig::default().max_content_length;
    let path = format!("/api/collections/{}/objects/", s.collection);
    // Announced: the answer comes after the head, while the client has sent 64 KiB of 1 GiB.
    let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: {TAXII}\r\nAccept: {TAXII}\r\nContent-Length: {}\r\n\r\n{{\"objects\": [",
        s.addr,
        s.key_a,
        1u64 << 30
    );
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(&vec![b' '; 64 << 10]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), c.read(&mut buf))
        .await
        .expect("the server answers without waiting for the gigabyte")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(TAXII), "{answer}");
    // Chunked, no length: the server stops reading soon after the limit.
    let (line, sent) = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        raw_chunked_post(s.addr, &path, &s.key_a, 1 << 30),
    )
    .await
    .expect("the server closes the connection instead of reading the gigabyte");
    assert!(line.contains(" 413 "), "{line}");
    assert!(
        sent < limit + (32 << 20),
        "the client could send {sent} bytes against a limit of {limit}"
    );
    assert_eq!(count_objects(&s).await, 0);
}

#[tokio::test]
async fn objects_status_filters_versions_tlp_red_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("t.db"), TaxiiConfig::default()).await;
    let c = client();
    let mut bad_id = indicator(0, "2026-01-01T00:00:00.000Z");
    bad_id["id"] = json!("indicator--not-a-uuid");
    let mut bad_pattern = indicator(1, "2026-01-01T00:00:00.000Z");
    bad_pattern["pattern"] = json!("[ipv4-addr:value = ");
    let unknown_invalid =
        json!({"type": "x-thing", "id": "x-thing--6ba7b810-9dad-41d1-80b4-00c04fd430c8"});
    let mut bad_time = indicator(4, "2026-01-01T00:00:00.000Z");
    bad_time["modified"] = json!("yesterday");
    let mut wrong_type = indicator(5, "2026-01-01T00:00:00.000Z");
    wrong_type["valid_from"] = json!(20260101);
    let objs = vec![
        indicator(2, "2026-01-01T00:00:00.000Z"),
        bad_id,
        bad_pattern,
        unknown_invalid,
        indicator(3, "2026-01-01T00:00:00.000Z"),
        bad_time,
        wrong_type,
    ];
    let r = post(&c, &s.objects_url(), &s.key_a, &objs).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["content-type"], TAXII);
    let st: Value = r.json().await.unwrap();
    assert_eq!(st["total_count"], 7);
    assert_eq!(st["success_count"], 2, "{st}");
    assert_eq!(st["failure_count"], 5);
    assert_eq!(st["pending_count"], 0);
    assert_eq!(st["successes"].as_array().unwrap().len(), 2);
    assert_eq!(st["failures"].as_array().unwrap().len(), 5);
    let messages = st["failures"].to_string();
    assert!(messages.contains("modified"), "{messages}");
    assert!(messages.contains("valid_from"), "{messages}");
    // An unknown type that is valid STIX is kept, as a custom object, and served back as sent.
    let custom = json!({"type": "x-lab-note", "spec_version": "2.1",
        "id": "x-lab-note--6ba7b810-9dad-41d1-80b4-00c04fd430c9",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "x_note": {"level": 3}});
    let r = post(
        &c,
        &s.objects_url(),
        &s.key_a,
        std::slice::from_ref(&custom),
    )
    .await;
    let cst: Value = r.json().await.unwrap();
    assert_eq!(cst["success_count"], 1, "{cst}");
    let (code, _, v) = get(
        &c,
        &format!("{}{}/", s.objects_url(), custom["id"].as_str().unwrap()),
        &s.key_a,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(v["objects"][0], custom);
    let del = c
        .delete(format!(
            "{}{}/",
            s.objects_url(),
            custom["id"].as_str().unwrap()
        ))
        .bearer_auth(&s.key_a)
        .header("Accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    assert!(st["failures"][1]["message"]
        .as_str()
        .unwrap()
        .contains("pattern"));
    // The status resource, with and without the trailing slash; other orgs cannot see it.
    let sid = st["id"].as_str().unwrap();
    for p in [format!("/api/status/{sid}"), format!("/api/status/{sid}/")] {
        let (code, _, v) = get(&c, &s.url(&p), &s.key_a).await;
        assert_eq!(code, 200);
        assert_eq!(v, st);
    }
    assert_eq!(
        get(&c, &s.url(&format!("/api/status/{sid}/")), &s.key_b)
            .await
            .0,
        404
    );
    // A second version of object 2, and a TLP:RED object of lab A.
    post(
        &c,
        &s.objects_url(),
        &s.key_a,
        &[indicator(2, "2026-02-01T00:00:00.000Z")],
    )
    .await;
    let mut red = indicator(9, "2026-01-01T00:00:00.000Z");
    red["object_marking_refs"] = json!([Tlp::Red.marking_id()]);
    post(&c, &s.objects_url(), &s.key_a, &[red.clone()]).await;
    let red_id = red["id"].as_str().unwrap().to_string();
    // Default: latest version of each object.
    let (code, h, v) = get(&c, &s.objects_url(), &s.key_a).await;
    assert_eq!(code, 200);
    assert_eq!(v["objects"].as_array().unwrap().len(), 3);
    assert!(
        h.contains_key("x-taxii-date-added-first") && h.contains_key("x-taxii-date-added-last")
    );
    let (_, _, vb) = get(&c, &s.objects_url(), &s.key_b).await;
    let ids_b: HashSet<&str> = vb["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids_b.len(), 2);
    assert!(
        !ids_b.contains(red_id.as_str()),
        "TLP:RED served to another organisation"
    );
    // TLP:RED stays invisible to B on every read endpoint.
    let one = format!("{}{red_id}/", s.objects_url());
    assert_eq!(get(&c, &one, &s.key_a).await.0, 200);
    assert_eq!(get(&c, &one, &s.key_b).await.0, 404);
    assert_eq!(get(&c, &format!("{one}versions/"), &s.key_b).await.0, 404);
    let man = s.url(&format!("/api/collections/{}/manifest/", s.collection));
    let (_, _, m) = get(&c, &man, &s.key_b).await;
    assert!(!m.to_string().contains(&red_id));
    let (_, _, m) = get(&c, &man, &s.key_a).await;
    assert_eq!(m["objects"].as_array().unwrap().len(), 3);
    assert_eq!(
        m["objects"][0]["media_type"],
        "application/stix+json;version=2.1"
    );
    // match[version]
    let id2 = indicator(2, "x")["id"].as_str().unwrap().to_string();
    let (_, _, v) = get(
        &c,
        &format!("{}?match[id]={id2}&match[version]=all", s.objects_url()),
        &s.key_a,
    )
    .await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 2);
    let (_, _, v) = get(
        &c,
        &format!("{}?match[id]={id2}&match[version]=first", s.objects_url()),
        &s.key_a,
    )
    .await;
    assert_eq!(v["objects"][0]["modified"], "2026-01-01T00:00:00.000Z");
    let (_, _, v) = get(
        &c,
        &format!(
            "{}?match[id]={id2}&match[version]=2026-02-01T00:00:00Z",
            s.objects_url()
        ),
        &s.key_a,
    )
    .await;
    assert_eq!(v["objects"][0]["modified"], "2026-02-01T00:00:00.000Z");
    let (_, _, v) = get(&c, &format!("{}{id2}/versions/", s.objects_url()), &s.key_a).await;
    assert_eq!(
        v["versions"],
        json!(["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"])
    );
    // match[type], match[spec_version], bad filters.
    let (_, _, v) = get(
        &c,
        &format!("{}?match[type]=campaign", s.objects_url()),
        &s.key_a,
    )
    .await;
    assert!(v.get("objects").is_none());
    assert_eq!(v["more"], false);
    let (_, _, v) = get(
        &c,
        &format!("{}?match[spec_version]=2.0", s.objects_url()),
        &s.key_a,
    )
    .await;
    assert!(v.get("objects").is_none());
    for q in [
        "added_after=yesterday",
        "limit=0",
        "next=abc",
        "match[version]=newest",
    ] {
        assert_eq!(
            get(&c, &format!("{}?{q}", s.objects_url()), &s.key_a)
                .await
                .0,
            400,
            "{q}"
        );
    }
    // added_after uses the server's date_added.
    let (_, h, _) = get(
        &c,
        &format!("{}?match[id]={id2}&match[version]=first", s.objects_url()),
        &s.key_a,
    )
    .await;
    let first_added = h["x-taxii-date-added-first"].to_str().unwrap().to_string();
    let (_, _, v) = get(
        &c,
        &format!("{}?added_after={first_added}", s.objects_url()),
        &s.key_a,
    )
    .await;
    let n_after = v["objects"].as_array().unwrap().len();
    assert_eq!(n_after, 3, "{v}"); // object 3 (added just after), the second version of 2, the red one
                                   // Delete: read-only B is refused; A deletes one version, then the object.
    let del = |key: String, url: String| {
        let c = c.clone();
        async move {
            c.delete(url)
                .bearer_auth(key)
                .header("Accept", TAXII)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let obj2 = format!("{}{id2}/", s.objects_url());
    assert_eq!(del(s.key_b.clone(), obj2.clone()).await, 403);
    assert_eq!(
        del(
            s.key_a.clone(),
            format!("{obj2}?match[version]=2026-01-01T00:00:00.000Z")
        )
        .await,
        200
    );
    let (_, _, v) = get(&c, &format!("{obj2}versions/"), &s.key_a).await;
    assert_eq!(v["versions"], json!(["2026-02-01T00:00:00.000Z"]));
    assert_eq!(del(s.key_a.clone(), obj2.clone()).await, 200);
    assert_eq!(get(&c, &obj2, &s.key_a).await.0, 404);
    assert_eq!(del(s.key_a.clone(), obj2.clone()).await, 404);
}

#[tokio::test]
async fn pagination_stays_correct_while_objects_are_added() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("t.db"), TaxiiConfig::default()).await;
    let c = client();
    let initial: Vec<Value> = (0..250)
        .map(|i| indicator(i, "2026-01-01T00:00:00.000Z"))
        .collect();
    for chunk in initial.chunks(100) {
        assert_eq!(
            post(&c, &s.objects_url(), &s.key_a, chunk).await.status(),
            202
        );
    }
    let mut seen: Vec<String> = Vec::new();
    let mut next: Option<String> = None;
    let mut added = 0;
    let mut last_header = String::new();
    loop {
        let url = match &next {
            Some(n) => format!("{}?limit=40&next={n}", s.objects_url()),
            None => format!("{}?limit=40", s.objects_url()),
        };
        let (code, h, v) = get(&c, &url, &s.key_b).await;
        assert_eq!(code, 200);
        if let Some(objs) = v["objects"].as_array() {
            let first = h["x-taxii-date-added-first"].to_str().unwrap().to_string();
            assert!(first > last_header, "date_added must grow across pages");
            last_header = h["x-taxii-date-added-last"].to_str().unwrap().to_string();
            seen.extend(objs.iter().map(|o| o["id"].as_str().unwrap().to_string()));
        }
        // Meanwhile another writer adds objects (new ones and new versions of seen ones).
        if added < 5 {
            let batch: Vec<Value> = (0..10)
                .map(|i| indicator(1000 + added * 10 + i, "2026-01-01T00:00:00.000Z"))
                .collect();
            post(&c, &s.objects_url(), &s.key_a, &batch).await;
            added += 1;
        }
        if v["more"] != true {
            break;
        }
        next = Some(v["next"].as_str().unwrap().to_string());
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no object twice");
    for o in &initial {
        assert!(
            unique.contains(&o["id"].as_str().unwrap().to_string()),
            "no object skipped"
        );
    }
    assert_eq!(
        seen.len(),
        300,
        "objects added during the walk are reached at its end"
    );
}
