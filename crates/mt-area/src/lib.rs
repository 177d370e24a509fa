//! The typed area: locating it, `megatest.config` keys and setup, runconfigs layered for a
//! target, test discovery, every testconfig section in typed form, items and item maps,
//! test patterns and tags, and the waiton graph with its modes.

pub mod area;
pub mod duration;
pub mod error;
pub mod itemmap;
pub mod items;
pub mod keys;
pub mod pattern;
pub mod scheme_eval;
pub mod testconfig;

pub use area::{locate, section_pairs, Area, LoadOptions};
pub use error::AreaError;
pub use items::Item;
pub use pattern::TestPatt;
pub use testconfig::{EzStep, ItemValues, Modes, SkipRule, TestConfig};
