//! Placeholder for the maintenance queries.

use crate::store::Store;

impl Store {}
