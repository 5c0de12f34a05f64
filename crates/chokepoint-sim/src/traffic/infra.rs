//! Network and client infrastructure: autonomous systems with their real address blocks, the
//! client user agents seen at an API edge, sign-up e-mail domains, countries and time zones.
//!
//! Address blocks are taken from the public allocations of each AS (a few blocks each, not
//! exhaustive); addresses are drawn inside them so that /24 and /48 subnets behave as they do
//! in real logs. Every user agent here is one that legitimate populations send too: no client
//! string is reserved for attackers.

use super::rng::{Draw, Rng};
use std::net::{Ipv4Addr, Ipv6Addr};

/// What kind of network an AS is, which decides who is seen coming from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetKind {
    /// Cloud and hosting providers: servers, CI runners, proxy exits.
    Hosting,
    /// Fixed-line residential ISPs.
    Residential,
    /// Mobile carriers (carrier-grade NAT: many subscribers per address).
    Mobile,
    /// Commercial VPN exits (many unrelated users per address).
    Vpn,
    /// Universities and research networks.
    Edu,
    /// Business transit lines (company offices).
    Business,
}

/// One autonomous system with a few of its IPv4 blocks (`a.b.0.0/16`-style: base and prefix
/// length) and one IPv6 block (first 32 bits and prefix length).
pub(crate) struct Asn {
    pub number: u32,
    pub country: &'static str,
    pub kind: NetKind,
    pub v4: &'static [([u8; 4], u8)],
    pub v6: Option<(u32, u8)>,
}

macro_rules! asn {
    ($n:expr, $c:expr, $k:ident, [$(($a:expr,$b:expr,$cc:expr,$d:expr,$p:expr)),*], $v6:expr) => {
        Asn { number: $n, country: $c, kind: NetKind::$k, v4: &[$(([$a,$b,$cc,$d],$p)),*], v6: $v6 }
    };
}

/// The AS table. Hosting ASes are the ones proxy networks rent from (AWS 16509, DigitalOcean
/// 14061, Hetzner 24940, OVH 16276, Vultr/Choopa 20473, ...) and also where legitimate app
/// backends run.
pub(crate) static ASNS: &[Asn] = &[
    // hosting
    asn!(
        16509,
        "US",
        Hosting,
        [
            (3, 208, 0, 0, 12),
            (52, 0, 0, 0, 11),
            (54, 144, 0, 0, 12),
            (18, 204, 0, 0, 14)
        ],
        Some((0x2600_1f00, 24))
    ),
    asn!(
        15169,
        "US",
        Hosting,
        [(34, 64, 0, 0, 10), (35, 184, 0, 0, 13)],
        Some((0x2600_1900, 28))
    ),
    asn!(
        8075,
        "US",
        Hosting,
        [(20, 0, 0, 0, 11), (40, 64, 0, 0, 10)],
        Some((0x2603_1000, 24))
    ),
    asn!(
        14061,
        "US",
        Hosting,
        [
            (159, 65, 0, 0, 16),
            (167, 99, 0, 0, 16),
            (138, 68, 0, 0, 16),
            (64, 225, 0, 0, 16)
        ],
        Some((0x2604_a880, 32))
    ),
    asn!(
        24940,
        "DE",
        Hosting,
        [
            (88, 198, 0, 0, 16),
            (116, 202, 0, 0, 16),
            (95, 216, 0, 0, 16),
            (65, 108, 0, 0, 16)
        ],
        Some((0x2a01_04f8, 32))
    ),
    asn!(
        16276,
        "FR",
        Hosting,
        [
            (51, 38, 0, 0, 16),
            (54, 36, 0, 0, 16),
            (145, 239, 0, 0, 16),
            (137, 74, 0, 0, 16)
        ],
        Some((0x2001_41d0, 32))
    ),
    asn!(
        20473,
        "US",
        Hosting,
        [
            (45, 32, 0, 0, 16),
            (45, 76, 0, 0, 16),
            (108, 61, 0, 0, 16),
            (149, 28, 0, 0, 16)
        ],
        Some((0x2001_19f0, 32))
    ),
    asn!(
        63949,
        "SG",
        Hosting,
        [(172, 104, 0, 0, 15), (139, 162, 0, 0, 16)],
        Some((0x2600_3c00, 27))
    ),
    asn!(
        45102,
        "SG",
        Hosting,
        [(47, 88, 0, 0, 14), (8, 208, 0, 0, 12)],
        None
    ),
    asn!(
        132203,
        "HK",
        Hosting,
        [(43, 128, 0, 0, 13), (129, 226, 0, 0, 16)],
        None
    ),
    asn!(
        31898,
        "US",
        Hosting,
        [(129, 146, 0, 0, 16), (150, 136, 0, 0, 16)],
        None
    ),
    // fixed-line residential
    asn!(
        7922,
        "US",
        Residential,
        [(73, 0, 0, 0, 8), (98, 192, 0, 0, 10), (24, 0, 0, 0, 12)],
        Some((0x2601_0000, 20))
    ),
    asn!(
        701,
        "US",
        Residential,
        [(71, 160, 0, 0, 11), (108, 0, 0, 0, 11)],
        Some((0x2600_4040, 26))
    ),
    asn!(
        7018,
        "US",
        Residential,
        [(99, 0, 0, 0, 10), (107, 192, 0, 0, 10)],
        Some((0x2600_1700, 28))
    ),
    asn!(
        20115,
        "US",
        Residential,
        [(47, 32, 0, 0, 11), (174, 96, 0, 0, 12)],
        Some((0x2600_6c00, 24))
    ),
    asn!(
        812,
        "CA",
        Residential,
        [(99, 224, 0, 0, 11), (174, 112, 0, 0, 12)],
        Some((0x2607_fea8, 32))
    ),
    asn!(
        3320,
        "DE",
        Residential,
        [(79, 192, 0, 0, 10), (87, 128, 0, 0, 10)],
        Some((0x2003_0000, 19))
    ),
    asn!(
        2856,
        "GB",
        Residential,
        [(86, 128, 0, 0, 10), (81, 128, 0, 0, 11)],
        Some((0x2a00_23c0, 27))
    ),
    asn!(
        3215,
        "FR",
        Residential,
        [(90, 0, 0, 0, 9), (86, 192, 0, 0, 11)],
        Some((0x2a01_cb00, 24))
    ),
    asn!(
        4713,
        "JP",
        Residential,
        [(153, 128, 0, 0, 9), (114, 144, 0, 0, 12)],
        Some((0x240b_0010, 28))
    ),
    asn!(
        4766,
        "KR",
        Residential,
        [(121, 128, 0, 0, 10), (175, 192, 0, 0, 10)],
        None
    ),
    asn!(
        1221,
        "AU",
        Residential,
        [(1, 128, 0, 0, 11), (110, 144, 0, 0, 12)],
        Some((0x2001_8003, 32))
    ),
    asn!(
        28573,
        "BR",
        Residential,
        [(177, 0, 0, 0, 10), (179, 96, 0, 0, 11)],
        Some((0x2804_14c0, 26))
    ),
    asn!(
        45899,
        "VN",
        Residential,
        [(113, 160, 0, 0, 11), (14, 160, 0, 0, 11)],
        None
    ),
    asn!(
        3462,
        "TW",
        Residential,
        [(1, 160, 0, 0, 12), (114, 32, 0, 0, 12)],
        Some((0x2001_b011, 32))
    ),
    asn!(
        9269,
        "HK",
        Residential,
        [(61, 244, 0, 0, 14), (112, 118, 0, 0, 15)],
        None
    ),
    asn!(
        4788,
        "MY",
        Residential,
        [(175, 136, 0, 0, 13), (60, 48, 0, 0, 12)],
        None
    ),
    asn!(
        7473,
        "SG",
        Residential,
        [(116, 86, 0, 0, 15), (118, 200, 0, 0, 13)],
        None
    ),
    asn!(
        1136,
        "NL",
        Residential,
        [(77, 160, 0, 0, 12), (94, 208, 0, 0, 12)],
        Some((0x2a02_a440, 26))
    ),
    asn!(
        12322,
        "FR",
        Residential,
        [(82, 64, 0, 0, 10), (88, 160, 0, 0, 11)],
        Some((0x2a01_0e00, 26))
    ),
    asn!(
        6830,
        "PL",
        Residential,
        [(89, 64, 0, 0, 12), (178, 36, 0, 0, 14)],
        None
    ),
    asn!(
        3303,
        "CH",
        Residential,
        [(85, 0, 0, 0, 13), (178, 192, 0, 0, 13)],
        Some((0x2a02_1200, 27))
    ),
    asn!(
        3301,
        "SE",
        Residential,
        [(78, 64, 0, 0, 12), (90, 224, 0, 0, 12)],
        None
    ),
    asn!(
        9829,
        "IN",
        Residential,
        [(117, 192, 0, 0, 10), (59, 88, 0, 0, 13)],
        None
    ),
    asn!(
        4134,
        "CN",
        Residential,
        [(113, 64, 0, 0, 11), (116, 224, 0, 0, 12)],
        Some((0x240e_0000, 20))
    ),
    // mobile carriers (CGNAT)
    asn!(
        21928,
        "US",
        Mobile,
        [(172, 32, 0, 0, 11)],
        Some((0x2607_fb90, 32))
    ),
    asn!(
        55836,
        "IN",
        Mobile,
        [(49, 32, 0, 0, 11)],
        Some((0x2409_4000, 22))
    ),
    asn!(
        45609,
        "IN",
        Mobile,
        [(106, 192, 0, 0, 11)],
        Some((0x2401_4900, 32))
    ),
    asn!(
        22394,
        "US",
        Mobile,
        [(174, 192, 0, 0, 10)],
        Some((0x2600_1000, 24))
    ),
    asn!(26599, "BR", Mobile, [(191, 176, 0, 0, 12)], None),
    // commercial VPN exits
    asn!(
        9009,
        "GB",
        Vpn,
        [(37, 120, 128, 0, 17), (146, 70, 0, 0, 16)],
        Some((0x2a0d_5600, 32))
    ),
    asn!(
        60068,
        "NL",
        Vpn,
        [(89, 187, 160, 0, 19), (143, 244, 32, 0, 19)],
        None
    ),
    asn!(
        39351,
        "SE",
        Vpn,
        [(185, 213, 152, 0, 22), (193, 138, 216, 0, 22)],
        None
    ),
    asn!(
        212238,
        "US",
        Vpn,
        [(156, 146, 32, 0, 19), (102, 129, 128, 0, 18)],
        None
    ),
    // universities
    asn!(
        32,
        "US",
        Edu,
        [(171, 64, 0, 0, 14)],
        Some((0x2607_f6d0, 32))
    ),
    asn!(
        25,
        "US",
        Edu,
        [(128, 32, 0, 0, 16), (136, 152, 0, 0, 16)],
        Some((0x2607_f140, 32))
    ),
    asn!(
        9,
        "US",
        Edu,
        [(128, 2, 0, 0, 16), (128, 237, 0, 0, 16)],
        None
    ),
    asn!(
        559,
        "CH",
        Edu,
        [(129, 132, 0, 0, 16), (192, 33, 84, 0, 22)],
        Some((0x2001_0620, 29))
    ),
    asn!(
        786,
        "GB",
        Edu,
        [(129, 67, 0, 0, 16), (163, 1, 0, 0, 16)],
        Some((0x2001_0630, 32))
    ),
    asn!(2501, "JP", Edu, [(133, 11, 0, 0, 16)], None),
    asn!(7472, "SG", Edu, [(137, 132, 0, 0, 16)], None),
    asn!(
        4538,
        "CN",
        Edu,
        [(166, 111, 0, 0, 16), (101, 6, 0, 0, 16)],
        Some((0x2402_f000, 32))
    ),
    asn!(
        680,
        "DE",
        Edu,
        [(141, 84, 0, 0, 16), (134, 2, 0, 0, 16)],
        Some((0x2001_0638, 32))
    ),
    // business transit (offices)
    asn!(
        6461,
        "US",
        Business,
        [(64, 125, 0, 0, 16), (208, 185, 0, 0, 16)],
        None
    ),
    asn!(
        174,
        "US",
        Business,
        [(38, 96, 0, 0, 13), (154, 54, 0, 0, 16)],
        None
    ),
    asn!(
        3356,
        "US",
        Business,
        [(4, 0, 0, 0, 9), (8, 0, 0, 0, 12)],
        None
    ),
    asn!(
        1299,
        "SE",
        Business,
        [(62, 115, 0, 0, 16), (80, 91, 0, 0, 16)],
        None
    ),
];

/// Looks an AS up by number (panics only on a number missing from the static table, which
/// the unit tests rule out for every number used).
pub(crate) fn asn(number: u32) -> &'static Asn {
    ASNS.iter().find(|a| a.number == number).unwrap_or(&ASNS[0])
}

/// All ASes of one kind.
pub(crate) fn asns_of(kind: NetKind) -> Vec<&'static Asn> {
    ASNS.iter().filter(|a| a.kind == kind).collect()
}

/// Where a request came from, as the edge sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub ip: String,
    pub asn: u32,
    pub country: &'static str,
}

/// A random IPv4 address inside one of `a`'s blocks (never .0 or .255 in the last octet).
pub(crate) fn v4_in(rng: &mut Rng, a: &Asn) -> Ipv4Addr {
    let (base, len) = *rng.pick(a.v4);
    let base = u32::from_be_bytes(base);
    let host_bits = 32 - len as u32;
    let span = if host_bits >= 32 {
        u32::MAX
    } else {
        (1u32 << host_bits) - 1
    };
    let mut x = base | (rng.below(span as usize + 1) as u32 & span);
    let last = x & 0xff;
    if last == 0 || last == 255 {
        x = (x & !0xff) | (1 + rng.below(254) as u32);
    }
    Ipv4Addr::from(x)
}

/// A random IPv4 address in the same /24 as `near`.
pub(crate) fn v4_same_24(rng: &mut Rng, near: Ipv4Addr) -> Ipv4Addr {
    let x = u32::from(near) & 0xffff_ff00;
    Ipv4Addr::from(x | (1 + rng.below(254) as u32))
}

/// A random IPv6 address inside `a`'s block (a /64 per subscriber, random interface id).
pub(crate) fn v6_in(rng: &mut Rng, a: &Asn) -> Option<Ipv6Addr> {
    let (hi, len) = a.v6?;
    let free = 64 - len as u32;
    let prefix: u64 = ((hi as u64) << 32) | (rng.next_u64_bits(free as usize));
    let iid = rng.next_u64_bits(64);
    Some(Ipv6Addr::from(((prefix as u128) << 64) | iid as u128))
}

trait Bits {
    fn next_u64_bits(&mut self, n: usize) -> u64;
}
impl Bits for Rng {
    fn next_u64_bits(&mut self, n: usize) -> u64 {
        use super::rng::RngCore;
        if n == 0 {
            0
        } else if n >= 64 {
            self.next_u64()
        } else {
            self.next_u64() >> (64 - n)
        }
    }
}

/// An endpoint in `a`, IPv6 with probability `p_v6` when the AS has IPv6.
pub(crate) fn endpoint_in(rng: &mut Rng, a: &Asn, p_v6: f64) -> Endpoint {
    let ip = if a.v6.is_some() && rng.chance(p_v6) {
        v6_in(rng, a).map(|x| x.to_string())
    } else {
        None
    }
    .unwrap_or_else(|| v4_in(rng, a).to_string());
    Endpoint {
        ip,
        asn: a.number,
        country: a.country,
    }
}

/// An endpoint on a random AS of `kind`, optionally preferring `country`.
pub(crate) fn endpoint_of(
    rng: &mut Rng,
    kind: NetKind,
    country: Option<&str>,
    p_v6: f64,
) -> Endpoint {
    let all = asns_of(kind);
    let local: Vec<&&Asn> = match country {
        Some(c) => all.iter().filter(|a| a.country == c).collect(),
        None => Vec::new(),
    };
    let a = if !local.is_empty() {
        **rng.pick(&local)
    } else {
        *rng.pick(&all)
    };
    endpoint_in(rng, a, p_v6)
}

/// Countries where residential users are drawn from, with weights, UTC offset in minutes (a
/// representative zone), and whether Chinese is a common language there.
pub(crate) static COUNTRIES: &[(&str, f64, i32, bool)] = &[
    ("US", 30.0, -360, false),
    ("CA", 3.0, -300, false),
    ("GB", 6.0, 0, false),
    ("DE", 6.0, 60, false),
    ("FR", 4.0, 60, false),
    ("NL", 2.0, 60, false),
    ("PL", 2.0, 60, false),
    ("JP", 4.0, 540, false),
    ("KR", 3.0, 540, false),
    ("IN", 8.0, 330, false),
    ("AU", 2.0, 600, false),
    ("BR", 3.0, -180, false),
    ("SG", 2.0, 480, true),
    ("TW", 2.0, 480, true),
    ("HK", 1.5, 480, true),
    ("MY", 1.5, 480, true),
    ("VN", 1.5, 420, false),
    ("CH", 1.0, 60, false),
    ("SE", 1.0, 60, false),
    ("CN", 1.0, 480, true),
];

/// UTC offset (minutes) of a country's representative zone; 0 when unknown.
pub(crate) fn tz_of(country: &str) -> i32 {
    COUNTRIES
        .iter()
        .find(|c| c.0 == country)
        .map(|c| c.2)
        .unwrap_or(0)
}

/// Whether Chinese is a common language in `country`.
pub(crate) fn speaks_zh(country: &str) -> bool {
    COUNTRIES.iter().any(|c| c.0 == country && c.3)
}

/// A residential country drawn with population weights.
pub(crate) fn residential_country(rng: &mut Rng) -> &'static str {
    let w: Vec<f64> = COUNTRIES.iter().map(|c| c.1).collect();
    COUNTRIES[rng.weighted(&w)].0
}

/// A residential (fixed-line, or mobile with probability `p_mobile`) endpoint in `country`.
pub(crate) fn home_endpoint(rng: &mut Rng, country: &str, p_mobile: f64) -> Endpoint {
    let kind = if rng.chance(p_mobile) {
        NetKind::Mobile
    } else {
        NetKind::Residential
    };
    let p_v6 = if kind == NetKind::Mobile { 0.5 } else { 0.2 };
    endpoint_of(rng, kind, Some(country), p_v6)
}

/// Client user agents seen at an API edge: official SDKs at several versions, generic HTTP
/// clients, and browsers (console users). Legitimate populations use all of them; an attack
/// cluster picks one of the same strings as its client stack.
pub(crate) fn sdk_user_agent(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=3 => format!(
            "frontier-python/{}.{}.{} (CPython {}; {})",
            rng.between(1, 1),
            rng.between(8, 14),
            rng.between(0, 4),
            rng.pick(&["3.10.14", "3.11.9", "3.12.4", "3.12.7", "3.13.0"]),
            rng.pick(&["linux", "darwin", "linux", "windows"])
        ),
        4..=5 => format!(
            "frontier-node/0.{}.{} (node {})",
            rng.between(30, 37),
            rng.between(0, 3),
            rng.pick(&["v18.20.4", "v20.17.0", "v22.11.0"])
        ),
        6 => format!(
            "python-httpx/0.{}.{}",
            rng.between(25, 28),
            rng.between(0, 2)
        ),
        7 => format!(
            "python-requests/2.{}.{}",
            rng.between(28, 32),
            rng.between(0, 3)
        ),
        8 => format!("Go-http-client/{}", rng.pick(&["1.1", "2.0"])),
        _ => format!("axios/1.{}.{}", rng.between(6, 7), rng.between(0, 9)),
    }
}

/// A browser user agent (people using a web client or the console).
pub(crate) fn browser_user_agent(rng: &mut Rng) -> String {
    let chrome = rng.between(124, 131);
    match rng.below(5) {
        0 | 1 => format!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 Safari/537.36"),
        2 => format!("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 Safari/537.36"),
        3 => format!("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{} Safari/605.1.15", rng.between(0, 6)),
        _ => format!("Mozilla/5.0 (iPhone; CPU iPhone OS 17_{} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{} Mobile/15E148 Safari/604.1", rng.between(0, 6), rng.between(0, 6)),
    }
}

/// A command-line client (developers testing by hand).
pub(crate) fn cli_user_agent(rng: &mut Rng) -> String {
    format!("curl/{}", rng.pick(&["7.81.0", "8.5.0", "8.7.1", "8.10.1"]))
}

/// Free webmail domains, weighted roughly by market share.
pub(crate) static WEBMAIL: &[(&str, f64)] = &[
    ("gmail.com", 50.0),
    ("outlook.com", 10.0),
    ("hotmail.com", 6.0),
    ("yahoo.com", 5.0),
    ("icloud.com", 6.0),
    ("proton.me", 4.0),
    ("qq.com", 3.0),
    ("163.com", 2.0),
    ("gmx.de", 2.0),
    ("naver.com", 1.5),
    ("yandex.com", 1.0),
    ("mail.com", 1.0),
];

pub(crate) fn webmail(rng: &mut Rng) -> &'static str {
    let w: Vec<f64> = WEBMAIL.iter().map(|x| x.1).collect();
    WEBMAIL[rng.weighted(&w)].0
}

/// University e-mail domains with the AS of the campus network.
pub(crate) static EDU_DOMAINS: &[(&str, u32)] = &[
    ("stanford.edu", 32),
    ("berkeley.edu", 25),
    ("cs.cmu.edu", 9),
    ("andrew.cmu.edu", 9),
    ("ethz.ch", 559),
    ("inf.ethz.ch", 559),
    ("ox.ac.uk", 786),
    ("cs.ox.ac.uk", 786),
    ("u-tokyo.ac.jp", 2501),
    ("nus.edu.sg", 7472),
    ("u.nus.edu", 7472),
    ("tsinghua.edu.cn", 4538),
    ("mails.tsinghua.edu.cn", 4538),
    ("tum.de", 680),
];

/// A plausible company domain (brandable syllables + a common TLD).
pub(crate) fn company_domain(rng: &mut Rng) -> String {
    format!(
        "{}.{}",
        brand(rng).to_lowercase(),
        rng.pick(&["com", "io", "ai", "co", "dev", "net", "app", "tech"])
    )
}

/// A brandable name made of syllables.
pub(crate) fn brand(rng: &mut Rng) -> String {
    const A: &[&str] = &[
        "Blue", "Bright", "Nova", "Quill", "Stack", "Lumen", "Kite", "Orbit", "Pine", "Vector",
        "Harbor", "Cobalt", "Maple", "Atlas", "Echo", "Fern", "Juno", "Delta", "Zephyr", "Sable",
        "Tide", "Cinder", "Aster", "Loom",
    ];
    const B: &[&str] = &[
        "loop", "works", "ly", "base", "hq", "labs", "stack", "point", "flow", "wise", "desk",
        "forge", "grid", "mint", "path", "craft", "scale", "sync",
    ];
    format!("{}{}", rng.pick(A), rng.pick(B))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::rng::child;

    #[test]
    fn addresses_fall_in_their_blocks() {
        let mut rng = child(1, 2, 3);
        for a in ASNS {
            for _ in 0..50 {
                let ip = v4_in(&mut rng, a);
                let x = u32::from(ip);
                assert!(
                    a.v4.iter().any(|(b, l)| {
                        let mask = if *l == 0 {
                            0
                        } else {
                            u32::MAX << (32 - *l as u32)
                        };
                        x & mask == u32::from_be_bytes(*b) & mask
                    }),
                    "{ip} outside AS{}",
                    a.number
                );
                if let Some(v6) = v6_in(&mut rng, a) {
                    let (hi, len) = a.v6.unwrap();
                    let top = (u128::from(v6) >> 96) as u32;
                    let mask = u32::MAX << (32 - len.min(32) as u32);
                    assert_eq!(top & mask, hi & mask);
                }
            }
        }
        for (_, n) in EDU_DOMAINS {
            assert_eq!(asn(*n).number, *n);
        }
        for c in COUNTRIES {
            // every country with residential users has at least one residential AS
            assert!(
                ASNS.iter()
                    .any(|a| a.country == c.0 && a.kind == NetKind::Residential),
                "{}",
                c.0
            );
        }
    }
}
