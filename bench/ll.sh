#!/usr/bin/env bash
# ll.sh — time `gita ll` side by side with its peers on generated workspaces,
# then measure peak memory on a large one.
#
#   bench/ll.sh              N = 50 and 200, memory at N = 1000
#   SIZES="200" MEM_N=0 bench/ll.sh
#
# Compared in one hyperfine run per N (medians are what the targets use):
#   gita ll                      this build (target/release/gita)
#   gita ll, git engine          GITA_STATUS_ENGINE=git
#   Python gita ll               if PYGITA points to its `gita` executable
#   gfold                        if `gfold` is on PATH (or GFOLD=/path/to/gfold)
#   git status per repo          one `git status` per repo through `xargs -P nproc`
#
# Build first: cargo build --release. Workspaces are built by bench/fixture.sh
# under WORK (default: a temp dir, removed at the end unless KEEP=1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GITA=${GITA:-$ROOT/target/release/gita}
PYGITA=${PYGITA:-}
GFOLD=${GFOLD:-$(command -v gfold || true)}
SIZES=${SIZES:-50 200}
MEM_N=${MEM_N:-1000}
RUNS=${RUNS:-30}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gita-bench.XXXXXX")}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt install hyperfine)" >&2; exit 2; }
[ -x "$GITA" ] || { echo "no $GITA: run cargo build --release first" >&2; exit 2; }

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GITA_STATUS_ENGINE

# workspace N — builds (once) WORK/N with repos registered for both gitas.
workspace() {
  local n=$1 dir=$WORK/$1
  if [ ! -d "$dir/repos" ]; then
    "$ROOT/bench/fixture.sh" "$n" "$dir" >/dev/null
    mkdir -p "$dir/home-rs" "$dir/home-py"
    GITA_PROJECT_HOME=$dir/home-rs "$GITA" add -r "$dir/repos" >/dev/null
    if [ -n "$PYGITA" ]; then
      GITA_PROJECT_HOME=$dir/home-py "$PYGITA" add -r "$dir/repos" >/dev/null
    fi
  fi
  echo "$dir"
}

for n in $SIZES; do
  dir=$(workspace "$n")
  echo "== N=$n repos ($dir)"
  cmds=(
    -n "gita ll" "GITA_PROJECT_HOME=$dir/home-rs $GITA ll"
    -n "gita ll (git engine)" "GITA_STATUS_ENGINE=git GITA_PROJECT_HOME=$dir/home-rs $GITA ll"
  )
  if [ -n "$PYGITA" ]; then
    cmds+=(-n "python gita ll" "GITA_PROJECT_HOME=$dir/home-py $PYGITA ll")
  fi
  if [ -n "$GFOLD" ]; then
    cmds+=(-n "gfold" "$GFOLD $dir/repos")
  fi
  cmds+=(-n "git status per repo (xargs -P$(nproc))"
    "ls -d $dir/repos/* | xargs -P $(nproc) -I{} git -C {} --no-optional-locks status --porcelain=v2 --branch --show-stash")
  hyperfine --shell=bash --warmup 3 --runs "$RUNS" --style basic \
    --export-json "$WORK/ll-$n.json" "${cmds[@]}"
  # The targets are about medians; hyperfine's summary shows means.
  python3 - "$WORK/ll-$n.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
print(f"\n{'command':42} {'median':>9} {'mean':>9} {'min':>9}")
for r in res:
    print(f"{r['command']:42} {r['median']*1000:7.1f}ms {r['mean']*1000:7.1f}ms {r['min']*1000:7.1f}ms")
EOF
  echo
done

if [ "$MEM_N" != 0 ]; then
  dir=$(workspace "$MEM_N")
  echo "== N=$MEM_N repos: peak memory"
  for engine in gix git; do
    rss=$(GITA_STATUS_ENGINE=$engine GITA_PROJECT_HOME=$dir/home-rs /usr/bin/time -v "$GITA" ll 2>&1 >/dev/null |
      awk -F': ' '/Maximum resident set size/ {print $2}')
    echo "gita ll ($engine engine): max RSS $((rss / 1024)) MB ($rss kB)"
  done
fi
