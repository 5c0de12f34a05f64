//! Drawings rendered on the server as inline SVG (no JavaScript library): graphs laid out by a
//! deterministic force-directed layout, timelines and bar charts.

use crate::scans::AccountDigest;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escapes text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Circle,
    Square,
    Box,
}

/// A node of a drawn graph.
#[derive(Debug, Clone)]
pub struct Node {
    pub label: String,
    /// Tooltip.
    pub title: String,
    pub shape: Shape,
    pub fill: &'static str,
    pub stroke: &'static str,
    pub radius: f64,
}

/// An edge of a drawn graph.
#[derive(Debug, Clone)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    pub colour: &'static str,
    pub width: f64,
    pub label: Option<String>,
    pub directed: bool,
    pub dashed: bool,
}

/// Fruchterman-Reingold layout, deterministic (start on a circle, fixed cooling), in a
/// `w` × `h` box with a margin. O(n² · iterations): callers cap n at a few hundred.
pub fn force_layout(n: usize, edges: &[(usize, usize)], w: f64, h: f64) -> Vec<(f64, f64)> {
    force_layout_with_margin(n, edges, w, h, 40.0)
}

/// [`force_layout`] keeping `margin` pixels free on the left and right (wide labelled boxes).
pub fn force_layout_with_margin(
    n: usize,
    edges: &[(usize, usize)],
    w: f64,
    h: f64,
    margin_x: f64,
) -> Vec<(f64, f64)> {
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![(w / 2.0, h / 2.0)];
    }
    let area = w * h;
    let k = (area / n as f64).sqrt();
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            // A slight spiral breaks the symmetry of a perfect circle.
            let r = 0.35 + 0.1 * ((i * 7919) % 13) as f64 / 13.0;
            (w / 2.0 + r * w * a.cos(), h / 2.0 + r * h * a.sin())
        })
        .collect();
    let iterations = 200;
    let mut t = w.max(h) / 8.0;
    let cool = t / iterations as f64;
    let mut disp = vec![(0.0f64, 0.0f64); n];
    for _ in 0..iterations {
        for d in disp.iter_mut() {
            *d = (0.0, 0.0);
        }
        for i in 0..n {
            for j in (i + 1)..n {
                let dx = pos[i].0 - pos[j].0;
                let dy = pos[i].1 - pos[j].1;
                let d2 = (dx * dx + dy * dy).max(0.01);
                let f = k * k / d2;
                disp[i].0 += dx * f;
                disp[i].1 += dy * f;
                disp[j].0 -= dx * f;
                disp[j].1 -= dy * f;
            }
        }
        for &(a, b) in edges {
            if a >= n || b >= n || a == b {
                continue;
            }
            let dx = pos[a].0 - pos[b].0;
            let dy = pos[a].1 - pos[b].1;
            let d = (dx * dx + dy * dy).sqrt().max(0.1);
            let f = d / k;
            disp[a].0 -= dx * f;
            disp[a].1 -= dy * f;
            disp[b].0 += dx * f;
            disp[b].1 += dy * f;
        }
        // A weak pull to the centre keeps disconnected parts on the canvas.
        for i in 0..n {
            disp[i].0 += (w / 2.0 - pos[i].0) * 0.05 * k / 10.0;
            disp[i].1 += (h / 2.0 - pos[i].1) * 0.05 * k / 10.0;
            let (dx, dy) = disp[i];
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let step = len.min(t);
            pos[i].0 += dx / len * step;
            pos[i].1 += dy / len * step;
        }
        t = (t - cool).max(0.5);
    }
    // Fit into the box with a margin.
    let margin = 40.0;
    let margin_x = margin_x.clamp(margin, w / 3.0);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pos {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    let sx = (w - 2.0 * margin_x) / (x1 - x0).max(1e-9);
    let sy = (h - 2.0 * margin) / (y1 - y0).max(1e-9);
    pos.iter()
        .map(|p| {
            (
                margin_x + (p.0 - x0) * sx.min(1e6),
                margin + (p.1 - y0) * sy.min(1e6),
            )
        })
        .collect()
}

/// Draws a graph with the given layout box; `legend` is (colour, text) pairs.
pub fn draw_graph(
    nodes: &[Node],
    edges: &[Edge],
    w: f64,
    h: f64,
    legend: &[(&str, &str)],
    aria: &str,
) -> String {
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.a, e.b)).collect();
    let widest = nodes
        .iter()
        .filter(|n| n.shape == Shape::Box)
        .map(|n| n.label.chars().count() as f64 * 3.1 + 10.0)
        .fold(0.0, f64::max);
    let pos = force_layout_with_margin(nodes.len(), &pairs, w, h, widest.max(40.0));
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}" class="graph"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs><rect width="100%" height="100%" fill="#fcfcfd"/>"##,
        esc(aria)
    );
    for e in edges {
        let (Some(a), Some(b)) = (pos.get(e.a), pos.get(e.b)) else {
            continue;
        };
        // Stop arrows at the target's rim.
        let (mut bx, mut by) = *b;
        if e.directed {
            let r = nodes[e.b].radius + 4.0;
            let dx = b.0 - a.0;
            let dy = b.1 - a.1;
            let d = (dx * dx + dy * dy).sqrt().max(1e-9);
            bx -= dx / d * r;
            by -= dy / d * r;
        }
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{:.1}"{}{}/>"#,
            a.0,
            a.1,
            bx,
            by,
            e.colour,
            e.width,
            if e.dashed {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            },
            if e.directed {
                r#" marker-end="url(#arrow)""#
            } else {
                ""
            }
        );
        if let Some(l) = &e.label {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#444" text-anchor="middle">{}</text>"##,
                (a.0 + b.0) / 2.0,
                (a.1 + b.1) / 2.0 - 3.0,
                esc(l)
            );
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        let (x, y) = pos[i];
        let _ = write!(s, "<g class=\"node\"><title>{}</title>", esc(&n.title));
        match n.shape {
            Shape::Circle => {
                let _ = write!(
                    s,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="{}" stroke="{}" stroke-width="1.5"/>"#,
                    n.radius, n.fill, n.stroke
                );
            }
            Shape::Square => {
                let r = n.radius;
                let _ = write!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" stroke="{}" stroke-width="1.5" transform="rotate(45 {x:.1} {y:.1})"/>"#,
                    x - r,
                    y - r,
                    2.0 * r,
                    2.0 * r,
                    n.fill,
                    n.stroke
                );
            }
            Shape::Box => {
                let wbox = (n.label.chars().count() as f64 * 6.2 + 12.0).max(30.0);
                let _ = write!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{wbox:.1}" height="22" rx="4" fill="{}" stroke="{}" stroke-width="1.5"/>"#,
                    x - wbox / 2.0,
                    y - 11.0,
                    n.fill,
                    n.stroke
                );
            }
        }
        if !n.label.is_empty() {
            let (dy, anchor) = if n.shape == Shape::Box {
                (4.0, "middle")
            } else {
                (n.radius + 11.0, "middle")
            };
            let _ = write!(
                s,
                r##"<text x="{x:.1}" y="{:.1}" font-size="10.5" fill="#222" text-anchor="{anchor}">{}</text>"##,
                y + dy,
                esc(&n.label)
            );
        }
        s.push_str("</g>");
    }
    for (i, (colour, text)) in legend.iter().enumerate() {
        let y = 16.0 + i as f64 * 16.0;
        let _ = write!(
            s,
            r##"<rect x="8" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="24" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
            y - 9.0,
            y,
            esc(text)
        );
    }
    s.push_str("</svg>");
    s
}

const ACCOUNT_FLAGGED: &str = "#d62728";
const ACCOUNT_OTHER: &str = "#9aa4b1";
const KIND_COLOURS: [(&str, &str); 3] = [
    ("payment", "#ff7f0e"),
    ("ip", "#1f77b4"),
    ("subnet", "#2ca02c"),
];

/// The graph of a campaign: its busiest accounts (circles, red when flagged) joined through the
/// values they share (diamonds: payment fingerprints, IPs, /24 or /48 subnets). A value seen by
/// only one drawn account links nothing and is left out.
pub fn campaign_graph(accounts: &[AccountDigest], max_accounts: usize) -> String {
    let drawn = &accounts[..accounts.len().min(max_accounts)];
    // Labels only where they stay readable; every node keeps its tooltip.
    let label_accounts = drawn.len() <= 24;
    let mut nodes: Vec<Node> = drawn
        .iter()
        .map(|a| Node {
            label: if label_accounts {
                short(&a.account_id, 14)
            } else {
                String::new()
            },
            title: format!(
                "{}: {} requests{}",
                a.account_id,
                a.records,
                a.score
                    .map(|s| format!(", score {s:.2}"))
                    .unwrap_or_default()
            ),
            shape: Shape::Circle,
            fill: if a.flagged {
                ACCOUNT_FLAGGED
            } else {
                ACCOUNT_OTHER
            },
            stroke: "#333",
            radius: 4.0 + (a.records.max(1) as f64).log10() * 1.5,
        })
        .collect();
    let mut edges = Vec::new();
    // (kind, value) -> accounts holding it
    let mut shared: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for (i, a) in drawn.iter().enumerate() {
        for (k, values) in [&a.payments, &a.ips, &a.subnets].into_iter().enumerate() {
            for v in values {
                shared.entry((k, v.as_str())).or_default().push(i);
            }
        }
    }
    let mut attrs: Vec<((usize, &str), Vec<usize>)> =
        shared.into_iter().filter(|(_, v)| v.len() >= 2).collect();
    attrs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    // A subnet that only repeats an IP's accounts adds no information: keep the IP.
    attrs.truncate(48);
    let busiest = attrs.first().map(|a| a.1.len()).unwrap_or(0);
    for (rank, ((k, value), members)) in attrs.iter().enumerate() {
        let idx = nodes.len();
        let (kind, colour) = KIND_COLOURS[*k];
        let labelled = rank < 12 || members.len() * 4 >= busiest;
        nodes.push(Node {
            label: if labelled {
                short(value, 16)
            } else {
                String::new()
            },
            title: format!("{kind} {value}: shared by {} accounts", members.len()),
            shape: Shape::Square,
            fill: colour,
            stroke: "#333",
            radius: 5.0,
        });
        for &m in members {
            edges.push(Edge {
                a: m,
                b: idx,
                colour,
                width: 1.2,
                label: None,
                directed: false,
                dashed: false,
            });
        }
    }
    let n = nodes.len();
    let size = if n > 60 { 1100.0 } else { 800.0 };
    let title = format!(
        "{} accounts drawn of {}, linked by {} shared values",
        drawn.len(),
        accounts.len(),
        attrs.len()
    );
    draw_graph(
        &nodes,
        &edges,
        size,
        size * 0.6,
        &[
            (ACCOUNT_FLAGGED, "flagged account"),
            (ACCOUNT_OTHER, "account"),
            ("#ff7f0e", "payment fingerprint"),
            ("#1f77b4", "IP address"),
            ("#2ca02c", "subnet"),
        ],
        &title,
    )
}

/// The campaign's traffic over time: each account's thinned time sample, weighted by its
/// request count, binned into up to 60 bars between its first and last request.
pub fn timeline(accounts: &[AccountDigest], first_seen: &str, last_seen: &str) -> String {
    let mut points: Vec<(i64, f64)> = Vec::new();
    for a in accounts {
        if a.times.is_empty() {
            continue;
        }
        let w = a.records as f64 / a.times.len() as f64;
        points.extend(a.times.iter().map(|&t| (t, w)));
    }
    let parse = |s: &str| {
        chokepoint_core::parse_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis())
    };
    let (t0, t1) = match (
        points.iter().map(|p| p.0).min(),
        points.iter().map(|p| p.0).max(),
    ) {
        (Some(a), Some(b)) => (a, b),
        _ => match (parse(first_seen), parse(last_seen)) {
            (Some(a), Some(b)) => (a, b),
            _ => return String::from(r#"<p class="muted">no traffic times recorded</p>"#),
        },
    };
    let (w, h, left, bottom) = (760.0, 180.0, 50.0, 28.0);
    let bins = 60usize;
    let span = (t1 - t0).max(1) as f64;
    let mut counts = vec![0.0f64; bins];
    for (t, wgt) in &points {
        let i = (((*t - t0) as f64 / span) * bins as f64) as usize;
        counts[i.min(bins - 1)] += wgt;
    }
    let max = counts.iter().cloned().fold(0.0, f64::max).max(1.0);
    let bw = (w - left - 10.0) / bins as f64;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="traffic timeline" class="timeline"><rect width="100%" height="100%" fill="#fcfcfd"/>"##
    );
    for (i, c) in counts.iter().enumerate() {
        let bh = c / max * (h - bottom - 14.0);
        let x = left + i as f64 * bw;
        let t_bin = t0 + (span * i as f64 / bins as f64) as i64;
        let label = chrono::DateTime::from_timestamp_millis(t_bin)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#d62728" opacity="0.8"><title>{label}: ~{c:.0} requests</title></rect>"##,
            h - bottom - bh,
            (bw - 1.0).max(0.5)
        );
    }
    let fmt = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" stroke="#555"/><text x="{left}" y="{ty}" font-size="11">{a}</text><text x="{x2}" y="{ty}" font-size="11" text-anchor="end">{b}</text><text x="4" y="14" font-size="11" fill="#555">~{max:.0} req/bin</text></svg>"##,
        y = h - bottom,
        x2 = w - 10.0,
        ty = h - 8.0,
        a = fmt(t0),
        b = fmt(t1)
    );
    s
}

/// Horizontal bars of shares (e.g. a campaign's capability mix), largest first.
pub fn share_bars(shares: &BTreeMap<String, f64>) -> String {
    let mut v: Vec<(&String, &f64)> = shares.iter().filter(|(_, x)| x.is_finite()).collect();
    v.sort_by(|a, b| b.1.total_cmp(a.1));
    let h = 22.0 * v.len() as f64 + 6.0;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 420 {h}" width="420" height="{h}" role="img" aria-label="capability mix" class="bars">"#
    );
    for (i, (k, x)) in v.iter().enumerate() {
        let y = 4.0 + i as f64 * 22.0;
        let bw = (**x).clamp(0.0, 1.0) * 260.0;
        let _ = write!(
            s,
            r##"<text x="0" y="{:.1}" font-size="12">{}</text><rect x="100" y="{y:.1}" width="{bw:.1}" height="16" fill="#1f77b4"/><text x="{:.1}" y="{:.1}" font-size="12">{:.0}%</text>"##,
            y + 12.0,
            esc(k),
            106.0 + bw,
            y + 12.0,
            **x * 100.0
        );
    }
    s.push_str("</svg>");
    s
}

/// A colour per key, stable across pages (a hash into a pastel palette).
pub fn colour_of(key: &str) -> String {
    let h = blake3::hash(key.as_bytes());
    let b = h.as_bytes();
    let hue = (u16::from(b[0]) << 8 | u16::from(b[1])) % 360;
    format!("hsl({hue},45%,78%)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, pay: &str, ip: &str, flagged: bool) -> AccountDigest {
        AccountDigest {
            account_id: id.into(),
            records: 100,
            first_ms: 0,
            last_ms: 3_600_000,
            score: Some(0.9),
            flagged,
            reasons: vec![],
            payments: vec![pay.into()],
            ips: vec![ip.into()],
            subnets: vec![],
            user_agents: vec![],
            countries: vec![],
            tiers: vec![],
            times: vec![0, 1_800_000, 3_600_000],
        }
    }

    #[test]
    fn graph_links_shared_values_only() {
        let a = vec![
            acct("a-1", "pf-1", "10.0.0.1", true),
            acct("a-2", "pf-1", "10.0.0.2", true),
            acct("a-3", "pf-9", "10.0.0.3", false),
        ];
        let svg = campaign_graph(&a, 80);
        assert!(svg.contains("payment pf-1: shared by 2 accounts"));
        assert!(
            !svg.contains("pf-9"),
            "a value of one account links nothing"
        );
        assert_eq!(svg.matches("<line").count(), 2);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn text_is_escaped() {
        let a = vec![
            acct("<script>", "pf&1", "x", true),
            acct("b", "pf&1", "y", true),
        ];
        let svg = campaign_graph(&a, 80);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("pf&amp;1"));
    }

    #[test]
    fn layout_stays_in_the_box_and_is_deterministic() {
        let edges: Vec<(usize, usize)> = (0..30).map(|i| (i, (i * 7 + 3) % 40)).collect();
        let a = force_layout(40, &edges, 500.0, 300.0);
        let b = force_layout(40, &edges, 500.0, 300.0);
        assert_eq!(a, b);
        assert!(a
            .iter()
            .all(|p| p.0 >= 0.0 && p.0 <= 500.0 && p.1 >= 0.0 && p.1 <= 300.0));
    }

    #[test]
    fn timeline_weights_by_records() {
        let a = vec![acct("a", "p", "i", true)];
        let svg = timeline(&a, "", "");
        assert!(svg.contains("req/bin"));
        assert!(svg.contains("<rect"));
    }
}
