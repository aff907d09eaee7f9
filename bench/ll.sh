#!/usr/bin/env bash
# ll.sh — time `gita ll` side by side with its peers on generated workspaces,
# then on repos with a long merge-heavy history, then measure peak memory on
# a large workspace.
#
#   bench/ll.sh              N = 50 and 200, the history repos, memory at N = 1000
#   SIZES="200" MERGES=0 MEM_N=0 bench/ll.sh
#   SIZES= MEM_N=0 CALLGRIND=1 bench/ll.sh      only the history repos
#
# Compared in one hyperfine run per N (medians are what the targets use):
#   gita ll                      this build (target/release/gita), its cache
#                                of unchanged repos filled by the warm-up runs
#   gita ll (no cache)           GITA_STATUS_CACHE=off: every repo read in full
#   gita ll, git engine          GITA_STATUS_ENGINE=git
#   Python gita ll               if PYGITA points to its `gita` executable
#   gfold                        if `gfold` is on PATH (or GFOLD=/path/to/gfold)
#   git status per repo          one `git status` per repo through `xargs -P nproc`
#
# History repos (ahead/behind on a long history; MERGES=0 skips them): the
# stream of bench/mergeheavy.py MERGES (default 20000 merges, about 70,000
# commits: topics merged into a main line, old fixes dated at their fork
# point, some clocks ahead) is cloned, and the local branch reset BEHIND
# (default 490) main-line merges back, plus one commit of its own. The same
# repo is measured without a commit-graph and with one (`git commit-graph
# write --reachable`). REAL_REPO=/path/to/a/clone (e.g. git's own repository)
# adds a clone of it, its branch REAL_BEHIND (default 900) first-parent
# commits behind its upstream. Compared per repo in one hyperfine run:
#   gita ll                      this build
#   gita ll, baseline            if GITA_BASE points to another gita build
#   gita ll, git engine          GITA_STATUS_ENGINE=git
#   git status                   `git status --porcelain=v2 --branch --show-stash`
# CALLGRIND=1 also prints instruction counts (every process of a command
# summed), which stay put on a busy machine where times do not.
#
# Build first: cargo build --release. Workspaces are built by bench/fixture.sh
# under WORK (default: a temp dir, removed at the end unless KEEP=1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GITA=${GITA:-$ROOT/target/release/gita}
GITA_BASE=${GITA_BASE:-}
PYGITA=${PYGITA:-}
GFOLD=${GFOLD:-$(command -v gfold || true)}
SIZES=${SIZES-50 200}
MERGES=${MERGES:-20000}
BEHIND=${BEHIND:-490}
REAL_REPO=${REAL_REPO:-}
REAL_BEHIND=${REAL_BEHIND:-900}
MEM_N=${MEM_N:-1000}
RUNS=${RUNS:-30}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gita-bench.XXXXXX")}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt install hyperfine)" >&2; exit 2; }
[ -x "$GITA" ] || { echo "no $GITA: run cargo build --release first" >&2; exit 2; }
if [ -n "${CALLGRIND:-}" ] && ! command -v valgrind >/dev/null; then
  echo "CALLGRIND=1 needs valgrind (apt install valgrind)" >&2
  exit 2
fi

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GITA_STATUS_ENGINE GITA_STATUS_CACHE
# ll's cache of unchanged repos lives with the workspaces, not in ~/.cache.
export XDG_CACHE_HOME=$WORK/cache

# settle — ll caches a repo only once its files are 2 s old; fresh
# fixtures would be read in full on every run.
settle() { sleep 3; }

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
    settle
  fi
  echo "$dir"
}

# medians JSON — the targets are about medians; hyperfine's summary shows means.
medians() {
  python3 - "$1" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
print(f"\n{'command':42} {'median':>9} {'mean':>9} {'min':>9}")
for r in res:
    print(f"{r['command']:42} {r['median']*1000:7.1f}ms {r['mean']*1000:7.1f}ms {r['min']*1000:7.1f}ms")
EOF
}

# local_branch REPO BASE — the checked-out branch moves to BASE plus one
# commit of its own (still tracking its upstream); no commit-graph.
local_branch() {
  git -C "$1" reset -q --hard "$2"
  git -C "$1" -c user.name=Bench -c user.email=bench@example.invalid \
    commit -q --allow-empty -m "local work"
  rm -rf "$1/.git/objects/info/commit-graph" "$1/.git/objects/info/commit-graphs"
}

# with_graph REPO — a copy of REPO at REPO-graph, with a commit-graph.
with_graph() {
  rm -rf "$1-graph"
  cp -a "$1" "$1-graph"
  git -C "$1-graph" commit-graph write --reachable
}

# histories — builds (once) WORK/history with the history repos, registered.
histories() {
  local dir=$WORK/history repo
  if [ ! -d "$dir/home" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    git init -q --bare -b main "$dir/origin.git"
    python3 "$ROOT/bench/mergeheavy.py" "$MERGES" | git -C "$dir/origin.git" fast-import --quiet
    # A clone, so the objects are packed the way a fetch packs them.
    git clone -q --no-local "$dir/origin.git" "$dir/mergeheavy"
    local_branch "$dir/mergeheavy" "origin/main~$BEHIND"
    with_graph "$dir/mergeheavy"
    if [ -n "$REAL_REPO" ]; then
      git clone -q --no-local "$REAL_REPO" "$dir/real"
      local_branch "$dir/real" "origin/HEAD~$REAL_BEHIND"
      with_graph "$dir/real"
    fi
    mkdir -p "$dir/home"
    for repo in "$dir"/mergeheavy "$dir"/mergeheavy-graph "$dir"/real "$dir"/real-graph; do
      [ ! -d "$repo" ] || GITA_PROJECT_HOME=$dir/home "$GITA" add "$repo" >/dev/null
    done
    settle
  fi
  echo "$dir"
}

# instructions NAME COMMAND — callgrind's instruction count of COMMAND,
# summed over every process it starts.
instructions() {
  local out
  out=$(mktemp -d)
  bash -c "valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$out/cg.%p $2" >/dev/null 2>&1
  awk -v name="$1" '/^summary:/ {s += $2} END {printf "%-42s %9.1fM instructions\n", name, s / 1e6}' "$out"/cg.*
  rm -rf "$out"
}

for n in $SIZES; do
  dir=$(workspace "$n")
  echo "== N=$n repos ($dir)"
  cmds=(
    -n "gita ll" "GITA_PROJECT_HOME=$dir/home-rs $GITA ll"
    -n "gita ll (no cache)" "GITA_STATUS_CACHE=off GITA_PROJECT_HOME=$dir/home-rs $GITA ll"
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
  medians "$WORK/ll-$n.json"
  echo
done

if [ "$MERGES" != 0 ]; then
  dir=$(histories)
  home=$dir/home
  for repo in "$dir"/mergeheavy "$dir"/mergeheavy-graph "$dir"/real "$dir"/real-graph; do
    [ -d "$repo" ] || continue
    name=$(basename "$repo")
    read -r ahead behind < <(git -C "$repo" rev-list --left-right --count 'HEAD...@{upstream}')
    graph=no
    [ ! -e "$repo/.git/objects/info/commit-graph" ] || graph=a
    echo "== $name: $(git -C "$repo" rev-list --count --all) commits, $ahead ahead, $behind behind, $graph commit-graph"
    GITA_PROJECT_HOME=$home "$GITA" ll "$name"
    cmds=(-n "gita ll" "GITA_PROJECT_HOME=$home $GITA ll $name"
      -n "gita ll (no cache)" "GITA_STATUS_CACHE=off GITA_PROJECT_HOME=$home $GITA ll $name")
    if [ -n "$GITA_BASE" ]; then
      cmds+=(-n "gita ll (baseline, no cache)" "GITA_STATUS_CACHE=off GITA_PROJECT_HOME=$home $GITA_BASE ll $name")
    fi
    cmds+=(-n "gita ll (git engine)" "GITA_STATUS_ENGINE=git GITA_PROJECT_HOME=$home $GITA ll $name"
      -n "git status" "git -C $repo --no-optional-locks status --porcelain=v2 --branch --show-stash")
    hyperfine --shell=bash --warmup 3 --runs "$RUNS" --style basic \
      --export-json "$WORK/history-$name.json" "${cmds[@]}"
    medians "$WORK/history-$name.json"
    if [ -n "${CALLGRIND:-}" ]; then
      echo
      for ((k = 0; k < ${#cmds[@]}; k += 3)); do
        instructions "${cmds[k + 1]}" "env ${cmds[k + 2]}"
      done
    fi
    echo
  done
fi

if [ "$MEM_N" != 0 ]; then
  dir=$(workspace "$MEM_N")
  echo "== N=$MEM_N repos: peak memory"
  for how in "gix engine, cache off" "gix engine, cache filled" "git engine"; do
    case $how in
      git*) engine=git cache=off ;;
      *off) engine=gix cache=off ;;
      *) engine=gix cache=on
        GITA_PROJECT_HOME=$dir/home-rs "$GITA" ll >/dev/null ;;
    esac
    rss=$(GITA_STATUS_ENGINE=$engine GITA_STATUS_CACHE=$cache GITA_PROJECT_HOME=$dir/home-rs \
      /usr/bin/time -v "$GITA" ll 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
    echo "gita ll ($how): max RSS $((rss / 1024)) MB ($rss kB)"
  done
fi
