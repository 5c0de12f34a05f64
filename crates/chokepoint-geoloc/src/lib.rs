//! chokepoint-geoloc: proves where an accelerator is not, from the delay of its signed answers.
//!
//! Landmarks at known positions send a fresh nonce over UDP ([`protocol`]); the chip's agent signs
//! it with the chip's ed25519 key; the landmark keeps the fastest of several round trips and
//! signs the measurement. Nothing travels faster than light in fibre (about 200 km/ms), and a
//! relay can add delay but never remove it, so each round trip bounds the chip's distance from
//! its landmark. The [`solver`] intersects those discs on the sphere, finds which real countries
//! the region may touch, and gives each declared site a verdict that physics backs: VERIFIED
//! (provably not in a restricted destination), INCONSISTENT (provably not at the declared site)
//! or UNVERIFIED. The [`registry`] keeps chips, keys, measurements, verdict history and alerts in
//! the embedded store; [`server`] exposes them to the console.

pub mod countries;
pub mod csvin;
pub mod error;
pub mod keys;
pub mod protocol;
pub mod registry;
pub mod server;
pub mod solver;
pub mod sphere;

pub use countries::{CountryIndex, RestrictedSet};
pub use error::GeolocError;
pub use solver::{Assessment, SolverConfig, Verdict};
