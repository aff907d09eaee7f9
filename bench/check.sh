#!/usr/bin/env bash
# check.sh — time `gita check` against `gita ll` on a generated workspace,
# then on one large synthetic repo.
#
#   bench/check.sh                 N = 200 repos; a repo of 100000 commits and 500 branches
#   N=50 COMMITS=20000 BRANCHES=100 bench/check.sh
#
# 1. `gita ll` and `gita check` side by side in one hyperfine run on a
#    bench/fixture.sh workspace of N repos (medians are what the target uses).
# 2. A repo of COMMITS commits on main (one per minute), origin/main at the
#    tip, and BRANCHES branches: every fifth one with 1–7 commits of its own
#    on an old fork point, the others at an old commit of main. Timed
#    without and with a commit-graph file, next to what git needs for the
#    same answer (`git rev-list --count B --not --remotes` per branch).
#
# Build first: cargo build --release. Work happens under WORK (default: a
# temp dir, removed at the end unless KEEP=1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GITA=${GITA:-$ROOT/target/release/gita}
N=${N:-200}
COMMITS=${COMMITS:-100000}
BRANCHES=${BRANCHES:-500}
RUNS=${RUNS:-30}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gita-check-bench.XXXXXX")}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt install hyperfine)" >&2; exit 2; }
[ -x "$GITA" ] || { echo "no $GITA: run cargo build --release first" >&2; exit 2; }

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C TZ=UTC
unset GITA_STATUS_ENGINE

medians() {
  python3 - "$1" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
print(f"\n{'command':36} {'median':>9} {'min':>9} {'user+sys':>9}")
for r in res:
    print(f"{r['command']:36} {r['median']*1000:7.1f}ms {r['min']*1000:7.1f}ms {(r['user']+r['system'])*1000:7.1f}ms")
EOF
}

if [ "$N" != 0 ]; then
  dir=$WORK/ws
  "$ROOT/bench/fixture.sh" "$N" "$dir" >/dev/null
  mkdir -p "$dir/home"
  GITA_PROJECT_HOME=$dir/home "$GITA" add -r "$dir/repos" >/dev/null
  echo "== N=$N repos: $(GITA_PROJECT_HOME=$dir/home "$GITA" check | tail -1)"
  # `check` exits 1 when something is at risk: -i keeps hyperfine going.
  hyperfine -N -i --warmup 3 --runs "$RUNS" --style basic --export-json "$WORK/ws.json" \
    -n "gita ll" "env GITA_PROJECT_HOME=$dir/home $GITA ll" \
    -n "gita check" "env GITA_PROJECT_HOME=$dir/home $GITA check" >/dev/null
  medians "$WORK/ws.json"
  echo
fi

if [ "$COMMITS" != 0 ]; then
  big=$WORK/big
  git init -q -b main "$big"
  awk -v n="$COMMITS" -v b="$BRANCHES" 'BEGIN {
    t0 = 1704067200
    for (i = 1; i <= n; i++) {
      msg = "commit " i "\n"
      printf "commit refs/heads/main\nmark :%d\ncommitter B <b@example.invalid> %d +0000\ndata %d\n%s", i, t0 + 60 * i, length(msg), msg
      if (i > 1) printf "from :%d\n", i - 1
      body = "line " i "\n"
      printf "M 644 inline file%d.txt\ndata %d\n%s\n", i % 50, length(body), body
    }
    printf "reset refs/remotes/origin/main\nfrom :%d\n\n", n
    mark = n
    for (k = 1; k <= b; k++) {
      fork = (k * 7919) % n + 1
      if (k % 5 == 0) {
        prev = fork
        for (j = 1; j <= k % 7 + 1; j++) {
          mark++
          msg = "work " k "." j "\n"
          printf "commit refs/heads/b%d\nmark :%d\ncommitter B <b@example.invalid> %d +0000\ndata %d\n%sfrom :%d\n", k, mark, t0 + 60 * n + 60 * mark, length(msg), msg, prev
          printf "M 644 inline local%d.txt\ndata 2\n%d\n\n", k, j
          prev = mark
        }
      } else {
        printf "reset refs/heads/b%d\nfrom :%d\n\n", k, fork
      }
    }
  }' | git -C "$big" fast-import --quiet
  git -C "$big" reset -q --hard main
  mkdir -p "$WORK/big-home"
  GITA_PROJECT_HOME=$WORK/big-home "$GITA" add "$big" >/dev/null
  echo "== one repo: $COMMITS commits, $BRANCHES branches"
  { GITA_PROJECT_HOME=$WORK/big-home "$GITA" check --json || true; } |
    python3 -c 'import json,sys; r=json.load(sys.stdin)[0]["reasons"]; u=[x["count"] for x in r if x["kind"]=="unpushed_commits"]; print(len(u), "branches with commits on no remote,", sum(u), "commits")'
  per_branch="for b in \$(git -C $big for-each-ref --format='%(refname)' refs/heads); do git -C $big rev-list --count \$b --not --remotes; done >/dev/null"
  hyperfine -N -i --warmup 1 --runs 10 --style basic --export-json "$WORK/big1.json" \
    -n "gita check (no commit-graph)" "env GITA_PROJECT_HOME=$WORK/big-home $GITA check" \
    -n "gita check, git engine" "env GITA_STATUS_ENGINE=git GITA_PROJECT_HOME=$WORK/big-home $GITA check" \
    -n "gita ll (no commit-graph)" "env GITA_PROJECT_HOME=$WORK/big-home $GITA ll" >/dev/null
  medians "$WORK/big1.json"
  hyperfine --shell=bash --warmup 1 --runs 3 --style basic --export-json "$WORK/big2.json" \
    -n "git rev-list per branch" "$per_branch" >/dev/null
  medians "$WORK/big2.json"
  git -C "$big" commit-graph write --reachable
  hyperfine -N -i --warmup 1 --runs 10 --style basic --export-json "$WORK/big3.json" \
    -n "gita check (commit-graph)" "env GITA_PROJECT_HOME=$WORK/big-home $GITA check" >/dev/null
  medians "$WORK/big3.json"
  rss=$({ GITA_PROJECT_HOME=$WORK/big-home /usr/bin/time -v "$GITA" check 2>&1 >/dev/null || true; } |
    awk -F': ' '/Maximum resident set size/ {print $2}')
  echo "gita check peak RSS (commit-graph): $((rss / 1024)) MB"
fi
