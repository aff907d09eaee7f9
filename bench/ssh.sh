#!/usr/bin/env bash
# Times fetching N repos over real ssh through a link with a round-trip time:
# gita with connection reuse, gita without (--no-ssh-reuse), `xargs -P0 git
# fetch`, and Python gita.
#
# A private sshd listens on 127.0.0.1 (its own host and client keys, as in
# tests/ssh.rs); in front of it a small Python relay delays every chunk by
# RTT/2 in each direction, so every round trip of TCP, the ssh handshake and
# git's protocol pays the RTT, as over a real network. Each repo's origin is
# ssh://127.0.0.1:RELAY/…/rN.git; nothing leaves the machine.
#
# Usage: bench/ssh.sh [N...]              (default: 50 200)
# Environment:
#   GITA          gita binary to test          (default: target/release/gita)
#   PYGITA        Python gita's `gita` binary  (default: a venv made here with
#                 `pip install gita`; set PYGITA=none to skip it)
#   RTTS_MS       round-trip times to test     (default: "50 200")
#   RUNS          hyperfine runs per command   (default: 3)
#   JOBS_SWEEP    extra -j values for gita, with and without reuse (default: none)
#   MAX_STARTUPS  sshd MaxStartups             (default: 10:30:100, sshd's own)
#   WORKDIR       where fixtures go            (default: a temp dir, removed at exit)
# Needs: git, sshd, ssh-keygen, hyperfine, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
GITA=${GITA:-$here/target/release/gita}
RTTS_MS=${RTTS_MS:-50 200}
RUNS=${RUNS:-3}
JOBS_SWEEP=${JOBS_SWEEP:-}
MAX_STARTUPS=${MAX_STARTUPS:-10:30:100}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 200)

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt install hyperfine)" >&2; exit 1; }
[ -x "$GITA" ] || { echo "no gita binary at $GITA (cargo build --release)" >&2; exit 1; }
sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd_bin" ] || { echo "needs sshd (apt install openssh-server)" >&2; exit 1; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${WORKDIR:-}" ] || rm -rf "$root"
}
if [ -n "${WORKDIR:-}" ]; then
  root=$WORKDIR
  mkdir -p "$root"
else
  root=$(mktemp -d /tmp/gita-bench.XXXXXX)
fi
trap cleanup EXIT

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

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- sshd on 127.0.0.1, as in tests/ssh.rs. SHLVL=1 keeps bash, when it is
# the account's shell, from reading ~/.bashrc for every session (it does when
# started by sshd at level 1): a git host runs upload-pack without the
# account's start-up files, and they can cost more than the fetch itself.
sd=$root/sshd
mkdir -p "$sd"
[ -f "$sd/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$sd/host_key"
[ -f "$sd/client_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$sd/client_key"
cp "$sd/client_key.pub" "$sd/authorized_keys"
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
sshd_port=$(free_port)
cat >"$sd/sshd_config" <<EOF
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $sd/host_key
PidFile none
UsePAM no
StrictModes no
AuthorizedKeysFile $sd/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxStartups $MAX_STARTUPS
SetEnv SHLVL=1
EOF
"$sshd_bin" -D -f "$sd/sshd_config" -E "$sd/sshd.log" &
pids+=($!)

# --- the latency relay: every chunk, each way, RTT/2 late, in order
cat >"$root/relay.py" <<'EOF'
import asyncio, sys
listen, target, half = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 2000

async def pump(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    async def deliver():
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        writer.close()
    task = asyncio.create_task(deliver())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((loop.time() + half, data))
    finally:
        queue.put_nowait((loop.time() + half, None))
        await task

async def handle(reader, writer):
    try:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        writer.close()
        return
    await asyncio.gather(pump(reader, up_w), pump(up_r, writer), return_exceptions=True)

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=1024)
    async with server:
        await server.serve_forever()

asyncio.run(main())
EOF

echo "$(printf '[127.0.0.1]:%s ' "$sshd_port")$(cat "$sd/host_key.pub")" >"$sd/known_hosts"
for _ in $(seq 100); do grep -q "Server listening" "$sd/sshd.log" 2>/dev/null && break; sleep 0.05; done

gita_failed() { # dir [flag]: how many repos a gita fetch failed in
  local n
  n=$(GITA_PROJECT_HOME=$1/rs "$GITA" fetch ${2:-} 2>&1 >/dev/null | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p' | tail -1)
  echo "${n:-0}"
}

make_fixture() { # n dir
  local n=$1 dir=$2 i
  mkdir -p "$dir/remotes" "$dir/work"
  git init -q -b main "$dir/seed"
  git -C "$dir/seed" commit -q --allow-empty -m seed
  for i in $(seq 1 "$n"); do
    git clone -q --bare "$dir/seed" "$dir/remotes/r$i.git"
    git clone -q "file://$dir/remotes/r$i.git" "$dir/work/r$i"
  done
  GITA_PROJECT_HOME=$dir/rs "$GITA" add -r "$dir/work" >/dev/null
  if [ "$PYGITA" != none ]; then
    GITA_PROJECT_HOME=$dir/py "$PYGITA" add -r "$dir/work" >/dev/null
  fi
}

for rtt in $RTTS_MS; do
  relay_port=$(free_port)
  python3 "$root/relay.py" "$relay_port" "$sshd_port" "$rtt" &
  pids+=($!)
  sleep 0.5
  # known_hosts names the relay's port too.
  sed "s/^\[127.0.0.1\]:$sshd_port /[127.0.0.1]:$relay_port /" "$sd/known_hosts" >"$sd/known_hosts.$relay_port"
  export GIT_SSH_COMMAND="ssh -F /dev/null -i $sd/client_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$sd/known_hosts.$relay_port -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes"
  for n in "${sizes[@]}"; do
    dir=$root/n$n
    [ -d "$dir/work" ] || make_fixture "$n" "$dir"
    for i in $(seq 1 "$n"); do
      git -C "$dir/work/r$i" remote set-url origin "ssh://127.0.0.1:$relay_port$dir/remotes/r$i.git"
    done
    echo "== N=$n repos, RTT ${rtt} ms, one sshd (MaxStartups $MAX_STARTUPS), $(nproc) cores"
    cmds=(
      -n "gita fetch (reuse)" "GITA_PROJECT_HOME=$dir/rs $GITA fetch >/dev/null 2>&1"
      -n "gita fetch --no-ssh-reuse" "GITA_PROJECT_HOME=$dir/rs $GITA fetch --no-ssh-reuse >/dev/null 2>&1"
      -n "xargs -P0 git fetch" "ls -d $dir/work/* | xargs -P0 -I{} git -C {} fetch -q"
    )
    if [ "$PYGITA" != none ]; then
      cmds+=(-n "python gita fetch" "GITA_PROJECT_HOME=$dir/py $PYGITA fetch >/dev/null 2>&1")
    fi
    for j in $JOBS_SWEEP; do
      cmds+=(-n "gita fetch -j $j (reuse)" "GITA_PROJECT_HOME=$dir/rs $GITA fetch -j $j >/dev/null 2>&1")
      cmds+=(-n "gita fetch -j $j --no-ssh-reuse" "GITA_PROJECT_HOME=$dir/rs $GITA fetch -j $j --no-ssh-reuse >/dev/null 2>&1")
    done
    # -i: a command that loses connections to MaxStartups exits non-zero;
    # its time is still shown, and the failures are counted below.
    hyperfine -i --warmup 1 --runs "$RUNS" --export-markdown "$root/n$n-rtt$rtt.md" "${cmds[@]}"
    cat "$root/n$n-rtt$rtt.md"
    echo "failed fetches in one more run of each:"
    echo "  gita (reuse):              $(gita_failed "$dir")"
    echo "  gita --no-ssh-reuse:       $(gita_failed "$dir" --no-ssh-reuse)"
    echo "  xargs -P0 git fetch:       $(ls -d "$dir"/work/* | xargs -P0 -I{} sh -c 'git -C {} fetch -q 2>/dev/null || echo x' | grep -c x || true)"
  done
  kill "${pids[-1]}" 2>/dev/null || true
done
