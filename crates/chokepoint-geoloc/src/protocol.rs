//! The landmark ↔ chip-agent protocol over UDP, and the signed measurement a landmark produces.
//!
//! ## Packets (all integers big-endian; both packets are exactly [`PACKET_LEN`] bytes, so an
//! agent answering a spoofed source is no amplifier)
//! ```text
//! probe  (landmark -> agent)                answer (agent -> landmark)
//!   0  4  magic "CPGL"                        0  4  magic "CPGL"
//!   4  1  version = 1                         4  1  version = 1
//!   5  1  type = 1 (probe)                    5  1  type = 2 (answer)
//!   6  2  length = 208                        6  2  length = 208
//!   8 32  nonce (fresh, random)               8 32  nonce (echoed)
//!  40 32  landmark id (UTF-8, zero padded)   40 32  landmark id (echoed)
//!  72  8  sent at, µs since the Unix epoch   72 32  chip id
//!  80 128 zero padding                       104 8  counter (strictly increasing per chip)
//!                                           112 32  chip public key
//!                                           144 64  ed25519 signature
//! ```
//! The signature covers `"chokepoint-geoloc/v1/answer" || nonce || chip id || landmark id ||
//! counter`. The agent refuses probes whose timestamp is more than `max_skew` from its clock
//! (stale) and nonces it has already answered (reused); the landmark refuses answers to nonces
//! it did not send or already consumed, answers after its timeout, bad signatures, counters that
//! do not increase (replays) and, when it knows the chip's registered key, any other key.
//! Every refusal is logged and counted; none stops the process.

use crate::error::GeolocError;
use crate::keys::os_random;
use chokepoint_core::GeoPoint;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const MAGIC: [u8; 4] = *b"CPGL";
pub const VERSION: u8 = 1;
pub const TYPE_PROBE: u8 = 1;
pub const TYPE_ANSWER: u8 = 2;
pub const PACKET_LEN: usize = 208;
pub const ID_LEN: usize = 32;
const ANSWER_DOMAIN: &[u8] = b"chokepoint-geoloc/v1/answer";
const MEASUREMENT_DOMAIN: &[u8] = b"chokepoint-geoloc/v1/measurement";

/// Why a packet was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    #[error("malformed packet: {0}")]
    Malformed(String),
    #[error("stale probe: sent {skew_ms} ms from our clock (limit {limit_ms} ms)")]
    Stale { skew_ms: i64, limit_ms: i64 },
    #[error("reused nonce {0}")]
    ReusedNonce(String),
    #[error("answer to a nonce this landmark did not send or already consumed: {0}")]
    UnknownNonce(String),
    #[error("answer for landmark `{got}`, we are `{want}`")]
    WrongLandmark { got: String, want: String },
    #[error("bad signature from chip `{0}`")]
    BadSignature(String),
    #[error("chip `{chip}` answered with key {got}, registered key is {want}")]
    KeyMismatch {
        chip: String,
        got: String,
        want: String,
    },
    #[error("replayed answer from chip `{chip}`: counter {got} is not above {last}")]
    Replay { chip: String, got: u64, last: u64 },
    #[error("answer from {got}, probe went to {want}")]
    WrongPeer { got: SocketAddr, want: SocketAddr },
}

/// An id of a chip or landmark: 1–32 bytes of `[A-Za-z0-9._:-]`.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > ID_LEN {
        return Err(format!("id `{id}` must be 1 to {ID_LEN} bytes long"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
    {
        return Err(format!(
            "id `{id}` contains `{c}`; use letters, digits, . _ : -"
        ));
    }
    Ok(())
}

fn put_id(buf: &mut [u8], id: &str) {
    buf[..ID_LEN].fill(0);
    buf[..id.len()].copy_from_slice(id.as_bytes());
}

fn get_id(buf: &[u8], what: &str) -> Result<String, Reject> {
    let raw = &buf[..ID_LEN];
    let end = raw.iter().position(|&b| b == 0).unwrap_or(ID_LEN);
    if raw[end..].iter().any(|&b| b != 0) {
        return Err(Reject::Malformed(format!(
            "{what}: bytes after the padding"
        )));
    }
    let s = std::str::from_utf8(&raw[..end])
        .map_err(|_| Reject::Malformed(format!("{what}: not UTF-8")))?;
    check_id(s).map_err(|e| Reject::Malformed(format!("{what}: {e}")))?;
    Ok(s.to_string())
}

fn check_header(p: &[u8], ty: u8) -> Result<(), Reject> {
    if p.len() < 8 {
        return Err(Reject::Malformed(format!(
            "{} bytes, shorter than a header",
            p.len()
        )));
    }
    if p[0..4] != MAGIC {
        return Err(Reject::Malformed("bad magic".into()));
    }
    if p[4] != VERSION {
        return Err(Reject::Malformed(format!("unsupported version {}", p[4])));
    }
    if p[5] != ty {
        return Err(Reject::Malformed(format!(
            "type {} where {ty} was expected",
            p[5]
        )));
    }
    let declared = u16::from_be_bytes([p[6], p[7]]) as usize;
    if declared != PACKET_LEN || p.len() != PACKET_LEN {
        return Err(Reject::Malformed(format!(
            "length field {declared}, datagram {} bytes, expected {PACKET_LEN}",
            p.len()
        )));
    }
    Ok(())
}

fn header(buf: &mut [u8; PACKET_LEN], ty: u8) {
    buf[0..4].copy_from_slice(&MAGIC);
    buf[4] = VERSION;
    buf[5] = ty;
    buf[6..8].copy_from_slice(&(PACKET_LEN as u16).to_be_bytes());
}

/// A landmark's challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub nonce: [u8; 32],
    pub landmark_id: String,
    pub sent_at_us: u64,
}

impl Probe {
    pub fn encode(&self) -> [u8; PACKET_LEN] {
        let mut b = [0u8; PACKET_LEN];
        header(&mut b, TYPE_PROBE);
        b[8..40].copy_from_slice(&self.nonce);
        put_id(&mut b[40..72], &self.landmark_id);
        b[72..80].copy_from_slice(&self.sent_at_us.to_be_bytes());
        b
    }

    pub fn decode(p: &[u8]) -> Result<Probe, Reject> {
        check_header(p, TYPE_PROBE)?;
        if p[80..].iter().any(|&x| x != 0) {
            return Err(Reject::Malformed("non-zero padding".into()));
        }
        let mut nonce = [0u8; 32];
        nonce.copy_from_slice(&p[8..40]);
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&p[72..80]);
        Ok(Probe {
            nonce,
            landmark_id: get_id(&p[40..72], "landmark id")?,
            sent_at_us: u64::from_be_bytes(ts),
        })
    }
}

/// A chip's signed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub nonce: [u8; 32],
    pub landmark_id: String,
    pub chip_id: String,
    pub counter: u64,
    pub chip_key: [u8; 32],
    pub signature: [u8; 64],
}

/// The bytes a chip signs.
pub fn answer_message(nonce: &[u8; 32], chip_id: &str, landmark_id: &str, counter: u64) -> Vec<u8> {
    let mut m = Vec::with_capacity(ANSWER_DOMAIN.len() + 32 + 2 * ID_LEN + 8);
    m.extend_from_slice(ANSWER_DOMAIN);
    m.extend_from_slice(nonce);
    let mut id = [0u8; ID_LEN];
    put_id(&mut id, chip_id);
    m.extend_from_slice(&id);
    put_id(&mut id, landmark_id);
    m.extend_from_slice(&id);
    m.extend_from_slice(&counter.to_be_bytes());
    m
}

impl Answer {
    pub fn encode(&self) -> [u8; PACKET_LEN] {
        let mut b = [0u8; PACKET_LEN];
        header(&mut b, TYPE_ANSWER);
        b[8..40].copy_from_slice(&self.nonce);
        put_id(&mut b[40..72], &self.landmark_id);
        put_id(&mut b[72..104], &self.chip_id);
        b[104..112].copy_from_slice(&self.counter.to_be_bytes());
        b[112..144].copy_from_slice(&self.chip_key);
        b[144..208].copy_from_slice(&self.signature);
        b
    }

    pub fn decode(p: &[u8]) -> Result<Answer, Reject> {
        check_header(p, TYPE_ANSWER)?;
        let mut a = Answer {
            nonce: [0; 32],
            landmark_id: get_id(&p[40..72], "landmark id")?,
            chip_id: get_id(&p[72..104], "chip id")?,
            counter: 0,
            chip_key: [0; 32],
            signature: [0; 64],
        };
        a.nonce.copy_from_slice(&p[8..40]);
        let mut c = [0u8; 8];
        c.copy_from_slice(&p[104..112]);
        a.counter = u64::from_be_bytes(c);
        a.chip_key.copy_from_slice(&p[112..144]);
        a.signature.copy_from_slice(&p[144..208]);
        Ok(a)
    }

    /// Checks the chip's signature with the key the answer carries.
    pub fn verify(&self) -> Result<(), Reject> {
        let bad = || Reject::BadSignature(self.chip_id.clone());
        let key = VerifyingKey::from_bytes(&self.chip_key).map_err(|_| bad())?;
        let sig = Signature::from_bytes(&self.signature);
        key.verify_strict(
            &answer_message(&self.nonce, &self.chip_id, &self.landmark_id, self.counter),
            &sig,
        )
        .map_err(|_| bad())
    }
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// The chip side: answers probes with the chip's signature.
pub struct Agent {
    key: SigningKey,
    chip_id: String,
    counter: u64,
    seen: HashSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
    /// How far a probe's timestamp may be from the agent's clock.
    pub max_skew: Duration,
    /// How many nonces the agent remembers (older ones fall out; they are stale by then when
    /// probes arrive at less than `capacity / max_skew` per second).
    pub nonce_capacity: usize,
}

impl Agent {
    /// An agent for `chip_id`. The counter starts at the current time in microseconds, so it
    /// keeps increasing across restarts without a state file (as long as the clock does not
    /// jump back).
    pub fn new(key: SigningKey, chip_id: &str) -> Result<Agent, String> {
        check_id(chip_id)?;
        Ok(Agent {
            key,
            chip_id: chip_id.to_string(),
            counter: now_us(),
            seen: HashSet::new(),
            order: VecDeque::new(),
            max_skew: Duration::from_secs(30),
            nonce_capacity: 1 << 20,
        })
    }

    /// Answers one datagram received at `now_us`, or says why not.
    pub fn handle(&mut self, packet: &[u8], now_us: u64) -> Result<[u8; PACKET_LEN], Reject> {
        let probe = Probe::decode(packet)?;
        let skew = now_us as i128 - probe.sent_at_us as i128;
        let limit = self.max_skew.as_micros() as i128;
        if skew.abs() > limit {
            return Err(Reject::Stale {
                skew_ms: (skew / 1000).clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                limit_ms: (limit / 1000) as i64,
            });
        }
        if !self.seen.insert(probe.nonce) {
            return Err(Reject::ReusedNonce(hex::encode(&probe.nonce[..8])));
        }
        self.order.push_back(probe.nonce);
        while self.order.len() > self.nonce_capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.counter += 1;
        let msg = answer_message(
            &probe.nonce,
            &self.chip_id,
            &probe.landmark_id,
            self.counter,
        );
        let sig = self.key.sign(&msg);
        Ok(Answer {
            nonce: probe.nonce,
            landmark_id: probe.landmark_id,
            chip_id: self.chip_id.clone(),
            counter: self.counter,
            chip_key: self.key.verifying_key().to_bytes(),
            signature: sig.to_bytes(),
        }
        .encode())
    }
}

/// Counts of what an agent or landmark did.
#[derive(Debug, Default)]
pub struct Counters {
    pub answered: AtomicU64,
    pub rejected: AtomicU64,
}

/// Serves `agent` on `socket` until `stop` is set. Refused packets are logged and counted;
/// nothing a peer sends can end the loop.
pub fn serve_agent(
    socket: &UdpSocket,
    agent: &mut Agent,
    stop: &AtomicBool,
    counters: &Counters,
) -> Result<(), GeolocError> {
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|source| GeolocError::Net {
            what: "agent socket".into(),
            source,
        })?;
    let mut buf = [0u8; 2048];
    while !stop.load(Ordering::Relaxed) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                        | std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                continue
            }
            Err(source) => {
                return Err(GeolocError::Net {
                    what: "agent receive".into(),
                    source,
                })
            }
        };
        match agent.handle(&buf[..n], now_us()) {
            Ok(answer) => {
                if let Err(e) = socket.send_to(&answer, from) {
                    tracing::warn!(%from, "cannot answer: {e}");
                } else {
                    counters.answered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(r) => {
                counters.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%from, "rejected: {r}");
            }
        }
    }
    Ok(())
}

/// A landmark's signed statement: "chip X answered me, with its key, in at least this time".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedMeasurement {
    pub landmark_id: String,
    pub landmark_lat: f64,
    pub landmark_lon: f64,
    pub chip_id: String,
    /// The key the chip signed with (hex).
    pub chip_key: String,
    /// The fastest verified round trip, in ms.
    pub rtt_ms: f64,
    pub probes_sent: u32,
    pub probes_ok: u32,
    /// The fastest probe's nonce, counter and chip signature: the chip's own proof.
    pub nonce: String,
    pub counter: u64,
    pub chip_signature: String,
    /// When the measurement was taken (µs since the Unix epoch).
    pub measured_at_us: u64,
    /// The landmark's signature over all of the above (hex).
    pub signature: String,
}

fn hex_fixed<const N: usize>(s: &str, what: &str) -> Result<[u8; N], String> {
    let mut b = [0u8; N];
    hex::decode_to_slice(s, &mut b).map_err(|e| format!("{what}: {e}"))?;
    Ok(b)
}

impl SignedMeasurement {
    fn message(&self) -> Result<Vec<u8>, String> {
        let mut m = Vec::with_capacity(256);
        m.extend_from_slice(MEASUREMENT_DOMAIN);
        let mut id = [0u8; ID_LEN];
        check_id(&self.landmark_id)?;
        check_id(&self.chip_id)?;
        put_id(&mut id, &self.landmark_id);
        m.extend_from_slice(&id);
        m.extend_from_slice(&self.landmark_lat.to_bits().to_be_bytes());
        m.extend_from_slice(&self.landmark_lon.to_bits().to_be_bytes());
        put_id(&mut id, &self.chip_id);
        m.extend_from_slice(&id);
        m.extend_from_slice(&hex_fixed::<32>(&self.chip_key, "chip_key")?);
        m.extend_from_slice(&self.rtt_ms.to_bits().to_be_bytes());
        m.extend_from_slice(&self.probes_sent.to_be_bytes());
        m.extend_from_slice(&self.probes_ok.to_be_bytes());
        m.extend_from_slice(&hex_fixed::<32>(&self.nonce, "nonce")?);
        m.extend_from_slice(&self.counter.to_be_bytes());
        m.extend_from_slice(&hex_fixed::<64>(&self.chip_signature, "chip_signature")?);
        m.extend_from_slice(&self.measured_at_us.to_be_bytes());
        Ok(m)
    }

    /// Checks the landmark's signature and the chip's signature inside.
    pub fn verify(&self, landmark_key: &VerifyingKey) -> Result<(), String> {
        let sig = Signature::from_bytes(&hex_fixed::<64>(&self.signature, "signature")?);
        landmark_key
            .verify_strict(&self.message()?, &sig)
            .map_err(|_| format!("landmark `{}` signature does not verify", self.landmark_id))?;
        let answer = Answer {
            nonce: hex_fixed(&self.nonce, "nonce")?,
            landmark_id: self.landmark_id.clone(),
            chip_id: self.chip_id.clone(),
            counter: self.counter,
            chip_key: hex_fixed(&self.chip_key, "chip_key")?,
            signature: hex_fixed(&self.chip_signature, "chip_signature")?,
        };
        answer.verify().map_err(|e| e.to_string())
    }
}

/// The landmark side: times signed answers and signs the result.
pub struct Landmark {
    key: SigningKey,
    id: String,
    position: GeoPoint,
    /// How long to wait for each answer.
    pub timeout: Duration,
    last_counter: HashMap<String, u64>,
    /// Rejections seen, by kind, for the report.
    pub rejected: Vec<Reject>,
}

/// Looks up a chip's registered public key (None: unknown chip, accept the key it shows).
pub type KeyLookup<'a> = &'a dyn Fn(&str) -> Option<[u8; 32]>;

impl Landmark {
    pub fn new(key: SigningKey, id: &str, position: GeoPoint) -> Result<Landmark, String> {
        check_id(id)?;
        Ok(Landmark {
            key,
            id: id.to_string(),
            position,
            timeout: Duration::from_millis(1000),
            last_counter: HashMap::new(),
            rejected: Vec::new(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seeds the replay check with the last counter already recorded for a chip.
    pub fn remember_counter(&mut self, chip_id: &str, counter: u64) {
        let c = self.last_counter.entry(chip_id.to_string()).or_insert(0);
        *c = (*c).max(counter);
    }

    fn reject(&mut self, r: Reject) {
        tracing::warn!(landmark = %self.id, "rejected: {r}");
        self.rejected.push(r);
    }

    /// Sends `probes` probes to `target` one after another, verifies each answer, keeps the
    /// fastest and signs the measurement. Fails when no probe got a valid answer.
    pub fn measure(
        &mut self,
        socket: &UdpSocket,
        target: SocketAddr,
        probes: u32,
        known_key: KeyLookup<'_>,
    ) -> Result<SignedMeasurement, GeolocError> {
        let mut consumed: HashSet<[u8; 32]> = HashSet::new();
        let mut best: Option<(Duration, Answer)> = None;
        let mut chip: Option<(String, [u8; 32])> = None;
        let mut buf = [0u8; 2048];
        let net = |what: &str| {
            let what = what.to_string();
            move |source| GeolocError::Net { what, source }
        };
        for _ in 0..probes {
            let mut nonce = [0u8; 32];
            os_random(&mut nonce)?;
            let probe = Probe {
                nonce,
                landmark_id: self.id.clone(),
                sent_at_us: now_us(),
            };
            let packet = probe.encode();
            let start = Instant::now();
            socket
                .send_to(&packet, target)
                .map_err(net(&format!("probe to {target}")))?;
            let deadline = start + self.timeout;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    tracing::info!(%target, "probe timed out");
                    break;
                }
                socket
                    .set_read_timeout(Some(left))
                    .map_err(net("landmark socket"))?;
                let (n, from) = match socket.recv_from(&mut buf) {
                    Ok(x) => x,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        continue
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::ConnectionRefused
                                | std::io::ErrorKind::Interrupted
                                | std::io::ErrorKind::ConnectionReset
                        ) =>
                    {
                        continue
                    }
                    Err(e) => return Err(net(&format!("receive from {target}"))(e)),
                };
                let rtt = start.elapsed();
                if from != target {
                    self.reject(Reject::WrongPeer {
                        got: from,
                        want: target,
                    });
                    continue;
                }
                let answer = match Answer::decode(&buf[..n]) {
                    Ok(a) => a,
                    Err(r) => {
                        self.reject(r);
                        continue;
                    }
                };
                if answer.nonce != nonce {
                    let short = hex::encode(&answer.nonce[..8]);
                    self.reject(if consumed.contains(&answer.nonce) {
                        Reject::ReusedNonce(short)
                    } else {
                        Reject::UnknownNonce(short)
                    });
                    continue;
                }
                if answer.landmark_id != self.id {
                    self.reject(Reject::WrongLandmark {
                        got: answer.landmark_id.clone(),
                        want: self.id.clone(),
                    });
                    continue;
                }
                if let Err(r) = answer.verify() {
                    self.reject(r);
                    continue;
                }
                if let Some(want) = known_key(&answer.chip_id) {
                    if want != answer.chip_key {
                        let r = Reject::KeyMismatch {
                            chip: answer.chip_id.clone(),
                            got: hex::encode(answer.chip_key),
                            want: hex::encode(want),
                        };
                        self.reject(r.clone());
                        return Err(GeolocError::Rejected(r.to_string()));
                    }
                }
                if let Some((c, k)) = &chip {
                    if *c != answer.chip_id || *k != answer.chip_key {
                        self.reject(Reject::Malformed(format!(
                            "{target} answered as chip `{}` after answering as `{c}`",
                            answer.chip_id
                        )));
                        continue;
                    }
                }
                let last = self.last_counter.get(&answer.chip_id).copied().unwrap_or(0);
                if answer.counter <= last {
                    self.reject(Reject::Replay {
                        chip: answer.chip_id.clone(),
                        got: answer.counter,
                        last,
                    });
                    continue;
                }
                self.last_counter
                    .insert(answer.chip_id.clone(), answer.counter);
                consumed.insert(nonce);
                chip.get_or_insert((answer.chip_id.clone(), answer.chip_key));
                if best.as_ref().is_none_or(|(b, _)| rtt < *b) {
                    best = Some((rtt, answer));
                }
                break;
            }
        }
        let ok = consumed.len() as u32;
        let Some((rtt, answer)) = best else {
            return Err(GeolocError::Rejected(format!(
                "no valid answer from {target} to {probes} probes"
            )));
        };
        let mut m = SignedMeasurement {
            landmark_id: self.id.clone(),
            landmark_lat: self.position.lat,
            landmark_lon: self.position.lon,
            chip_id: answer.chip_id.clone(),
            chip_key: hex::encode(answer.chip_key),
            rtt_ms: rtt.as_secs_f64() * 1000.0,
            probes_sent: probes,
            probes_ok: ok,
            nonce: hex::encode(answer.nonce),
            counter: answer.counter,
            chip_signature: hex::encode(answer.signature),
            measured_at_us: now_us(),
            signature: String::new(),
        };
        // The message is built from fields this function just set from checked values.
        let msg = m
            .message()
            .map_err(|e| GeolocError::Rejected(e.to_string()))?;
        m.signature = hex::encode(self.key.sign(&msg).to_bytes());
        Ok(m)
    }
}

/// A running background agent: its address, the flag that stops it, its counters, its thread.
pub type SpawnedAgent = (
    SocketAddr,
    Arc<AtomicBool>,
    Arc<Counters>,
    std::thread::JoinHandle<()>,
);

/// Runs an agent on a background thread (for tests and benchmarks).
pub fn spawn_agent(bind: SocketAddr, mut agent: Agent) -> Result<SpawnedAgent, GeolocError> {
    let socket = UdpSocket::bind(bind).map_err(|source| GeolocError::Net {
        what: format!("bind {bind}"),
        source,
    })?;
    let addr = socket.local_addr().map_err(|source| GeolocError::Net {
        what: "local address".into(),
        source,
    })?;
    let stop = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(Counters::default());
    let (s2, c2) = (stop.clone(), counters.clone());
    let handle = std::thread::spawn(move || {
        if let Err(e) = serve_agent(&socket, &mut agent, &s2, &c2) {
            tracing::error!("agent stopped: {e}");
        }
    });
    Ok((addr, stop, counters, handle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate;

    fn agent() -> Agent {
        Agent::new(generate().unwrap(), "chip-1").unwrap()
    }

    fn probe(nonce: u8, at: u64) -> [u8; PACKET_LEN] {
        Probe {
            nonce: [nonce; 32],
            landmark_id: "lm-1".into(),
            sent_at_us: at,
        }
        .encode()
    }

    #[test]
    fn answers_verify_and_counters_increase() {
        let mut a = agent();
        let now = now_us();
        let r1 = Answer::decode(&a.handle(&probe(1, now), now).unwrap()).unwrap();
        let r2 = Answer::decode(&a.handle(&probe(2, now), now).unwrap()).unwrap();
        r1.verify().unwrap();
        r2.verify().unwrap();
        assert!(r2.counter > r1.counter);
        assert_eq!(r1.landmark_id, "lm-1");
        let mut forged = r1.clone();
        forged.counter += 10;
        assert!(matches!(forged.verify(), Err(Reject::BadSignature(_))));
        let mut other_key = r1.clone();
        other_key.chip_key = generate().unwrap().verifying_key().to_bytes();
        assert!(other_key.verify().is_err());
    }

    #[test]
    fn agent_rejects_stale_reused_and_malformed() {
        let mut a = agent();
        let now = now_us();
        assert!(matches!(
            a.handle(&probe(1, now - 60_000_000), now),
            Err(Reject::Stale { .. })
        ));
        a.handle(&probe(2, now), now).unwrap();
        assert!(matches!(
            a.handle(&probe(2, now), now),
            Err(Reject::ReusedNonce(_))
        ));
        let good = probe(3, now);
        for bad in [
            &good[..7],
            &good[..100],
            &[0u8; PACKET_LEN][..],
            &[good.as_slice(), &[0u8]].concat()[..],
        ] {
            assert!(matches!(a.handle(bad, now), Err(Reject::Malformed(_))));
        }
        let mut v = good;
        v[4] = 9;
        assert!(matches!(a.handle(&v, now), Err(Reject::Malformed(m)) if m.contains("version")));
        let mut l = good;
        l[7] = 100;
        assert!(matches!(a.handle(&l, now), Err(Reject::Malformed(m)) if m.contains("length")));
        let mut id = good;
        id[40] = b'/';
        assert!(a.handle(&id, now).is_err());
        let mut pad = good;
        pad[200] = 1;
        assert!(a.handle(&pad, now).is_err());
    }

    #[test]
    fn no_panic_on_random_bytes() {
        let mut a = agent();
        let mut seed = [0u8; PACKET_LEN];
        for i in 0..2000u32 {
            os_random(&mut seed).unwrap();
            let mut p = seed;
            if i % 2 == 0 {
                p[..8].copy_from_slice(&probe(0, 0)[..8]);
            }
            let len = (i as usize * 7) % (PACKET_LEN + 1);
            let _ = a.handle(&p[..len], now_us());
            let _ = Answer::decode(&p[..len]);
        }
    }

    #[test]
    fn loopback_measurement_is_signed_and_verifiable() {
        let chip_key = generate().unwrap();
        let chip_pub = chip_key.verifying_key().to_bytes();
        let (addr, stop, counters, h) = spawn_agent(
            "127.0.0.1:0".parse().unwrap(),
            Agent::new(chip_key, "chip-9").unwrap(),
        )
        .unwrap();
        let lm_key = generate().unwrap();
        let lm_pub = lm_key.verifying_key();
        let mut lm = Landmark::new(lm_key, "lm-a", GeoPoint { lat: 1.0, lon: 2.0 }).unwrap();
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let m = lm.measure(&sock, addr, 5, &|_| Some(chip_pub)).unwrap();
        assert_eq!(m.chip_id, "chip-9");
        assert_eq!(m.probes_ok, 5);
        assert!(m.rtt_ms > 0.0 && m.rtt_ms < 1000.0);
        m.verify(&lm_pub).unwrap();
        let mut tampered = m.clone();
        tampered.rtt_ms /= 2.0;
        assert!(
            tampered.verify(&lm_pub).is_err(),
            "a smaller RTT cannot be forged"
        );
        // Wrong registered key: refused as a key mismatch.
        let other = generate().unwrap().verifying_key().to_bytes();
        let e = lm.measure(&sock, addr, 2, &|_| Some(other)).unwrap_err();
        assert!(e.to_string().contains("registered key"), "{e}");
        // A replayed answer (old counter) is refused.
        lm.remember_counter("chip-9", u64::MAX);
        assert!(lm.measure(&sock, addr, 2, &|_| None).is_err());
        assert!(lm
            .rejected
            .iter()
            .any(|r| matches!(r, Reject::Replay { .. })));
        stop.store(true, Ordering::Relaxed);
        h.join().unwrap();
        assert!(counters.answered.load(Ordering::Relaxed) >= 8);
    }
}
