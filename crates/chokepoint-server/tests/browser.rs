//! End to end in a real browser: Debian's headless Chromium driven over WebDriver (a small
//! hand-written client: a handful of JSON-over-HTTP calls to chromedriver). Signs in, scans
//! simulated traffic, opens the top campaign and checks its graph and evidence, exports STIX,
//! opens a chip's map, changes a scenario lever and sees the lead move. A screenshot of each
//! page is written to `$ARTIFACTS_DIR` (default: `<target>/tmp/e2e-screenshots`).
//!
//! Skipped (with a note) when `chromium` or `chromedriver` is not installed, unless
//! `CHOKEPOINT_E2E=1` (as `scripts/tests.d/server.sh` sets), which makes their absence a failure.

use chokepoint_server::Role;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_binary(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/lib/chromium")]) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the browsers it started share one process group: end all of them,
        // also when the test failed before quitting its session.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        use std::os::unix::process::CommandExt;
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1800"]
            }
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_string();
        Driver {
            http,
            base,
            session,
            child,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn try_find(&self, css: &str) -> Option<String> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().map(String::from)
    }

    /// Waits up to `secs` for an element.
    async fn find(&self, css: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            if Instant::now() > deadline {
                let url = self.cmd(reqwest::Method::GET, "/url", None).await;
                let src = self.cmd(reqwest::Method::GET, "/source", None).await;
                eprintln!("page source: {}", src.as_str().unwrap_or_default());
                panic!("no element `{css}` on {url} after {secs}s");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn count(&self, css: &str) -> usize {
        self.cmd(
            reqwest::Method::POST,
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .await
        .as_array()
        .map(|a| a.len())
        .unwrap_or(0)
    }

    async fn click(&self, el: &str) {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn type_into(&self, el: &str, text: &str) {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            Some(json!({})),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn text(&self, el: &str) -> String {
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn screenshot(&self, dir: &Path, name: &str) {
        use base64::Engine;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("screenshot is base64");
        assert!(png.starts_with(b"\x89PNG"), "screenshot {name} is a PNG");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    async fn quit(&self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_walks_through_the_console() {
    let required = std::env::var("CHOKEPOINT_E2E").is_ok_and(|v| v == "1");
    let (Some(chromium), Some(chromedriver)) = (
        find_binary(&["chromium", "chromium-browser", "google-chrome"]),
        find_binary(&["chromedriver"]),
    ) else {
        assert!(
            !required,
            "CHOKEPOINT_E2E=1 but chromium/chromedriver are not installed"
        );
        eprintln!("skipped: chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let shots = std::env::var_os("ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-screenshots"));
    std::fs::create_dir_all(&shots).unwrap();

    // The server on a free port, on a fresh database, with simulated traffic in its data dir.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let traffic = match std::env::var_os("CHOKEPOINT_E2E_TRAFFIC") {
        // scripts/tests.d/server.sh passes `chokepoint simulate traffic --scale small` output.
        Some(p) => {
            let p = PathBuf::from(p);
            std::fs::copy(&p, data.join("traffic.jsonl")).unwrap();
            data.join("traffic.jsonl")
        }
        None => {
            let cfg = chokepoint_sim::traffic::TrafficConfig {
                seed: 5,
                days: 3,
                ..Default::default()
            };
            let mut rec = std::fs::File::create(data.join("traffic.jsonl")).unwrap();
            let mut lab = Vec::new();
            chokepoint_sim::traffic::write_jsonl(
                &cfg,
                &mut rec,
                &mut lab,
                &chokepoint_core::NoProgress,
            )
            .unwrap();
            data.join("traffic.jsonl")
        }
    };
    assert!(traffic.is_file());
    let state = support::state_with_user(
        &dir.path().join("e2e.db"),
        data,
        "analyst",
        "a long enough passphrase",
        Role::Analyst,
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(chokepoint_server::serve(listener, state));

    let d = Driver::start(&chromium, &chromedriver).await;

    // Sign in.
    d.goto(&format!("{base}/scans")).await;
    let user = d.find("#username", 10).await;
    d.screenshot(&shots, "01-sign-in").await;
    d.type_into(&user, "analyst").await;
    let pw = d.find("#password", 5).await;
    d.type_into(&pw, "a long enough passphrase").await;
    let b = d.find("#signin", 5).await;
    d.click(&b).await;

    // Start a scan on the simulated traffic and watch it finish.
    let path = d.find("#scan-path", 10).await;
    d.type_into(&path, "traffic.jsonl").await;
    let b = d.find("#start-scan", 5).await;
    d.click(&b).await;
    let _ = d.find("#progress, #campaigns", 10).await;
    if d.try_find("#progress").await.is_some() {
        d.screenshot(&shots, "02-scan-running").await;
    }
    let _ = d.find("#campaigns", 300).await;
    assert!(
        d.count("#campaigns tbody tr").await >= 1,
        "campaigns listed"
    );
    d.screenshot(&shots, "03-campaigns").await;

    // The top campaign: graph, evidence, timeline.
    let top = d
        .find("#campaigns tbody tr:first-child a.campaign", 5)
        .await;
    d.click(&top).await;
    let _ = d.find("#graph svg", 10).await;
    assert!(d.count("#graph svg g.node").await >= 2, "graph nodes drawn");
    assert!(d.count("#graph svg line").await >= 1, "graph edges drawn");
    assert!(d.count("#evidence li").await >= 1, "evidence listed");
    assert!(d.count("#timeline svg rect").await >= 2, "timeline drawn");
    d.screenshot(&shots, "04-campaign").await;

    // Export to STIX in one click.
    let b = d.find("#export-stix", 5).await;
    d.click(&b).await;
    let n = d.find("#export-count", 15).await;
    let objects: usize = d.text(&n).await.trim().parse().unwrap_or(0);
    assert!(objects >= 5, "a bundle with objects ({objects})");
    d.screenshot(&shots, "05-stix-export").await;

    // A chip's map: the sample chip that claims Kuala Lumpur but answers from further away.
    d.goto(&format!("{base}/chips")).await;
    let _ = d.find("#chips", 10).await;
    d.screenshot(&shots, "06-chips").await;
    let chip = d.find("a.chip[href='/chips/chip-kl-03']", 5).await;
    d.click(&chip).await;
    let _ = d.find("#map svg", 30).await;
    assert!(d.count("#map svg .landmark").await >= 1, "landmarks drawn");
    assert!(
        d.count("#map svg rect").await > 50,
        "country boundaries drawn"
    );
    let verdict = d.find("#verdict", 5).await;
    let verdict = d.text(&verdict).await;
    d.screenshot(&shots, "07-chip-map").await;
    assert!(
        ["VERIFIED", "INCONSISTENT", "UNVERIFIED"].contains(&verdict.as_str()),
        "{verdict}"
    );

    // 2028: change one lever, see the lead move.
    d.goto(&format!("{base}/scenario?preset=inaction")).await;
    let lead = d.find("#lead-months", 30).await;
    let before = d.text(&lead).await;
    d.screenshot(&shots, "08-scenario").await;
    let lever = d.find("#lever-export_control_tightness", 5).await;
    d.type_into(&lever, "0.95").await;
    let run = d.find("#run-scenario", 5).await;
    d.click(&run).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        if let Some(l) = d.try_find("#lead-delta").await {
            let t = d.text(&l).await;
            if t.contains("against preset") {
                let m = d.find("#lead-months", 5).await;
                break d.text(&m).await;
            }
        }
        assert!(Instant::now() < deadline, "the scenario did not rerun");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_ne!(before, after, "the lead moved with the lever");
    d.screenshot(&shots, "09-scenario-lever").await;

    // The other pages render.
    for (page, css, name) in [
        ("/customers", "#customers", "10-customers"),
        (
            "/exports?part=H100-SXM&destination=MY&end_user_hq=CN",
            "#ledger svg",
            "11-exports",
        ),
        ("/intel", "#collections", "12-intel"),
    ] {
        d.goto(&format!("{base}{page}")).await;
        let _ = d.find(css, 15).await;
        d.screenshot(&shots, name).await;
    }
    d.quit().await;
    eprintln!("screenshots in {}", shots.display());
}
