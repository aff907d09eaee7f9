mod delegate;
mod output;
mod runner;

fn main() {}
