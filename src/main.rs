//! Temporary scaffold until the foundation's `main.rs` lands.
#![allow(dead_code)]
mod status;
mod table;

fn main() {}
