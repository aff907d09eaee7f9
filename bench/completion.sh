#!/usr/bin/env bash
# Time per completion request with N registered repos (default 1000) and 50
# groups: what one TAB costs in bash, zsh or fish (each runs gita once).
# Usage: bench/completion.sh [N]   (needs hyperfine; builds --release)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
cargo build --release --locked -q
bin=$PWD/target/release/gita
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gita"
{
  echo "repos:"
  for i in $(seq 1 "$n"); do
    printf '  repo%04d:\n    path: /home/me/src/team%02d/repo%04d\n' "$i" $((i % 50)) "$i"
  done
  echo "groups:"
  for g in $(seq 0 49); do
    printf '  team%02d:\n    repos:\n' "$g"
    for i in $(seq 1 "$n"); do
      [ $((i % 50)) -eq "$g" ] && printf '    - repo%04d\n' "$i"
    done
  done
} >"$tmp/gita/registry.yml"
export GITA_PROJECT_HOME=$tmp
echo "registry: $n repos, 50 groups, $(wc -c <"$tmp/gita/registry.yml") bytes"
req() { printf 'env GITA_COMPLETE=%s %q -- %s' "$1" "$bin" "$2"; }
hyperfine -N --warmup 20 --runs 200 \
  -n 'gita <TAB> (subcommands)' "$(req bash "gita ''")" \
  -n 'gita fetch repo00<TAB> (repos+groups)' "$(req bash 'gita fetch repo00')" \
  -n 'gita rm <TAB> (all 1000 repos, bash)' "$(req bash "gita rm ''")" \
  -n 'gita rm <TAB> (all 1000 repos with paths, fish)' "$(req fish "gita rm ''")" \
  -n 'env gita --version (baseline: start-up)' "env $bin --version"
