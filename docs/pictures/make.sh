#!/usr/bin/env bash
# make.sh — regenerate the README's pictures from the real program's output:
#
#   docs/pictures/ll.svg      `gita ll` on a small workspace in every state
#   docs/pictures/fetch.svg   `gita fetch`: the progress line, then the blocks
#                             and the summary (one remote is gone)
#
# Builds gita (release), makes the workspace in a temp folder with its own
# HOME and config dir, runs the commands on a pseudo-terminal and draws the
# screen with term2svg.py (python3, standard library only).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
gita="$root/target/release/gita"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" GITA_PROJECT_HOME="$tmp/config"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C.UTF-8 TZ=UTC
export GIT_AUTHOR_NAME="Ada" GIT_AUTHOR_EMAIL=ada@example.invalid
export GIT_COMMITTER_NAME="Ada" GIT_COMMITTER_EMAIL=ada@example.invalid
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
mkdir -p "$HOME" "$tmp/src" "$tmp/remotes"
now=$(date +%s)

# commit REPO HOURS_AGO MESSAGE — a commit dated HOURS_AGO hours ago
commit() {
  local d="@$((now - $2 * 3600)) +0000"
  echo "$3" >>"$1/notes.txt"
  git -C "$1" add notes.txt
  GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -C "$1" commit -qm "$3"
}

# repo NAME — a work tree tracking a bare origin, in sync
repo() {
  git init -q --bare -b main "$tmp/remotes/$1.git"
  git init -q -b main "$tmp/src/$1"
  git -C "$tmp/src/$1" remote add origin "$tmp/remotes/$1.git"
  commit "$tmp/src/$1" 300 "Start $1"
  git -C "$tmp/src/$1" push -q -u origin main
}

# remote_commit NAME HOURS_AGO MESSAGE — a commit that only origin has
remote_commit() {
  local other="$tmp/other-$1"
  [ -d "$other" ] || git clone -q "$tmp/remotes/$1.git" "$other"
  commit "$other" "$2" "$3"
  git -C "$other" push -q origin main
  git -C "$tmp/src/$1" fetch -q
}

for r in api billing docs infra mobile search web; do repo "$r"; done

commit "$tmp/src/api" 2 "Add rate limiting to the public endpoints"
commit "$tmp/src/api" 1 "Document the new limits"

remote_commit billing 5 "Invoice PDFs: embed the fonts"

commit "$tmp/src/docs" 30 "Quick start: one command per line"
echo "draft" >"$tmp/src/docs/draft.md"

commit "$tmp/src/infra" 50 "Terraform: pin the provider"
echo "tweak" >>"$tmp/src/infra/notes.txt"
git -C "$tmp/src/infra" stash -q
echo "more" >>"$tmp/src/infra/notes.txt"
git -C "$tmp/src/infra" add notes.txt

git -C "$tmp/src/mobile" checkout -qb offline-mode
commit "$tmp/src/mobile" 26 "Cache the last sync for offline use"

remote_commit search 8 "Rank exact matches first"
commit "$tmp/src/search" 3 "Try a smaller index"
echo "wip" >>"$tmp/src/search/notes.txt"

commit "$tmp/src/web" 0 "Dark mode for the settings page"
git -C "$tmp/src/web" push -q

"$gita" add -r "$tmp/src" >/dev/null
cd "$tmp/src"

SHOWN_COMMAND="gita ll" python3 "$here/term2svg.py" --cols 84 \
  --title "gita ll" "$here/ll.svg" -- "$gita" ll

# Work pushed elsewhere meanwhile, for fetch to bring in.
for r in api billing web; do
  other="$tmp/other-$r"
  [ -d "$other" ] || git clone -q "$tmp/remotes/$r.git" "$other"
  commit "$other" 0 "A colleague's change to $r"
  git -C "$other" push -q origin HEAD:main HEAD:review
done

# fetch: staggered remotes (each upload-pack waits a little) so the progress
# line shows, and one remote that is gone.
i=0
for r in api billing docs infra mobile search web; do
  i=$((i + 1))
  git -C "$tmp/src/$r" config remote.origin.uploadpack "sleep 0.$((i * 13 % 10)); git-upload-pack"
done
mv "$tmp/remotes/docs.git" "$tmp/remotes/docs-moved.git"
SHOWN_COMMAND="gita fetch" python3 "$here/term2svg.py" --cols 84 \
  --title "gita fetch" --frame-when "running:" --replace "$tmp/remotes=~/remotes" "$here/fetch.svg" -- "$gita" fetch || true

echo "wrote $here/ll.svg and $here/fetch.svg"
