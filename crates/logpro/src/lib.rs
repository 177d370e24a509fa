//! logpro (being written)
