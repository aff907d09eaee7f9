#!/usr/bin/env bash
# Times `gita fetch` over N repos whose remotes pay a simulated network latency,
# side by side with Python gita and with plain git under `xargs -P`.
#
# Each repo's remote is a local bare repo reached over file://, with
# remote.origin.uploadpack set to a wrapper that sleeps LATENCY_MS before
# exec'ing `git upload-pack`: every fetch pays one round of latency, as a
# connection to a real server does, and costs the same local CPU as a real one.
#
# Usage: bench/fetch.sh [N...]            (default: 50 200)
# Environment:
#   GITA        gita binary to test          (default: target/release/gita)
#   PYGITA      Python gita's `gita` binary  (default: a venv made here with
#               `pip install gita`; set PYGITA=none to skip it)
#   LATENCY_MS  simulated latency per fetch  (default: 300)
#   RUNS        hyperfine runs per command   (default: 5)
#   JOBS_SWEEP  extra -j values to time      (default: "16 32 64 128 1000")
#   WORKDIR     where fixtures go            (default: a temp dir, removed at exit)
# Needs: git, hyperfine, python3 (for Python gita).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
GITA=${GITA:-$here/target/release/gita}
LATENCY_MS=${LATENCY_MS:-300}
RUNS=${RUNS:-5}
JOBS_SWEEP=${JOBS_SWEEP:-16 32 64 128 1000}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 200)

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt install hyperfine)" >&2; exit 1; }
[ -x "$GITA" ] || { echo "no gita binary at $GITA (cargo build --release)" >&2; exit 1; }

if [ -n "${WORKDIR:-}" ]; then
  root=$WORKDIR
  mkdir -p "$root"
else
  root=$(mktemp -d "${TMPDIR:-/tmp}/gita-bench.XXXXXX")
  trap 'rm -rf "$root"' EXIT
fi

# Hermetic git: no user or system config changes what is measured.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
unset XDG_CONFIG_HOME

PYGITA=${PYGITA:-}
if [ -z "$PYGITA" ]; then
  if python3 -m venv "$root/venv" >/dev/null 2>&1 &&
     "$root/venv/bin/pip" install -q gita >/dev/null 2>&1; then
    PYGITA=$root/venv/bin/gita
  else
    echo "could not install Python gita; skipping it" >&2
    PYGITA=none
  fi
fi

wrapper=$root/slow-upload-pack
cat >"$wrapper" <<EOF
#!/bin/sh
sleep $(awk "BEGIN { printf \"%.3f\", $LATENCY_MS / 1000 }")
exec git upload-pack "\$@"
EOF
chmod +x "$wrapper"

make_fixture() { # n dir
  local n=$1 dir=$2 i
  mkdir -p "$dir/remotes" "$dir/work" "$dir/seed"
  git init -q -b main "$dir/seed"
  git -C "$dir/seed" commit -q --allow-empty -m seed
  for i in $(seq 1 "$n"); do
    git clone -q --bare "$dir/seed" "$dir/remotes/r$i.git"
    git clone -q "file://$dir/remotes/r$i.git" "$dir/work/r$i"
    git -C "$dir/work/r$i" config remote.origin.uploadpack "$wrapper"
  done
  GITA_PROJECT_HOME=$dir/rs "$GITA" add -r "$dir/work" >/dev/null
  if [ "$PYGITA" != none ]; then
    GITA_PROJECT_HOME=$dir/py "$PYGITA" add -r "$dir/work" >/dev/null
  fi
}

for n in "${sizes[@]}"; do
  dir=$root/n$n
  [ -d "$dir/work" ] || make_fixture "$n" "$dir"
  echo "== N=$n repos, ${LATENCY_MS} ms latency per fetch, $(nproc) cores"
  cmds=(
    -n "gita fetch (default -j)" "GITA_PROJECT_HOME=$dir/rs $GITA fetch >/dev/null 2>&1"
  )
  if [ "$PYGITA" != none ]; then
    cmds+=(-n "python gita fetch" "GITA_PROJECT_HOME=$dir/py $PYGITA fetch >/dev/null 2>&1")
  fi
  cmds+=(-n "xargs -P0 git fetch" "ls -d $dir/work/* | xargs -P0 -I{} git -C {} fetch -q")
  for j in $JOBS_SWEEP; do
    cmds+=(-n "gita fetch -j $j" "GITA_PROJECT_HOME=$dir/rs $GITA fetch -j $j >/dev/null 2>&1")
  done
  hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$root/n$n.md" "${cmds[@]}"
  cat "$root/n$n.md"
done
