#!/usr/bin/env bash
# fixture.sh N DIR — build a workspace of N git repos in every state `gita ll`
# distinguishes, for benchmarks.
#
#   DIR/repos/repoNNN     work trees (what gets registered)
#   DIR/remotes/*.git     a bare "origin" per repo (already fetched)
#   DIR/MANIFEST.tsv      name, state, size
#
# Repo i gets state STATES[i % 11]; every third repo is "big" (300 files in 30
# folders, 20 commits, a `feature` branch, an ignored build/ folder), the
# others "small" (8 files, 4 commits). History is written with one
# `git fast-import` per template (one template per state and size) and the
# templates are copied, so building 1000 repos takes seconds. Deterministic:
# fixed identity and dates, the caller's git config is ignored.
#
#   state         work tree                                      symbols
#   in_sync       main == origin/main                            []
#   local_ahead   2 local commits                                [↑2]
#   remote_ahead  origin/main 1 commit ahead                     [↓1]
#   diverged      1 local + 1 remote commit                      [⇕1/1]
#   no_remote     on branch topic, no upstream                   [∅]
#   dirty         unstaged edits                                 [*]
#   staged        staged edit + staged new file                  [+]
#   untracked     untracked file and folder                      [?]
#   stash         clean, one stash entry                         [$]
#   detached      detached at annotated tag v1.0                 [∅]
#   mixed         diverged + dirty + staged + untracked + stash  [*+$?⇕1/1]
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 N DIR" >&2; exit 2; }
N=$1
DIR=$2
case $N in '' | *[!0-9]*) echo "N must be a number" >&2; exit 2 ;; esac
JOBS=${JOBS:-$(nproc)}

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C TZ=UTC
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.invalid
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

rm -rf "$DIR"
mkdir -p "$DIR/repos" "$DIR/remotes"
DIR=$(cd "$DIR" && pwd -P)
TMPL=$(mktemp -d)
trap 'rm -rf "$TMPL"' EXIT
mkdir "$TMPL/empty"

STATES=(in_sync local_ahead remote_ahead diverged no_remote dirty staged untracked stash detached mixed)
BASE=1704067200 # 2024-01-01 00:00 UTC
WHO="Bench <bench@example.invalid>"

file_of() { echo "src/m$(($1 % 30))/file$1.txt"; }
pick() { echo $((($1 * 7) % $2)); } # which file edit number $1 touches

# data BYTES — a fast-import data block
data() { printf 'data %d\n%s\n' "${#1}" "$1"; }
# commit MARK FROM HOUR MESSAGE [PATH CONTENT]...
commit() {
  local mark=$1 from=$2 hour=$3 msg=$4 t
  shift 4
  t="$((BASE + hour * 3600)) +0000"
  printf 'commit refs/heads/main\nmark :%s\nauthor %s %s\ncommitter %s %s\n' "$mark" "$WHO" "$t" "$WHO" "$t"
  data "$msg"$'\n'
  [ -z "$from" ] || printf 'from :%s\n' "$from"
  while [ $# -ge 2 ]; do
    printf 'M 100644 inline %s\n' "$1"
    data "$2"
    shift 2
  done
  echo
}

# history SIDE STATE FILES COMMITS — fast-import stream for the work repo or
# its remote; shared commits get identical ids on both sides.
history() {
  local side=$1 state=$2 n=$3 nc=$4 j k
  local -a body=() init=(.gitignore $'*.o\nbuild/\n' README.md $'# bench repo\n')
  for ((j = 0; j < n; j++)); do
    body[j]="file $j"$'\n'
    init+=("$(file_of $j)" "${body[j]}")
  done
  commit 1 "" 1 "initial import" "${init[@]}"
  for ((k = 2; k <= nc; k++)); do
    j=$(pick $k $n)
    body[j]+="edit $k"$'\n'
    commit $k $((k - 1)) $k "change $k in module $((j % 30))" "$(file_of $j)" "${body[j]}"
  done
  local main=$nc origin=$nc
  case $state in remote_ahead | diverged | mixed)
    commit 500 $nc $((nc + 1)) "remote work" REMOTE.txt $'remote\n'
    origin=500 ;;
  esac
  if [ "$side" = work ]; then
    case $state in
      local_ahead)
        j=$(pick 101 $n)
        commit 601 $nc $((nc + 1)) "local work 1" "$(file_of $j)" "${body[j]}edit 101"$'\n'
        commit 602 601 $((nc + 2)) "local work 2" LOCAL.txt $'local\n'
        main=602 ;;
      diverged | mixed)
        j=$(pick 200 $n)
        commit 701 $nc $((nc + 2)) "local work" "$(file_of $j)" "${body[j]}edit 200"$'\n'
        main=701 ;;
      no_remote)
        commit 801 $nc $((nc + 1)) "topic work" TOPIC.txt $'topic\n'
        printf 'reset refs/heads/topic\nfrom :801\n\n' ;;
    esac
    [ "$n" -lt 30 ] || printf 'reset refs/heads/feature\nfrom :%d\n\n' $((nc - 3))
    printf 'reset refs/remotes/origin/main\nfrom :%s\n\n' "$origin"
    printf 'reset refs/heads/main\nfrom :%s\n\n' "$main"
    if [ "$state" = detached ]; then
      printf 'tag v1.0\nfrom :%d\ntagger %s %d +0000\n' $((nc - 1)) "$WHO" $((BASE + (nc + 1) * 3600))
      data $'release 1.0\n'
    fi
  else
    printf 'reset refs/heads/main\nfrom :%s\n\n' "$origin"
  fi
}

template() { # STATE SIZE
  local state=$1 size=$2 t=$TMPL/$1-$2 n nc
  if [ "$size" = big ]; then n=300 nc=20; else n=8 nc=4; fi
  local w=$t/work r=$t/remote.git
  git init -q --template="$TMPL/empty" --bare -b main "$r"
  git init -q --template="$TMPL/empty" -b main "$w"
  history remote "$state" $n $nc | git -C "$r" fast-import --quiet
  history work "$state" $n $nc | git -C "$w" fast-import --quiet
  printf '[remote "origin"]\n\turl = @URL@\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n' >>"$w/.git/config"
  case $state in
    no_remote) git -C "$w" symbolic-ref HEAD refs/heads/topic ;;
    detached) git -C "$w" update-ref --no-deref HEAD "$(git -C "$w" rev-parse 'v1.0^{commit}')" ;;
  esac
  git -C "$w" reset -q --hard
  if [ "$size" = big ]; then
    mkdir -p "$w/build"
    for k in 1 2 3; do echo "obj $k" >"$w/build/o$k.o"; done
  fi
  case $state in stash | mixed)
    echo "stashed edit" >>"$w/$(file_of $(pick 400 $n))"
    d="@$((BASE + (nc + 3) * 3600)) +0000"
    GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -C "$w" stash push -q -m wip ;;
  esac
  case $state in staged | mixed)
    echo "staged edit" >>"$w/$(file_of $(pick 500 $n))"
    echo "new" >"$w/STAGED_NEW.txt"
    git -C "$w" add -A ;;
  esac
  case $state in dirty | mixed)
    echo "dirty edit" >>"$w/$(file_of $(pick 600 $n))"
    echo "dirty" >>"$w/README.md" ;;
  esac
  case $state in untracked | mixed)
    echo scratch >"$w/notes.txt"
    mkdir -p "$w/scratch" && echo x >"$w/scratch/a.txt" ;;
  esac
}

running=0
bg() {
  if ((running >= JOBS)); then wait -n; running=$((running - 1)); fi
  "$@" &
  running=$((running + 1))
}
wait_all() { while ((running > 0)); do wait -n; running=$((running - 1)); done; }

state_of() { echo "${STATES[$1 % ${#STATES[@]}]}"; }
size_of() { if (($1 % 3 == 0)); then echo big; else echo small; fi; }

declare -A need=()
for ((i = 0; i < N; i++)); do need[$(state_of $i)-$(size_of $i)]=1; done
for key in "${!need[@]}"; do bg template "${key%-*}" "${key##*-}"; done
wait_all

instantiate() { # NAME STATE SIZE
  cp -a "$TMPL/$2-$3/work" "$DIR/repos/$1"
  cp -a "$TMPL/$2-$3/remote.git" "$DIR/remotes/$1.git"
  sed -i "s|@URL@|file://$DIR/remotes/$1.git|" "$DIR/repos/$1/.git/config"
  # The copy has new inodes and ctimes: refresh the index once so status
  # does not have to re-hash every file on each run.
  git -C "$DIR/repos/$1" update-index -q --refresh >/dev/null || true
}
width=${#N}
((width >= 3)) || width=3
printf 'name\tstate\tsize\n' >"$DIR/MANIFEST.tsv"
for ((i = 0; i < N; i++)); do
  name=$(printf 'repo%0*d' "$width" "$i")
  printf '%s\t%s\t%s\n' "$name" "$(state_of $i)" "$(size_of $i)" >>"$DIR/MANIFEST.tsv"
  bg instantiate "$name" "$(state_of $i)" "$(size_of $i)"
done
wait_all
echo "fixture: $N repos in $DIR/repos"
