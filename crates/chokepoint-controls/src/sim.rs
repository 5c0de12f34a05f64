//! A shipment-ledger simulator: legitimate trade with its ordinary noise, and one diversion
//! chain through an intermediary hidden in it. Seeded and deterministic; the world (hub,
//! intermediary, number of hops, serial-number handling, payer, declared capacity, volumes)
//! varies with the seed so that a detector cannot be fitted to one ledger.
//!
//! The analyzer ([`crate::analyze`]) does not import this module; the simulator knows the
//! truth, the analyzer must find it from the ledger alone.

use crate::ledger::{Item, Shipment};
use chrono::{Days, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{HashSet, VecDeque};

/// What the simulator hid, for tests and the demo to score a detector against.
#[derive(Debug, Clone, Serialize)]
pub struct SimTruth {
    pub seed: u64,
    /// The intermediaries of the diversion chain, in order.
    pub intermediaries: Vec<String>,
    pub intermediary_countries: Vec<String>,
    /// The final consignees (in D:5 or Macau).
    pub final_consignees: Vec<String>,
    /// Every shipment of the chain (inbound, between intermediaries, onward).
    pub diversion_shipment_ids: Vec<String>,
    /// How the chain handles serial numbers: `preserved`, `relabelled` or `mislabelled`.
    pub serial_mode: String,
    pub payer_mode: String,
    pub capacity_mode: String,
}

/// A simulated ledger and its truth.
#[derive(Debug, Clone)]
pub struct SimLedger {
    pub shipments: Vec<Shipment>,
    pub truth: SimTruth,
}

const ADJ: [&str; 40] = [
    "Summit",
    "Pacific",
    "Northern",
    "Bright",
    "Silver",
    "Blue",
    "Granite",
    "Harbor",
    "Crest",
    "Vertex",
    "Nimbus",
    "Cobalt",
    "Aurora",
    "Meridian",
    "Atlas",
    "Orion",
    "Keystone",
    "Evergreen",
    "Redwood",
    "Falcon",
    "Lumen",
    "Quantum",
    "Stellar",
    "Iron",
    "Coral",
    "Maple",
    "Sapphire",
    "Tidal",
    "Zenith",
    "Polar",
    "Cascade",
    "Beacon",
    "Horizon",
    "Pioneer",
    "Sterling",
    "Sequoia",
    "Lotus",
    "Jade",
    "Phoenix",
    "Monsoon",
];
const NOUN: [&str; 30] = [
    "Compute",
    "Systems",
    "Data",
    "Cloud",
    "Networks",
    "Digital",
    "Analytics",
    "Labs",
    "Logic",
    "Infra",
    "Micro",
    "Dynamics",
    "Robotics",
    "Informatics",
    "Hosting",
    "Solutions",
    "Tech",
    "Semis",
    "Vision",
    "Grid",
    "Silicon",
    "Bioinformatics",
    "Research",
    "Intelligence",
    "Fabric",
    "Cyber",
    "Signal",
    "Vector",
    "Tensor",
    "Foundry",
];
const STREETS: [&str; 16] = [
    "Harbour",
    "Industrial",
    "Science Park",
    "Technology",
    "Enterprise",
    "Data Centre",
    "Innovation",
    "Commerce",
    "Airport",
    "Business Park",
    "Station",
    "Park",
    "Market",
    "River",
    "Ring",
    "Lake",
];
const FORWARDERS: [&str; 9] = [
    "Kestrel Global Logistics",
    "BlueWater Freight",
    "Apex Air Cargo",
    "Transpac Forwarding",
    "Northstar Shipping",
    "Meridian Express Cargo",
    "Orient Link Logistics",
    "Skyway Freight Services",
    "Continental Cargo Partners",
];
const END_USES: [&str; 10] = [
    "AI model training for our own products",
    "cloud GPU instances for enterprise customers",
    "university research computing cluster",
    "autonomous driving perception training",
    "drug discovery molecular simulation",
    "inference serving for our search and ads platform",
    "weather and climate modelling",
    "financial risk analytics",
    "video analytics for retail customers",
    "genomics sequencing pipeline",
];

/// (country, weight, is A:5-ish ally for EU distributor routing, city)
const COUNTRIES: [(&str, u32, &str); 22] = [
    ("US", 30, "San Jose"),
    ("JP", 7, "Tokyo"),
    ("KR", 6, "Seoul"),
    ("DE", 6, "Frankfurt"),
    ("GB", 6, "London"),
    ("FR", 4, "Paris"),
    ("NL", 3, "Amsterdam"),
    ("IN", 5, "Bengaluru"),
    ("SG", 5, "Singapore"),
    ("MY", 3, "Johor Bahru"),
    ("TH", 2, "Bangkok"),
    ("ID", 2, "Jakarta"),
    ("AU", 3, "Sydney"),
    ("CA", 4, "Toronto"),
    ("TW", 4, "Taipei"),
    ("AE", 3, "Abu Dhabi"),
    ("SA", 2, "Riyadh"),
    ("SE", 2, "Stockholm"),
    ("IL", 2, "Tel Aviv"),
    ("VN", 1, "Hanoi"),
    ("CN", 3, "Shanghai"),
    ("ES", 2, "Madrid"),
];

/// Parts the legitimate trade buys: (name, unit price USD, accelerators per unit, controlled
/// in the sense of the simulator's world — used only to avoid licence-required trade to China).
const PARTS: [(&str, f64, u32, bool); 12] = [
    ("DGX-H100", 300_000.0, 8, true),
    ("HGX-H200", 320_000.0, 8, true),
    ("DGX-B200", 450_000.0, 8, true),
    ("H100-SXM", 28_000.0, 1, true),
    ("H100-PCIe", 25_000.0, 1, true),
    ("A100-SXM", 12_000.0, 1, true),
    ("L40S", 9_000.0, 1, true),
    ("MI300X", 15_000.0, 1, true),
    ("L4", 2_500.0, 1, true),
    ("A10", 3_000.0, 1, false),
    ("H20", 12_000.0, 1, false),
    ("HGX-H20", 110_000.0, 8, false),
];
/// Board power of one accelerator of each part (for the customer's declared capacity).
fn tdp(part: &str) -> f64 {
    match part {
        "DGX-H100" | "HGX-H200" | "H100-SXM" => 700.0,
        "DGX-B200" => 1000.0,
        "H100-PCIe" | "L40S" => 350.0,
        "A100-SXM" => 400.0,
        "MI300X" => 750.0,
        "L4" => 72.0,
        "A10" => 150.0,
        "H20" | "HGX-H20" => 400.0,
        "RTX-4090" => 450.0,
        _ => 700.0,
    }
}

fn suffix(cc: &str) -> &'static str {
    match cc {
        "US" | "AE" => "LLC",
        "SG" => "Pte Ltd",
        "MY" => "Sdn Bhd",
        "TH" | "CN" | "VN" => "Co., Ltd.",
        "ID" => "PT",
        "JP" => "K.K.",
        "DE" => "GmbH",
        "NL" => "B.V.",
        "FR" | "ES" => "S.A.",
        "HK" | "GB" | "IN" | "IL" | "KR" | "TW" => "Limited",
        "AU" => "Pty Ltd",
        "SE" => "AB",
        _ => "Ltd",
    }
}

fn city(cc: &str) -> &'static str {
    match cc {
        "HK" => "Hong Kong",
        "MO" => "Macau",
        "CN" => "Shenzhen",
        _ => COUNTRIES
            .iter()
            .find(|c| c.0 == cc)
            .map(|c| c.2)
            .unwrap_or("Capital City"),
    }
}

struct Gen {
    rng: ChaCha8Rng,
    used: HashSet<String>,
    serial: u64,
}

impl Gen {
    fn name(&mut self, cc: &str) -> String {
        loop {
            let a = *ADJ.choose(&mut self.rng).unwrap_or(&"Summit");
            let n = *NOUN.choose(&mut self.rng).unwrap_or(&"Compute");
            let base = if self.rng.random_bool(0.3) {
                let n2 = *NOUN.choose(&mut self.rng).unwrap_or(&"Systems");
                format!("{a} {n} {n2}")
            } else {
                format!("{a} {n}")
            };
            let full = match cc {
                "CN" => format!("{} {base} Technology {}", city(cc), suffix(cc)),
                "HK" => format!("{base} Trading Limited"),
                "ID" => format!("PT {base} Indonesia"),
                _ => format!("{base} {}", suffix(cc)),
            };
            let key = crate::analyze::fold_party(&full);
            if self.used.insert(key) {
                return full;
            }
        }
    }
    fn address(&mut self, cc: &str) -> String {
        let num = self.rng.random_range(1..400);
        let st = *STREETS.choose(&mut self.rng).unwrap_or(&"Harbour");
        let kind = *["Road", "Avenue", "Street", "Drive"]
            .choose(&mut self.rng)
            .unwrap_or(&"Road");
        let post = self.rng.random_range(10000..99999);
        format!("{num} {st} {kind}, {} {post}", city(cc))
    }
    fn serials(&mut self, part: &str, n: u32) -> Vec<String> {
        let prefix: String = part
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(4)
            .collect();
        (0..n)
            .map(|_| {
                self.serial += 1;
                // A bijective scramble keeps serials unique but not sequential.
                let s = (self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 24) % 1_000_000_000_000;
                format!("{}{s:012}", prefix.to_ascii_uppercase())
            })
            .collect()
    }
}

struct Customer {
    name: String,
    cc: String,
    address: String,
    end_use: String,
    forwarder: String,
    payer: Option<(String, String)>,
    supplier: usize,
    parts: Vec<usize>,
    start_day: u64,
    weight: f64,
    /// Declared capacity as a fraction of what its purchases need (stale when < 1).
    headroom: f64,
    residential: bool,
}

fn pick_country(rng: &mut ChaCha8Rng) -> &'static str {
    let total: u32 = COUNTRIES.iter().map(|c| c.1).sum();
    let mut x = rng.random_range(0..total);
    for c in COUNTRIES {
        if x < c.1 {
            return c.0;
        }
        x -= c.1;
    }
    "US"
}

fn licence_needed_in_sim_world(cc: &str) -> bool {
    // The simulator's own knowledge of where legitimate exporters obtain licences; the
    // analyzer takes the same facts from the rules data instead.
    matches!(cc, "AE" | "SA" | "VN" | "CN" | "HK" | "MO" | "QA" | "KW")
}

/// Simulates a ledger of about `lines` shipments (at least 200) with one hidden diversion chain.
pub fn simulate_ledger(seed: u64, lines: usize) -> SimLedger {
    let lines = lines.max(200);
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_1ed6_e700_0000),
        used: HashSet::new(),
        serial: seed.wrapping_mul(1_000_003),
    };
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let span_days: u64 = 730;
    let day = |d: u64| start + Days::new(d.min(span_days - 1));

    // Exporters (US) and distributors.
    let n_exporters = g.rng.random_range(5..10);
    let exporters: Vec<String> = (0..n_exporters).map(|_| g.name("US")).collect();
    let eu_dist = [g.name("NL"), g.name("DE")];
    let sg_dist = g.name("SG");

    // Customers.
    let n_customers = (lines / 40).clamp(60, 4000);
    let mut customers: Vec<Customer> = Vec::with_capacity(n_customers);
    for _ in 0..n_customers {
        let cc = pick_country(&mut g.rng).to_string();
        let name = g.name(&cc);
        let residential = g.rng.random_bool(0.02);
        let address = if residential {
            format!("Apt {}, {}", g.rng.random_range(2..40), g.address(&cc))
        } else {
            g.address(&cc)
        };
        let supplier =
            if ["DE", "FR", "NL", "ES", "SE"].contains(&cc.as_str()) && g.rng.random_bool(0.5) {
                usize::MAX - g.rng.random_range(0..2) // an EU distributor
            } else if ["MY", "TH", "ID"].contains(&cc.as_str()) && g.rng.random_bool(0.5) {
                usize::MAX - 2 // the SG distributor
            } else {
                g.rng.random_range(0..n_exporters)
            };
        let parts: Vec<usize> = if cc == "CN" {
            vec![9, 10, 11] // legitimate trade to China: parts outside 3A090 only
        } else {
            let k = g.rng.random_range(1..4);
            (0..k)
                .map(|_| g.rng.random_range(0..PARTS.len() - 2))
                .collect()
        };
        let r: f64 = g.rng.random();
        let payer = if r < 0.04 {
            // A parent company paying for its subsidiary: shares the first word.
            let first = name
                .split_whitespace()
                .next()
                .unwrap_or("Group")
                .to_string();
            let pcc = *["US", "JP", "GB", "SG"].choose(&mut g.rng).unwrap_or(&"US");
            Some((format!("{first} Holdings {}", suffix(pcc)), pcc.to_string()))
        } else if r < 0.06 {
            // A leasing company in the same country.
            let n = g.name(&cc);
            Some((
                format!(
                    "{} Capital Leasing",
                    n.split_whitespace().next().unwrap_or("First")
                ),
                cc.clone(),
            ))
        } else {
            None
        };
        let start_day = if g.rng.random_bool(0.75) {
            g.rng.random_range(0..45)
        } else {
            g.rng.random_range(45..span_days - 60)
        };
        customers.push(Customer {
            address,
            end_use: END_USES
                .choose(&mut g.rng)
                .unwrap_or(&END_USES[0])
                .to_string(),
            forwarder: FORWARDERS
                .choose(&mut g.rng)
                .unwrap_or(&FORWARDERS[0])
                .to_string(),
            payer,
            supplier,
            parts,
            start_day,
            weight: g.rng.random_range(0.2..3.0f64).powi(2),
            headroom: if g.rng.random_bool(0.05) {
                g.rng.random_range(0.5..0.9)
            } else {
                g.rng.random_range(1.3..3.0)
            },
            residential,
            name,
            cc,
        });
    }

    // The diversion chain's shape, from the seed.
    let hub = *["SG", "MY", "TH", "ID"].choose(&mut g.rng).unwrap_or(&"MY");
    let two_hops = g.rng.random_bool(0.35);
    let hub2 = *["MY", "TH", "VN", "ID"]
        .iter()
        .filter(|h| **h != hub)
        .collect::<Vec<_>>()
        .choose(&mut g.rng)
        .copied()
        .unwrap_or(&"TH");
    let serial_mode = *["preserved", "relabelled", "mislabelled"]
        .choose(&mut g.rng)
        .unwrap_or(&"preserved");
    let payer_mode = *["hk_trading", "other_hub", "self"]
        .choose(&mut g.rng)
        .unwrap_or(&"self");
    let capacity_mode = *["small", "none", "insufficient"]
        .choose(&mut g.rng)
        .unwrap_or(&"small");
    let inter = g.name(hub);
    let inter2 = two_hops.then(|| g.name(hub2));
    let n_final = g.rng.random_range(1..4);
    let finals: Vec<(String, String)> = (0..n_final)
        .map(|_| {
            let c = *["CN", "CN", "HK", "MO"].choose(&mut g.rng).unwrap_or(&"CN");
            (g.name(c), c.to_string())
        })
        .collect();
    let payer_party = match payer_mode {
        "hk_trading" => Some((g.name("HK"), "HK".to_string())),
        "other_hub" => {
            let c = *["AE", "TH", "MY", "SG"]
                .iter()
                .filter(|c| **c != hub)
                .collect::<Vec<_>>()
                .choose(&mut g.rng)
                .copied()
                .unwrap_or(&"AE");
            Some((g.name(c), c.to_string()))
        }
        _ => None,
    };

    let mut out: Vec<Shipment> = Vec::with_capacity(lines + 64);
    let mut diversion_ids: Vec<usize> = Vec::new();
    let mut shipped_to: Vec<Vec<(usize, String, Vec<String>)>> = vec![Vec::new(); n_customers];
    let mut customer_acc: Vec<f64> = vec![0.0; n_customers];
    let mut customer_lines: Vec<Vec<usize>> = vec![Vec::new(); n_customers];

    // Diversion volume: a few dozen lines whatever the ledger size, more on big ledgers.
    let k_in = g.rng.random_range(6..16) + lines / 100_000;
    let legit_budget = lines.saturating_sub(k_in * 3 + 8);

    // Legitimate trade.
    let total_w: f64 = customers.iter().map(|c| c.weight).sum();
    let cum: Vec<f64> = customers
        .iter()
        .scan(0.0, |acc, c| {
            *acc += c.weight / total_w;
            Some(*acc)
        })
        .collect();
    let mut eu_stock: [Vec<(usize, VecDeque<String>)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    // Orders first, then processed in date order (distributors ship from stock they
    // received earlier). Restocking lines come on top: leave them room in the budget.
    let n_orders = legit_budget - legit_budget / 30;
    let mut orders: Vec<(u64, usize)> = (0..n_orders)
        .map(|_| {
            let x: f64 = g.rng.random();
            let ci = cum.partition_point(|&c| c < x).min(n_customers - 1);
            (g.rng.random_range(customers[ci].start_day..span_days), ci)
        })
        .collect();
    orders.sort_unstable();
    for (d, ci) in orders {
        let c = &customers[ci];
        let pi = *c.parts.choose(&mut g.rng).unwrap_or(&0);
        let (part, price, acc_per, _) = PARTS[pi];
        let qty: u32 = if acc_per > 1 {
            1 + (g.rng.random::<f64>().powi(3) * 15.0) as u32
        } else if c.residential {
            g.rng.random_range(1..5)
        } else {
            1 + (g.rng.random::<f64>().powi(3) * 63.0) as u32
        };
        // RMA: now and then a unit comes back and a replacement with the same serial goes out.
        let rma = !shipped_to[ci].is_empty() && g.rng.random_bool(0.003);
        let (pi, part, qty, serials) = if rma {
            let (spi, sp, ss) = shipped_to[ci][g.rng.random_range(0..shipped_to[ci].len())].clone();
            (spi, sp, 1u32, vec![ss[0].clone()])
        } else {
            (pi, part.to_string(), qty, g.serials(part, qty))
        };
        let acc_per = PARTS[pi].2;
        let value = price * qty as f64 * g.rng.random_range(0.9..1.1);
        let dest = c.cc.clone();
        let (exporter, exporter_cc) = if c.supplier >= usize::MAX - 2 {
            let which = usize::MAX - c.supplier;
            let (dname, dcc) = match which {
                0 => (eu_dist[0].clone(), "NL"),
                1 => (eu_dist[1].clone(), "DE"),
                _ => (sg_dist.clone(), "SG"),
            };
            (dname, dcc.to_string())
        } else {
            (exporters[c.supplier].clone(), "US".to_string())
        };
        let mut serials = serials;
        if c.supplier >= usize::MAX - 2 && !rma {
            // Distributor: ship from stock, restocking from a US exporter when short.
            let which = usize::MAX - c.supplier;
            let stock = &mut eu_stock[which];
            let slot = match stock.iter().position(|(p, _)| *p == pi) {
                Some(s) => s,
                None => {
                    stock.push((pi, VecDeque::new()));
                    stock.len() - 1
                }
            };
            if stock[slot].1.len() < qty as usize {
                let lot = qty.max(g.rng.random_range(16..96));
                let lot_serials = g.serials(&part, lot);
                let restock_day = d.saturating_sub(g.rng.random_range(3..20));
                let ex = exporters[g.rng.random_range(0..n_exporters)].clone();
                out.push(Shipment {
                    shipment_id: String::new(),
                    date: day(restock_day),
                    exporter: ex,
                    exporter_country: "US".into(),
                    consignee: exporter.clone(),
                    destination: exporter_cc.clone(),
                    ship_to_address: format!("Warehouse 3, {}", g.address(&exporter_cc)),
                    end_user: String::new(),
                    end_user_country: String::new(),
                    declared_end_use: "stock for distribution to our customers".into(),
                    items: vec![Item {
                        part: part.clone(),
                        quantity: lot,
                        serials: lot_serials.clone(),
                    }],
                    quantity: lot,
                    value_usd: (price * lot as f64 * 0.92).round(),
                    freight_forwarder: FORWARDERS[which % FORWARDERS.len()].to_string(),
                    payer: String::new(),
                    payer_country: String::new(),
                    licence: String::new(),
                    end_user_power_kw: None,
                    end_user_racks: None,
                });
                stock[slot].1.extend(lot_serials);
            }
            serials = (0..qty).filter_map(|_| stock[slot].1.pop_front()).collect();
        }
        let licence = if PARTS[pi].3 && licence_needed_in_sim_world(&dest) {
            format!("D{:06}", g.rng.random_range(100000..999999))
        } else {
            String::new()
        };
        let vague = g.rng.random_bool(0.02);
        let forwarder = if g.rng.random_bool(0.02) {
            FORWARDERS
                .choose(&mut g.rng)
                .unwrap_or(&FORWARDERS[0])
                .to_string()
        } else {
            c.forwarder.clone()
        };
        let idx = out.len();
        customer_lines[ci].push(idx);
        customer_acc[ci] += (qty * acc_per) as f64 * tdp(&part);
        if !rma {
            shipped_to[ci].push((pi, part.clone(), serials.clone()));
        }
        out.push(Shipment {
            shipment_id: String::new(),
            date: day(d),
            exporter,
            exporter_country: exporter_cc,
            consignee: c.name.clone(),
            destination: dest.clone(),
            ship_to_address: c.address.clone(),
            end_user: c.name.clone(),
            end_user_country: dest,
            declared_end_use: if vague {
                ["n/a", "general purpose", "IT equipment"][g.rng.random_range(0..3)].into()
            } else {
                c.end_use.clone()
            },
            items: vec![Item {
                part,
                quantity: qty,
                serials,
            }],
            quantity: qty,
            value_usd: value.round(),
            freight_forwarder: forwarder,
            payer: c.payer.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
            payer_country: c.payer.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
            licence,
            end_user_power_kw: None,
            end_user_racks: None,
        });
    }
    // Declared capacity: what each customer's purchases need (board power × 1.8, the DGX
    // ratio) times its headroom; racks at 40 kW each.
    for (ci, c) in customers.iter().enumerate() {
        let kw = (customer_acc[ci] * 1.8 * c.headroom / 1000.0)
            .ceil()
            .max(20.0);
        let racks = (kw / 40.0).ceil() as u32;
        for &li in &customer_lines[ci] {
            out[li].end_user_power_kw = Some(kw);
            out[li].end_user_racks = Some(racks);
        }
    }

    // The diversion chain.
    let mut t = g.rng.random_range(60..(span_days / 2));
    let n_suppliers = if g.rng.random_bool(0.5) { 1 } else { 2 };
    let suppliers: Vec<String> = exporters
        .choose_multiple(&mut g.rng, n_suppliers)
        .cloned()
        .collect();
    let inter_addr = match g.rng.random_range(0..3) {
        0 => format!(
            "Unit {}-{:02}, {}",
            g.rng.random_range(2..30),
            g.rng.random_range(1..20),
            g.address(hub)
        ),
        1 => city(hub).to_string(),
        _ => g.address(hub),
    };
    let inter_end_use = if g.rng.random_bool(0.5) {
        "cloud computing services for regional customers".to_string()
    } else {
        ["general purpose computing", "IT equipment", "n/a"][g.rng.random_range(0..3)].to_string()
    };
    let inter_kw = match capacity_mode {
        "small" => Some(g.rng.random_range(80.0..400.0f64).round()),
        "insufficient" => Some(g.rng.random_range(800.0..1500.0f64).round()),
        _ => None,
    };
    let fwd = FORWARDERS
        .choose(&mut g.rng)
        .unwrap_or(&FORWARDERS[0])
        .to_string();
    let div_part = *["DGX-H100", "HGX-H200", "DGX-B200", "H100-SXM"]
        .choose(&mut g.rng)
        .unwrap_or(&"DGX-H100");
    let (div_price, div_acc) = PARTS
        .iter()
        .find(|p| p.0 == div_part)
        .map(|p| (p.1, p.2))
        .unwrap_or((300_000.0, 8));
    for k in 0..k_in {
        let qty: u32 = if div_acc > 1 {
            g.rng.random_range(8..40)
        } else {
            g.rng.random_range(64..320)
        };
        let serials = g.serials(div_part, qty);
        let sup = suppliers[k % suppliers.len()].clone();
        diversion_ids.push(out.len());
        out.push(Shipment {
            shipment_id: String::new(),
            date: day(t),
            exporter: sup,
            exporter_country: "US".into(),
            consignee: inter.clone(),
            destination: hub.into(),
            ship_to_address: inter_addr.clone(),
            end_user: inter.clone(),
            end_user_country: hub.into(),
            declared_end_use: inter_end_use.clone(),
            items: vec![Item {
                part: div_part.into(),
                quantity: qty,
                serials: serials.clone(),
            }],
            quantity: qty,
            value_usd: (div_price * qty as f64 * g.rng.random_range(0.95..1.15)).round(),
            freight_forwarder: fwd.clone(),
            payer: payer_party
                .as_ref()
                .map(|p| p.0.clone())
                .unwrap_or_default(),
            payer_country: payer_party
                .as_ref()
                .map(|p| p.1.clone())
                .unwrap_or_default(),
            licence: String::new(),
            end_user_power_kw: inter_kw,
            end_user_racks: inter_kw.map(|kw| (kw / 40.0).ceil() as u32),
        });
        // Onward: through the second intermediary when there is one, then to the final buyers.
        let mut hold_serials = serials;
        let mut holder = (inter.clone(), hub.to_string());
        let mut t2 = t + g.rng.random_range(3..25);
        if let Some(i2) = &inter2 {
            diversion_ids.push(out.len());
            out.push(onward(
                &mut g,
                &holder,
                (i2, hub2),
                day(t2),
                div_part,
                div_price,
                &hold_serials,
                "preserved",
            ));
            holder = (i2.clone(), hub2.to_string());
            t2 += g.rng.random_range(3..20);
        }
        let split = if hold_serials.len() >= 2 && g.rng.random_bool(0.4) {
            2
        } else {
            1
        };
        let chunk = hold_serials.len().div_ceil(split);
        let parts: Vec<Vec<String>> = hold_serials.chunks(chunk).map(|c| c.to_vec()).collect();
        hold_serials.clear();
        for p in parts {
            let (fname, fcc) = finals
                .choose(&mut g.rng)
                .cloned()
                .unwrap_or_else(|| ("Buyer".into(), "CN".into()));
            diversion_ids.push(out.len());
            out.push(onward(
                &mut g,
                &holder,
                (&fname, &fcc),
                day(t2),
                div_part,
                div_price,
                &p,
                serial_mode,
            ));
            t2 += g.rng.random_range(0..5);
        }
        t += g.rng.random_range(5..30);
    }

    // Order by date, then number the shipments.
    let mut idx: Vec<usize> = (0..out.len()).collect();
    idx.sort_by_key(|&i| (out[i].date, i));
    let is_div: HashSet<usize> = diversion_ids.iter().copied().collect();
    let mut shipments = Vec::with_capacity(out.len());
    let mut ids = Vec::new();
    let mut slots: Vec<Option<Shipment>> = out.into_iter().map(Some).collect();
    for (n, &i) in idx.iter().enumerate() {
        let Some(mut s) = slots[i].take() else {
            continue;
        };
        s.shipment_id = format!("SHP-{seed}-{n:07}");
        if is_div.contains(&i) {
            ids.push(s.shipment_id.clone());
        }
        shipments.push(s);
    }
    let mut intermediaries = vec![inter];
    let mut inter_cc = vec![hub.to_string()];
    if let Some(i2) = inter2 {
        intermediaries.push(i2);
        inter_cc.push(hub2.to_string());
    }
    SimLedger {
        shipments,
        truth: SimTruth {
            seed,
            intermediaries,
            intermediary_countries: inter_cc,
            final_consignees: finals.into_iter().map(|f| f.0).collect(),
            diversion_shipment_ids: ids,
            serial_mode: serial_mode.into(),
            payer_mode: payer_mode.into(),
            capacity_mode: capacity_mode.into(),
        },
    }
}

/// One onward leg of the chain, with the serial handling of `mode`.
#[allow(clippy::too_many_arguments)]
fn onward(
    g: &mut Gen,
    from: &(String, String),
    to: (&str, &str),
    date: NaiveDate,
    part: &str,
    price: f64,
    serials: &[String],
    mode: &str,
) -> Shipment {
    let qty = serials.len() as u32;
    let (part_declared, serials_declared) = match mode {
        "relabelled" => (part.to_string(), g.serials("SRV", qty)),
        "mislabelled" => ("HGX-H20".to_string(), serials.to_vec()),
        _ => (part.to_string(), serials.to_vec()),
    };
    Shipment {
        shipment_id: String::new(),
        date,
        exporter: from.0.clone(),
        exporter_country: from.1.clone(),
        consignee: to.0.to_string(),
        destination: to.1.to_string(),
        ship_to_address: g.address(to.1),
        end_user: String::new(),
        end_user_country: String::new(),
        declared_end_use: ["server resale", "IT equipment", "data processing"]
            [g.rng.random_range(0..3)]
        .into(),
        items: vec![Item {
            part: part_declared,
            quantity: qty,
            serials: serials_declared,
        }],
        quantity: qty,
        value_usd: (price * qty as f64 * g.rng.random_range(1.05..1.4)).round(),
        freight_forwarder: FORWARDERS
            .choose(&mut g.rng)
            .unwrap_or(&FORWARDERS[0])
            .to_string(),
        payer: String::new(),
        payer_country: String::new(),
        licence: String::new(),
        end_user_power_kw: None,
        end_user_racks: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied_by_seed() {
        let a = simulate_ledger(3, 1000);
        let b = simulate_ledger(3, 1000);
        assert_eq!(a.shipments, b.shipments);
        let c = simulate_ledger(4, 1000);
        assert_ne!(a.truth.intermediaries, c.truth.intermediaries);
        assert!(
            a.shipments.len() >= 990 && a.shipments.len() <= 1100,
            "{}",
            a.shipments.len()
        );
        assert!(!a.truth.diversion_shipment_ids.is_empty());
        // Dates are in order and ids unique.
        assert!(a.shipments.windows(2).all(|w| w[0].date <= w[1].date));
        let ids: HashSet<&str> = a.shipments.iter().map(|s| s.shipment_id.as_str()).collect();
        assert_eq!(ids.len(), a.shipments.len());
    }
}
