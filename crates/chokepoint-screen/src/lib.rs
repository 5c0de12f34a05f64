//! chokepoint-screen: screening of compute customers against denied-party lists.
//!
//! One job: tell a cloud provider whether a customer is, or is owned by, a listed party, and
//! whether it shows the red flags of offshore access to controlled compute. It loads lists
//! ([`lists`]), matches names across scripts and spellings ([`matcher`]), aggregates listed
//! ownership through chains ([`ownership`]) and scores customers ([`customers`]); [`http`] serves
//! the same over HTTP for the console.

pub mod error;
pub mod eval;
pub mod lists;
pub mod matcher;
pub mod normalize;
pub mod ownership;

pub use error::{ScreenError, Skipped};
pub use lists::{load_list, Encoding, ListEntry, LoadedList};
pub use matcher::{Decision, Hit, MatchConfig, NameResult, Screener};
