#!/usr/bin/env python3
"""mergeheavy.py MERGES [SEED] -- print a `git fast-import` stream of a
merge-heavy history on refs/heads/main, the shape of projects that merge every
topic branch with --no-ff (git's own repository, the Linux kernel):

  * MERGES merge commits on the main line, each bringing in a topic of 1-4
    commits (about 3.5 commits per merge in all);
  * most topics fork from one of the last 50 main-line commits and are dated
    as they are written;
  * one topic in ten is a fix for an old release: it forks up to 3,000 merges
    back and its commits are dated just after their fork point, so a walk
    ordered by commit date reaches them only after walking everything newer;
  * one topic in forty starts with a commit whose committer clock ran a day
    ahead (a parent newer than its child).

Deterministic for a given MERGES and SEED. The tree stays small (a few
hundred files): the cost this measures is the commit graph, not the checkout.
"""
import random
import sys


def main():
    if len(sys.argv) not in (2, 3) or not sys.argv[1].isdigit():
        sys.exit("usage: mergeheavy.py MERGES [SEED]")
    merges = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) == 3 else 1)
    out = sys.stdout.buffer
    when = {}  # mark -> committer time
    state = {"mark": 0, "clock": 1_400_000_000}

    def commit(parents, message, path, time=None):
        state["mark"] += 1
        mark = state["mark"]
        state["clock"] += 29
        t = state["clock"] if time is None else time
        when[mark] = t
        msg = message.encode()
        body = f"{message}\n".encode()
        lines = [
            b"commit refs/heads/main\n",
            b"mark :%d\n" % mark,
            b"author Dev <dev@example.invalid> %d +0000\n" % t,
            b"committer Dev <dev@example.invalid> %d +0000\n" % t,
            b"data %d\n%s\n" % (len(msg), msg),
        ]
        if parents:
            lines.append(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            lines.append(b"merge :%d\n" % p)
        lines.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(body), body))
        out.write(b"".join(lines))
        return mark

    line = [commit([], "initial import", "README")]
    for i in range(merges):
        old_fix = rng.random() < 0.1
        back = rng.randint(0, 3000 if old_fix else 50)
        base = line[max(0, len(line) - 1 - back)]
        future = not old_fix and rng.random() < 0.025
        tip = base
        for k in range(rng.randint(1, 4)):
            if old_fix:
                time = when[base] + 90 * (k + 1)
            elif future and k == 0:
                time = state["clock"] + 86_400
            else:
                time = None
            tip = commit([tip], f"topic {i}: part {k}", f"src/t{i % 211}/p{k}", time)
        line.append(commit([line[-1], tip], f"Merge branch 'topic-{i}'", f"merges/m{i % 97}"))
    out.write(b"reset refs/heads/main\nfrom :%d\n\n" % line[-1])


if __name__ == "__main__":
    main()
