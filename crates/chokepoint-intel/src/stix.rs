//! The STIX 2.1 objects chokepoint reads and writes, and their validation.
//!
//! Typed structs cover the objects chokepoint produces (identity, campaign, intrusion-set,
//! infrastructure, indicator, relationship, sighting, observed-data, marking-definition,
//! extension-definition, bundle); every struct keeps properties it does not name in `extra`,
//! so nothing a peer sent is lost. [`validate_object`] checks any object against the
//! specification's required properties, identifier and timestamp formats, reference formats and
//! (for `pattern_type = stix`) the pattern grammar; objects of types chokepoint does not know are
//! accepted as custom objects only when they are valid STIX.

use crate::pattern;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The TLP 2.0 extension-definition that TLP 2.0 marking definitions point to.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// The identity that publishes the TLP 2.0 marking definitions.
pub const TLP2_CREATOR: &str = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01";

/// Traffic Light Protocol 2.0 levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    /// Parses `clear`, `green`, `amber`, `amber+strict`, `red` (case-insensitive, `TLP:` allowed).
    pub fn parse(s: &str) -> Option<Tlp> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("tlp:").unwrap_or(&s);
        match s {
            "clear" | "white" => Some(Tlp::Clear),
            "green" => Some(Tlp::Green),
            "amber" => Some(Tlp::Amber),
            "amber+strict" => Some(Tlp::AmberStrict),
            "red" => Some(Tlp::Red),
            _ => None,
        }
    }
    /// The value of the `tlp_2_0` property.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }
    /// The standard marking-definition id of this level (TLP 2.0).
    pub fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }
    /// The standard marking-definition object of this level.
    pub fn marking_definition(self) -> MarkingDefinition {
        let mut ext = Map::new();
        ext.insert(
            TLP2_EXTENSION.into(),
            serde_json::json!({"extension_type": "property-extension", "tlp_2_0": self.as_str()}),
        );
        MarkingDefinition {
            common: Common {
                type_: "marking-definition".into(),
                spec_version: "2.1".into(),
                id: self.marking_id().into(),
                created: Some("2022-10-01T00:00:00.000Z".into()),
                modified: None,
                created_by_ref: Some(TLP2_CREATOR.into()),
                object_marking_refs: Vec::new(),
                extensions: ext,
            },
            name: Some(format!("TLP:{}", self.as_str().to_ascii_uppercase())),
            definition_type: None,
            definition: None,
            extra: Map::new(),
        }
    }
}

/// Marking-definition ids that mean TLP:RED (TLP 2.0 and TLP 1.0).
pub const TLP_RED_IDS: &[&str] = &[
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
];

/// Whether an object is marked TLP:RED (object-level or granular markings).
pub fn is_tlp_red(obj: &Value) -> bool {
    let refs = obj
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            obj.get("granular_markings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|g| g.get("marking_ref")),
        );
    refs.filter_map(Value::as_str)
        .any(|r| TLP_RED_IDS.contains(&r))
}

/// Properties every object chokepoint writes has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Common {
    #[serde(rename = "type")]
    pub type_: String,
    pub spec_version: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub object_marking_refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

impl Common {
    /// Common properties of a new SDO/SRO created (and last modified) at `at`.
    pub fn new(type_: &str, id: String, at: &str, creator: Option<&str>, tlp: Option<Tlp>) -> Self {
        Common {
            type_: type_.into(),
            spec_version: "2.1".into(),
            id,
            created: Some(at.into()),
            modified: Some(at.into()),
            created_by_ref: creator.map(str::to_string),
            object_marking_refs: tlp
                .map(|t| vec![t.marking_id().to_string()])
                .unwrap_or_default(),
            extensions: Map::new(),
        }
    }
}

macro_rules! sdo {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            #[serde(flatten)]
            pub common: Common,
            $($(#[$fm])* pub $f: $t,)*
            /// Properties not named above, kept as they came.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

sdo!(
    /// `identity`: the organisation that produced or sighted intelligence.
    Identity {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity_class: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    }
);
sdo!(
    /// `campaign`: one distillation campaign.
    Campaign {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_seen: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seen: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        objective: Option<String>,
    }
);
sdo!(
    /// `intrusion-set`: an actor behind several campaigns.
    IntrusionSet {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    }
);
sdo!(
    /// `infrastructure`: a campaign's network of accounts and proxies.
    Infrastructure {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        infrastructure_types: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_seen: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seen: Option<String>,
    }
);
sdo!(
    /// `indicator`: a STIX pattern that matches a campaign's traces.
    Indicator {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        indicator_types: Vec<String>,
        pattern: String,
        pattern_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern_version: Option<String>,
        valid_from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_until: Option<String>,
    }
);
sdo!(
    /// `relationship`: `indicates`, `uses`, `attributed-to`...
    Relationship {
        relationship_type: String,
        source_ref: String,
        target_ref: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    }
);
sdo!(
    /// `sighting`: an indicator seen in a lab's own traffic.
    Sighting {
        sighting_of_ref: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_seen: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seen: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<u64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        where_sighted_refs: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    }
);
sdo!(
    /// `observed-data`: raw observations (references to SCOs).
    ObservedData {
        first_observed: String,
        last_observed: String,
        number_observed: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        object_refs: Vec<String>,
    }
);
sdo!(
    /// `marking-definition`: TLP levels and statements.
    MarkingDefinition {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        definition_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        definition: Option<Value>,
    }
);
sdo!(
    /// `extension-definition`: declares chokepoint's own properties.
    ExtensionDefinition {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        schema: String,
        version: String,
        extension_types: Vec<String>,
    }
);

/// Any STIX object, typed when chokepoint knows its type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StixObject {
    Identity(Identity),
    Campaign(Campaign),
    IntrusionSet(IntrusionSet),
    Infrastructure(Infrastructure),
    Indicator(Indicator),
    Relationship(Relationship),
    Sighting(Sighting),
    ObservedData(ObservedData),
    MarkingDefinition(MarkingDefinition),
    ExtensionDefinition(ExtensionDefinition),
    /// A valid object of another type (SDOs, SCOs and custom objects chokepoint does not model).
    Other(Map<String, Value>),
}

impl StixObject {
    /// The object's `id`.
    pub fn id(&self) -> &str {
        match self {
            StixObject::Identity(o) => &o.common.id,
            StixObject::Campaign(o) => &o.common.id,
            StixObject::IntrusionSet(o) => &o.common.id,
            StixObject::Infrastructure(o) => &o.common.id,
            StixObject::Indicator(o) => &o.common.id,
            StixObject::Relationship(o) => &o.common.id,
            StixObject::Sighting(o) => &o.common.id,
            StixObject::ObservedData(o) => &o.common.id,
            StixObject::MarkingDefinition(o) => &o.common.id,
            StixObject::ExtensionDefinition(o) => &o.common.id,
            StixObject::Other(m) => m.get("id").and_then(Value::as_str).unwrap_or(""),
        }
    }
    /// The object as JSON.
    pub fn to_value(&self) -> Value {
        // Cannot fail: every variant is plain data with string keys.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A STIX bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bundle {
    #[serde(rename = "type")]
    pub type_: String,
    pub id: String,
    pub objects: Vec<StixObject>,
}

impl Bundle {
    /// A bundle with a fresh id.
    pub fn new(objects: Vec<StixObject>) -> Bundle {
        Bundle {
            type_: "bundle".into(),
            id: format!("bundle--{}", uuid::Uuid::new_v4()),
            objects,
        }
    }
}

/// Why an object is not valid STIX 2.1: the object (by index or id) and the property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StixError {
    /// `objects[3]` or the object's id, when known.
    pub object: String,
    /// The property at fault, when there is one.
    pub property: Option<String>,
    pub message: String,
}

impl fmt::Display for StixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.property {
            Some(p) => write!(f, "{}, property `{p}`: {}", self.object, self.message),
            None => write!(f, "{}: {}", self.object, self.message),
        }
    }
}

impl std::error::Error for StixError {}

/// STIX Cyber-observable types of the 2.1 specification (they need no created/modified).
pub const SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// SDO types of the 2.1 specification besides the ones modelled as structs.
const OTHER_SDO_TYPES: &[&str] = &[
    "attack-pattern",
    "course-of-action",
    "grouping",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
];

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a real calendar date and time.
pub fn valid_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 || b[b.len() - 1] != b'Z' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    let rest = &b[19..b.len() - 1];
    if !rest.is_empty()
        && (rest[0] != b'.' || rest.len() < 2 || !rest[1..].iter().all(u8::is_ascii_digit))
    {
        return false;
    }
    // The calendar check (leap seconds as :60 are allowed by RFC 3339 but not by chrono).
    let head = format!("{}Z", &s[..19]);
    chrono::DateTime::parse_from_rfc3339(&head).is_ok()
}

/// Whether `k` is a valid STIX property name (3–250 of a-z, A-Z, 0-9, `_`).
pub fn valid_property_name(k: &str) -> bool {
    (3..=250).contains(&k.len()) && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Whether `t` is a valid STIX type name (3–250 of a-z 0-9 `-`, no leading/trailing/double `-`).
pub fn valid_type_name(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
}

/// Whether `id` is `<type>--<uuid>` (with `type` given when `expected_type` is set).
pub fn valid_identifier(id: &str, expected_type: Option<&str>) -> bool {
    let Some((t, u)) = id.split_once("--") else {
        return false;
    };
    if let Some(e) = expected_type {
        if t != e {
            return false;
        }
    }
    valid_type_name(t) && valid_uuid(u)
}

fn valid_uuid(u: &str) -> bool {
    u.len() == 36
        && uuid::Uuid::try_parse(u).is_ok_and(|x| {
            // RFC 4122 variant, as STIX requires.
            x.get_variant() == uuid::Variant::RFC4122 && u == x.hyphenated().to_string()
        })
}

fn err(obj: &str, prop: Option<&str>, m: impl Into<String>) -> StixError {
    StixError {
        object: obj.into(),
        property: prop.map(str::to_string),
        message: m.into(),
    }
}

/// Validates one object and returns it typed. `label` names it in errors (`objects[3]`).
pub fn validate_object(v: &Value, label: &str) -> Result<StixObject, StixError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err(label, None, "a STIX object must be a JSON object"))?;
    let type_ = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| err(label, Some("type"), "required string property is missing"))?;
    if !valid_type_name(type_) {
        return Err(err(
            label,
            Some("type"),
            format!("`{}` is not a valid STIX type name", short(type_)),
        ));
    }
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| err(label, Some("id"), "required string property is missing"))?;
    if !valid_identifier(id, Some(type_)) {
        return Err(err(
            label,
            Some("id"),
            format!("`{}` is not `{type_}--<RFC 4122 UUID>`", short(id)),
        ));
    }
    let label = id;
    if type_ == "bundle" {
        return Err(err(
            label,
            Some("type"),
            "a bundle cannot be an object of a bundle or envelope",
        ));
    }
    let is_sco = SCO_TYPES.contains(&type_);
    match obj.get("spec_version") {
        Some(Value::String(s)) if s == "2.1" => {}
        None if is_sco => {}
        None => {
            return Err(err(
                label,
                Some("spec_version"),
                "required property is missing (must be \"2.1\")",
            ))
        }
        Some(other) => {
            return Err(err(
                label,
                Some("spec_version"),
                format!("must be \"2.1\", found {}", short(&other.to_string())),
            ))
        }
    }
    for (k, val) in obj {
        let bad_name = k.len() > 250
            || (k.len() < 3 && k != "id")
            || !k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        if bad_name {
            return Err(err(
                label,
                Some(k),
                "property names must be 3–250 characters of a-z, A-Z, 0-9 and _",
            ));
        }
        if (k.ends_with("_ref") && !val.is_null()) || k.ends_with("_refs") {
            let refs: Vec<&Value> = if k.ends_with("_refs") {
                val.as_array()
                    .ok_or_else(|| err(label, Some(k), "must be a list of identifiers"))?
                    .iter()
                    .collect()
            } else {
                vec![val]
            };
            for r in refs {
                let ok = r.as_str().is_some_and(|s| valid_identifier(s, None));
                if !ok {
                    return Err(err(
                        label,
                        Some(k),
                        format!("{} is not a STIX identifier", short(&r.to_string())),
                    ));
                }
            }
        }
    }
    let ts = |p: &str, required: bool| -> Result<Option<&str>, StixError> {
        match obj.get(p) {
            None if !required => Ok(None),
            None => Err(err(label, Some(p), "required timestamp is missing")),
            Some(Value::String(s)) if valid_timestamp(s) => Ok(Some(s.as_str())),
            Some(other) => Err(err(
                label,
                Some(p),
                format!(
                    "{} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)",
                    short(&other.to_string())
                ),
            )),
        }
    };
    let need_str = |p: &str| -> Result<&str, StixError> {
        match obj.get(p) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(_) => Err(err(label, Some(p), "must be a non-empty string")),
            None => Err(err(label, Some(p), "required property is missing")),
        }
    };
    if !is_sco {
        let created = ts("created", true)?;
        let modified = ts("modified", type_ != "marking-definition")?;
        if let (Some(c), Some(m)) = (created, modified) {
            if timestamp_key(m) < timestamp_key(c) {
                return Err(err(
                    label,
                    Some("modified"),
                    "must not be earlier than `created`",
                ));
            }
        }
        if let Some(c) = obj.get("confidence") {
            if c.as_u64().is_none_or(|c| c > 100) {
                return Err(err(
                    label,
                    Some("confidence"),
                    "must be an integer from 0 to 100",
                ));
            }
        }
    }
    if let Some(ext) = obj.get("extensions") {
        let ext = ext
            .as_object()
            .ok_or_else(|| err(label, Some("extensions"), "must be a dictionary"))?;
        for (k, e) in ext {
            if !e.is_object() {
                return Err(err(
                    label,
                    Some("extensions"),
                    format!("extension `{}` must be an object", short(k)),
                ));
            }
            if k.starts_with("extension-definition--")
                && !valid_identifier(k, Some("extension-definition"))
            {
                return Err(err(
                    label,
                    Some("extensions"),
                    format!("`{}` is not an extension-definition id", short(k)),
                ));
            }
        }
    }
    let typed = |r: Result<StixObject, serde_json::Error>| {
        r.map_err(|e| err(label, None, format!("wrong property type: {e}")))
    };
    match type_ {
        "identity" => {
            need_str("name")?;
            typed(serde_json::from_value(v.clone()).map(StixObject::Identity))
        }
        "campaign" => {
            need_str("name")?;
            let f = ts("first_seen", false)?;
            let l = ts("last_seen", false)?;
            if let (Some(f), Some(l)) = (f, l) {
                if timestamp_key(l) < timestamp_key(f) {
                    return Err(err(
                        label,
                        Some("last_seen"),
                        "must not be earlier than `first_seen`",
                    ));
                }
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::Campaign))
        }
        "intrusion-set" => {
            need_str("name")?;
            typed(serde_json::from_value(v.clone()).map(StixObject::IntrusionSet))
        }
        "infrastructure" => {
            need_str("name")?;
            ts("first_seen", false)?;
            ts("last_seen", false)?;
            typed(serde_json::from_value(v.clone()).map(StixObject::Infrastructure))
        }
        "indicator" => {
            let p = need_str("pattern")?;
            let pt = need_str("pattern_type")?;
            let from = ts("valid_from", true)?;
            if let (Some(f), Some(u)) = (from, ts("valid_until", false)?) {
                if timestamp_key(u) <= timestamp_key(f) {
                    return Err(err(
                        label,
                        Some("valid_until"),
                        "must be later than `valid_from`",
                    ));
                }
            }
            if pt == "stix" {
                pattern::parse(p).map_err(|e| {
                    err(
                        label,
                        Some("pattern"),
                        format!("not a STIX 2.1 pattern: {e}"),
                    )
                })?;
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::Indicator))
        }
        "relationship" => {
            need_str("relationship_type")?;
            for p in ["source_ref", "target_ref"] {
                need_str(p)?;
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::Relationship))
        }
        "sighting" => {
            need_str("sighting_of_ref")?;
            ts("first_seen", false)?;
            ts("last_seen", false)?;
            if let Some(c) = obj.get("count") {
                if c.as_u64().is_none_or(|c| c > 999_999_999) {
                    return Err(err(
                        label,
                        Some("count"),
                        "must be an integer from 0 to 999999999",
                    ));
                }
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::Sighting))
        }
        "observed-data" => {
            ts("first_observed", true)?;
            ts("last_observed", true)?;
            let n = obj.get("number_observed").and_then(Value::as_u64);
            if !n.is_some_and(|n| (1..=999_999_999).contains(&n)) {
                return Err(err(
                    label,
                    Some("number_observed"),
                    "must be an integer from 1 to 999999999",
                ));
            }
            if obj.get("object_refs").is_none() && obj.get("objects").is_none() {
                return Err(err(
                    label,
                    Some("object_refs"),
                    "required property is missing",
                ));
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::ObservedData))
        }
        "marking-definition" => {
            let has_def = obj.contains_key("definition_type") || obj.contains_key("definition");
            if has_def
                && !(obj.get("definition_type").is_some_and(Value::is_string)
                    && obj.get("definition").is_some_and(Value::is_object))
            {
                return Err(err(
                    label,
                    Some("definition"),
                    "definition_type and definition go together",
                ));
            }
            if !has_def && obj.get("extensions").is_none() {
                return Err(err(
                    label,
                    Some("definition"),
                    "a marking needs a definition or an extension",
                ));
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::MarkingDefinition))
        }
        "extension-definition" => {
            need_str("created_by_ref")?;
            need_str("name")?;
            need_str("schema")?;
            need_str("version")?;
            let types = obj
                .get("extension_types")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| err(label, Some("extension_types"), "must be a non-empty list"))?;
            for t in types {
                if !matches!(
                    t.as_str(),
                    Some(
                        "new-sdo"
                            | "new-sco"
                            | "new-sro"
                            | "property-extension"
                            | "toplevel-property-extension"
                    )
                ) {
                    return Err(err(
                        label,
                        Some("extension_types"),
                        format!("{} is not an extension type", short(&t.to_string())),
                    ));
                }
            }
            typed(serde_json::from_value(v.clone()).map(StixObject::ExtensionDefinition))
        }
        t => {
            if OTHER_SDO_TYPES.contains(&t) || t == "grouping" || t == "report" {
                // Required properties of the SDOs chokepoint does not model.
                let need: &[&str] = match t {
                    "attack-pattern" | "course-of-action" | "malware-analysis" | "threat-actor"
                    | "tool" | "vulnerability" => &["name"],
                    "grouping" => &["context", "object_refs"],
                    "note" => &["content", "object_refs"],
                    "opinion" => &["opinion", "object_refs"],
                    "report" => &["name", "published", "object_refs"],
                    _ => &[],
                };
                for p in need {
                    if !obj.contains_key(*p) {
                        return Err(err(label, Some(p), "required property is missing"));
                    }
                }
            }
            Ok(StixObject::Other(obj.clone()))
        }
    }
}

/// A sortable key of a STIX timestamp (fraction padded to nanoseconds).
pub fn timestamp_key(s: &str) -> String {
    normalise_timestamp(s).unwrap_or_else(|| s.to_string())
}

/// `YYYY-MM-DDTHH:MM:SS.fffffffffZ` (nanoseconds), so that string order is time order.
pub fn normalise_timestamp(s: &str) -> Option<String> {
    if !valid_timestamp(s) {
        return None;
    }
    let frac = &s[19..s.len() - 1];
    let digits = frac.strip_prefix('.').unwrap_or("");
    let mut d: String = digits.chars().take(9).collect();
    while d.len() < 9 {
        d.push('0');
    }
    Some(format!("{}.{}Z", &s[..19], d))
}

/// Validates a bundle (`type`, `id`, `objects`) and every object in it.
pub fn validate_bundle(v: &Value) -> Result<Vec<StixObject>, StixError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err("bundle", None, "a bundle must be a JSON object"))?;
    if obj.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(err("bundle", Some("type"), "must be \"bundle\""));
    }
    let id = obj.get("id").and_then(Value::as_str).unwrap_or("");
    if !valid_identifier(id, Some("bundle")) {
        return Err(err("bundle", Some("id"), "must be `bundle--<UUID>`"));
    }
    let objects = match obj.get("objects") {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(err(id, Some("objects"), "must be a list")),
    };
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| validate_object(o, &format!("objects[{i}]")))
        .collect()
}

/// Parses and validates a bundle from JSON text.
pub fn parse_bundle(text: &str) -> Result<Vec<StixObject>, StixError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| err("bundle", None, format!("not JSON: {e}")))?;
    validate_bundle(&v)
}

fn short(s: &str) -> String {
    chokepoint_core::time::truncate(s, 80).to_string()
}

/// The version of an object as TAXII sees it: `modified`, else `created`, else `None` (SCOs).
pub fn object_version(v: &Value) -> Option<&str> {
    v.get("modified")
        .and_then(Value::as_str)
        .or_else(|| v.get("created").and_then(Value::as_str))
}

/// A STIX timestamp of `t` with millisecond precision.
pub fn format_timestamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indicator() -> Value {
        json!({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
               "created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
               "pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix",
               "valid_from":"2016-01-01T00:00:00Z","x_note":"kept"})
    }

    #[test]
    fn valid_indicator_round_trips_with_extra_properties() {
        let o = validate_object(&indicator(), "objects[0]").unwrap();
        assert!(matches!(o, StixObject::Indicator(_)));
        assert_eq!(o.to_value(), indicator());
    }

    #[test]
    fn rejects_bad_ids_timestamps_patterns_and_missing_properties() {
        let cases: Vec<(Value, &str)> = vec![
            (
                json!({"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
                "type",
            ),
            (json!({"type":"indicator","id":"indicator--nope"}), "id"),
            (
                json!({"type":"indicator","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
                "id",
            ),
        ];
        for (v, prop) in cases {
            let e = validate_object(&v, "objects[0]").unwrap_err();
            assert_eq!(e.property.as_deref(), Some(prop), "{e}");
        }
        let mutate = |f: &dyn Fn(&mut Map<String, Value>)| {
            let mut v = indicator();
            f(v.as_object_mut().unwrap());
            validate_object(&v, "o").unwrap_err()
        };
        assert_eq!(
            mutate(&|m| {
                m.insert("created".into(), json!("2016-04-06 20:03:48"));
            })
            .property
            .as_deref(),
            Some("created")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("modified".into(), json!("2016-02-30T00:00:00Z"));
            })
            .property
            .as_deref(),
            Some("modified")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("modified".into(), json!("2015-01-01T00:00:00Z"));
            })
            .property
            .as_deref(),
            Some("modified")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("pattern".into(), json!("[ipv4-addr:value = "));
            })
            .property
            .as_deref(),
            Some("pattern")
        );
        assert_eq!(
            mutate(&|m| {
                m.remove("valid_from");
            })
            .property
            .as_deref(),
            Some("valid_from")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("spec_version".into(), json!("2.0"));
            })
            .property
            .as_deref(),
            Some("spec_version")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("created_by_ref".into(), json!("bob"));
            })
            .property
            .as_deref(),
            Some("created_by_ref")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("pattern".into(), json!(42));
            })
            .property
            .as_deref(),
            Some("pattern")
        );
        assert_eq!(
            mutate(&|m| {
                m.insert("x-bad".into(), json!(1));
            })
            .property
            .as_deref(),
            Some("x-bad")
        );
    }

    #[test]
    fn custom_objects_only_when_valid() {
        let ok = json!({"type":"x-lab-note","spec_version":"2.1","id":"x-lab-note--6ba7b810-9dad-41d1-80b4-00c04fd430c8",
                        "created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","text":"hi"});
        assert!(matches!(
            validate_object(&ok, "o").unwrap(),
            StixObject::Other(_)
        ));
        let no_created = json!({"type":"x-lab-note","spec_version":"2.1","id":"x-lab-note--6ba7b810-9dad-41d1-80b4-00c04fd430c8"});
        assert!(validate_object(&no_created, "o").is_err());
        let sco = json!({"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"});
        assert!(validate_object(&sco, "o").is_ok());
    }

    #[test]
    fn tlp_markings_validate_and_red_is_detected() {
        for t in [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ] {
            let v = serde_json::to_value(t.marking_definition()).unwrap();
            validate_object(&v, "m").unwrap();
            assert_eq!(Tlp::parse(t.as_str()), Some(t));
        }
        let mut v = indicator();
        assert!(!is_tlp_red(&v));
        v["object_marking_refs"] = json!([Tlp::Red.marking_id()]);
        assert!(is_tlp_red(&v));
    }

    #[test]
    fn timestamps_normalise_to_sortable_form() {
        assert_eq!(
            normalise_timestamp("2020-01-01T00:00:00Z").unwrap(),
            "2020-01-01T00:00:00.000000000Z"
        );
        assert!(
            timestamp_key("2020-01-01T00:00:00.5Z") > timestamp_key("2020-01-01T00:00:00.123Z")
        );
        assert!(!valid_timestamp("2020-01-01T00:00:00+01:00"));
        assert!(!valid_timestamp("2020-13-01T00:00:00Z"));
    }
}
