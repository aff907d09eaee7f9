//! The repository as the in-process reader opens it (the same flags and
//! trust as `ll`'s gix engine), and what it reads from the refs: branches
//! with their tips, remote-tracking tips, upstreams and tags.

use anyhow::{Context as _, Result, anyhow};
use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::status::{self, Request};

/// Opens the repository as `ll`'s gix engine does (same flags, same trust).
pub(super) fn open(req: &Request, in_repo: bool) -> Result<gix::Repository> {
    status::gix_engine::open(req, in_repo)
}

pub(super) struct Branch {
    pub(super) full: gix::refs::FullName,
    pub(super) short: String,
    pub(super) tip: ObjectId,
}

pub(super) struct Refs {
    pub(super) branches: Vec<Branch>,
    pub(super) remotes: Vec<ObjectId>,
}

impl Refs {
    pub(super) fn read(repo: &gix::Repository) -> Result<Refs> {
        let platform = repo.references()?;
        let mut remotes = Vec::new();
        for r in platform.remote_branches()? {
            let mut r = r.map_err(|e| anyhow!("cannot read a remote-tracking ref: {e}"))?;
            // A dangling symbolic ref (`origin/HEAD` to a deleted branch) holds nothing.
            if let Ok(id) = tip_of(repo, &mut r) {
                remotes.push(id);
            }
        }
        remotes.sort_unstable();
        remotes.dedup();
        let mut branches = Vec::new();
        for r in platform.local_branches()? {
            let mut r = r.map_err(|e| anyhow!("cannot read a branch: {e}"))?;
            let full = r.name().to_owned();
            let short = full.shorten().to_str_lossy().into_owned();
            let tip =
                tip_of(repo, &mut r).with_context(|| format!("cannot read branch {short}"))?;
            branches.push(Branch { full, short, tip });
        }
        Ok(Refs { branches, remotes })
    }
}

/// The commit a ref points at: its target when that is a commit (read once
/// by the walk anyway), else peeled (symbolic refs, tags of commits).
fn tip_of(repo: &gix::Repository, r: &mut gix::Reference<'_>) -> Result<ObjectId> {
    if let Some(id) = r.target().try_id().map(ToOwned::to_owned)
        && repo
            .find_header(id)
            .is_ok_and(|h| h.kind() == gix::object::Kind::Commit)
    {
        return Ok(id);
    }
    Ok(r.peel_to_id()?.detach())
}

pub(super) enum Upstream {
    None,
    Exists,
    /// The upstream's ref, as git shortens it.
    Gone(String),
}

/// Whether `branch` has an upstream and whether its ref exists; the same
/// rules as `ll` (`branch.<name>.remote` and `.merge`, `.` for a local one).
pub(super) fn upstream(repo: &gix::Repository, branch: &gix::refs::FullName) -> Result<Upstream> {
    let short = branch.shorten().to_str_lossy().into_owned();
    let config = repo.config_snapshot();
    let remote = config.string(format!("branch.{short}.remote").as_str());
    let merge = config.string(format!("branch.{short}.merge").as_str());
    let tracking = match (remote, merge) {
        (Some(r), Some(m)) if r.as_bytes() == b"." => m.to_str_lossy().into_owned(),
        (Some(_), Some(_)) => {
            match repo
                .branch_remote_tracking_ref_name(branch.as_ref(), gix::remote::Direction::Fetch)
            {
                None => return Ok(Upstream::None),
                Some(name) => name?.as_bstr().to_str_lossy().into_owned(),
            }
        }
        _ => return Ok(Upstream::None),
    };
    Ok(match repo.try_find_reference(tracking.as_str())? {
        Some(_) => Upstream::Exists,
        None => Upstream::Gone(status::shorten_ref(&tracking).to_string()),
    })
}

/// Local tags with the commit they point at (tags of trees or blobs are skipped).
pub(super) fn tags(repo: &gix::Repository) -> Result<Vec<(String, ObjectId)>> {
    let platform = repo.references()?;
    let mut out = Vec::new();
    for r in platform.tags()? {
        let mut r = r.map_err(|e| anyhow!("cannot read a tag: {e}"))?;
        let name = r.name().shorten().to_str_lossy().into_owned();
        let Ok(id) = r.peel_to_id() else { continue };
        let is_commit = repo
            .find_header(id.detach())
            .is_ok_and(|h| h.kind() == gix::object::Kind::Commit);
        if is_commit {
            out.push((name, id.detach()));
        }
    }
    Ok(out)
}
