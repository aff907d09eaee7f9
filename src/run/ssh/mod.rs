//! One ssh connection per destination for network runs: the repos are
//! grouped by where their remotes connect (see [`plan`]), one master
//! connection is opened per group and every 8 concurrent repos (see
//! `master.rs`), and each repo's git reaches the server through it
//! (`GIT_SSH_COMMAND` with `ControlMaster=no` and the master's
//! `ControlPath`). A repo whose setup gita cannot reason about keeps
//! connecting on its own, as without reuse.

mod master;
mod plan;
mod url;

pub use master::{Masters, Take};
pub use plan::{Plan, plan, reaches};
