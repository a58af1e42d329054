//! Empty: the crate is its bench and example.
