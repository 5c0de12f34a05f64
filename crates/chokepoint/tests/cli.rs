//! The binary as a user runs it: exit codes, `--format`, pipes.

use std::process::{Command, Stdio};

fn chokepoint() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chokepoint"));
    c.env_remove("CHOKEPOINT_DB");
    c
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let out = chokepoint().arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = chokepoint()
        .args(["distill", "scan", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Example"));
    let out = chokepoint()
        .args(["distill", "scan", "/nonexistent/traffic.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/traffic.jsonl"));
}

#[test]
fn simulate_traffic_takes_format_parquet_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.bin");
    let l = dir.path().join("l.jsonl");
    let out = chokepoint()
        .args([
            "simulate", "traffic", "--format", "parquet", "--days", "1", "--seed", "3",
        ])
        .arg("--out")
        .arg(&p)
        .arg("--labels")
        .arg(&l)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(&std::fs::read(&p).unwrap()[..4], b"PAR1");

    let j = dir.path().join("t.parquet");
    let out = chokepoint()
        .args([
            "simulate", "traffic", "--format", "jsonl", "--days", "1", "--seed", "3",
        ])
        .arg("--out")
        .arg(&j)
        .arg("--labels")
        .arg(&l)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&j).unwrap()[0],
        b'{',
        "--format jsonl wins over the extension"
    );

    let out = chokepoint()
        .args(["distill", "scan", "--format", "jsonl"])
        .arg(&j)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = chokepoint()
        .args(["--format", "json", "simulate", "traffic", "--days", "1"])
        .arg("--out")
        .arg(dir.path().join("t.jsonl"))
        .arg("--labels")
        .arg(dir.path().join("l.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head -0`
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
