//! Placeholder for the manage queries.

use crate::store::Store;

impl Store {}
