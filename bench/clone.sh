#!/usr/bin/env bash
# bench/clone.sh [N...]  (default: 50)
#
# Times `gita clone -f` of N repos side by side with Python gita's `clone -f`
# (when PYGITA points to its executable) on the same CSV manifest. Remotes are
# local bare repos reached over a fake ssh (GIT_SSH_COMMAND) that sleeps
# LATENCY_MS per connection, like a real server round trip.
#
# Environment:
#   GITA=path        gita binary (default: target/release/gita, built if missing)
#   PYGITA=path      Python gita's `gita` executable; PYGITA=install puts
#                    `pip install gita` into a venv under the work dir
#   LATENCY_MS=300   simulated latency per connection
#   RUNS=5           hyperfine runs per command
#   WORK=dir         scratch folder (default: a new temp dir, removed at exit)
set -euo pipefail
cd "$(dirname "$0")/.."

LATENCY_MS=${LATENCY_MS:-300}
RUNS=${RUNS:-5}
GITA=${GITA:-target/release/gita}
[ -x "$GITA" ] || cargo build --release --locked -q
GITA=$(realpath "$GITA")
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
WORK=$(realpath "$WORK")

if [ "${PYGITA:-}" = install ]; then
  python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q gita
  PYGITA=$WORK/venv/bin/gita
fi

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid

# Fake ssh: pay the latency, then run the remote command locally.
secs=$(printf '%d.%03d' $((LATENCY_MS / 1000)) $((LATENCY_MS % 1000)))
cat >"$WORK/fake-ssh" <<EOF
#!/bin/sh
sleep $secs
for last; do :; done
exec sh -c "\$last"
EOF
chmod +x "$WORK/fake-ssh"
export GIT_SSH_COMMAND=$WORK/fake-ssh

# One small template remote, copied N times.
tmpl=$WORK/template.git
if [ ! -d "$tmpl" ]; then
  git init -q --bare -b main "$tmpl"
  src=$WORK/template-src
  git init -q -b main "$src"
  for i in 1 2 3 4 5; do
    echo "line $i" >"$src/file$i.txt"
    git -C "$src" add -A && git -C "$src" commit -q -m "commit $i"
  done
  git -C "$src" push -q "$tmpl" main
fi

for N in "${@:-50}"; do
  rm -rf "$WORK/remotes"
  mkdir -p "$WORK/remotes"
  csv=$WORK/manifest-$N.csv
  : >"$csv"
  for ((i = 0; i < N; i++)); do
    name=$(printf 'repo%03d' "$i")
    cp -r "$tmpl" "$WORK/remotes/$name.git"
    echo "ssh://bench.invalid$WORK/remotes/$name.git,$name,$WORK/orig/$name,,,main" >>"$csv"
  done
  cmds=(
    --prepare "rm -rf $WORK/dest-g $WORK/cfg-g; mkdir -p $WORK/dest-g"
    -n "gita clone -f (N=$N)"
    "GITA_PROJECT_HOME=$WORK/cfg-g $GITA clone -f $csv -C $WORK/dest-g"
  )
  if [ -n "${PYGITA:-}" ]; then
    cmds+=(
      --prepare "rm -rf $WORK/dest-p $WORK/cfg-p; mkdir -p $WORK/dest-p"
      -n "python gita clone -f (N=$N)"
      "GITA_PROJECT_HOME=$WORK/cfg-p $PYGITA clone -f $csv -C $WORK/dest-p"
    )
  fi
  hyperfine -w 1 -r "$RUNS" --export-markdown "$WORK/clone-$N.md" "${cmds[@]}" >&2 || true
  cat "$WORK/clone-$N.md"
  # Sanity: every repo was cloned and registered.
  got=$(GITA_PROJECT_HOME=$WORK/cfg-g "$GITA" ls | wc -w)
  echo "gita registered $got of $N repos"
done
