#!/usr/bin/env python3
"""Run a command on a pseudo-terminal and draw what the terminal shows as SVG.

    term2svg.py [--cols N] [--title T] [--frame-when TEXT] OUT.svg -- CMD...

The command's output is replayed through a small terminal model (carriage
return, newline, erase line, SGR colors), so the picture is exactly what a
person sees. With --frame-when, a second panel shows the screen at the moment
the last line first contained TEXT (for example a progress line that the
final screen no longer has). Standard library only.
"""

import argparse
import html
import os
import pty
import re
import select
import subprocess
import sys

PALETTE = {
    30: "#3b4252", 31: "#e06c75", 32: "#98c379", 33: "#e5c07b",
    34: "#61afef", 35: "#c678dd", 36: "#56b6c2", 37: "#dcdfe4",
    90: "#5c6370", 91: "#ef7b86", 92: "#a8d589", 93: "#f0d08b",
    94: "#71bff7", 95: "#d688ed", 96: "#66c6d2", 97: "#ffffff",
}
FG = "#dcdfe4"
BG = "#1e2127"
CSI = re.compile(rb"\x1b\[([0-9;?]*)([A-Za-z])")


class Screen:
    """Lines of (char, style) cells; style is (color, bold)."""

    def __init__(self):
        self.lines = [[]]
        self.col = 0
        self.style = (None, False)

    def put(self, ch):
        line = self.lines[-1]
        while len(line) < self.col:
            line.append((" ", (None, False)))
        if self.col < len(line):
            line[self.col] = (ch, self.style)
        else:
            line.append((ch, self.style))
        self.col += 1

    def sgr(self, params):
        color, bold = self.style
        codes = [int(p) for p in params.split(";") if p.isdigit()] or [0]
        for c in codes:
            if c == 0:
                color, bold = None, False
            elif c == 1:
                bold = True
            elif c == 22:
                bold = False
            elif c == 39:
                color = None
            elif c in PALETTE:
                color = c
        self.style = (color, bold)

    def feed(self, data):
        i = 0
        text = data.decode("utf-8", "replace").encode("utf-8")
        while i < len(text):
            m = CSI.match(text, i)
            if m:
                params, cmd = m.group(1).decode(), m.group(2).decode()
                if cmd == "m":
                    self.sgr(params)
                elif cmd == "K":
                    if params in ("2",):
                        self.lines[-1] = []
                    else:
                        del self.lines[-1][self.col:]
                i = m.end()
                continue
            # One UTF-8 character.
            n = 1
            b = text[i]
            if b >= 0xF0:
                n = 4
            elif b >= 0xE0:
                n = 3
            elif b >= 0xC0:
                n = 2
            ch = text[i:i + n].decode("utf-8", "replace")
            i += n
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.lines.append([])
                self.col = 0
            elif ch == "\x1b" or ord(ch) < 32:
                continue
            else:
                self.put(ch)

    def snapshot(self):
        lines = [list(l) for l in self.lines]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def run(cmd, cols):
    """Runs cmd on a pty of `cols` columns; returns the output in chunks."""
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    env = dict(os.environ, COLUMNS=str(cols), TERM="xterm-256color")
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait()
    os.close(master)
    return chunks


def svg_panel(lines, y0, cw, lh, cols):
    out = []
    for row, line in enumerate(lines):
        line = line[:cols]
        y = y0 + (row + 1) * lh
        spans, cur, buf = [], None, ""
        for ch, style in line:
            if style != cur and buf:
                spans.append((cur, buf))
                buf = ""
            cur = style
            buf += ch
        if buf:
            spans.append((cur, buf))
        parts = []
        for (color, bold), text in spans:
            attrs = ""
            if color is not None:
                attrs += f' fill="{PALETTE[color]}"'
            if bold:
                attrs += ' font-weight="bold"'
            parts.append(f"<tspan{attrs}>{html.escape(text)}</tspan>")
        out.append(f'<text x="16" y="{y}" xml:space="preserve">{"".join(parts)}</text>')
    return out


def render(panels, cols, title):
    cw, lh = 8.4, 19
    width = int(16 * 2 + cols * cw)
    body, y = [], 44
    for label, lines in panels:
        if label:
            body.append(f'<text x="16" y="{y + 4}" fill="#7f848e" font-style="italic">{html.escape(label)}</text>')
            y += lh
        body += svg_panel(lines, y - 4, cw, lh, cols)
        y += (len(lines) + 1) * lh
    height = y + 4
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="ui-monospace, Menlo, Consolas, monospace" '
        f'font-size="14" fill="{FG}">'
        f'<rect width="100%" height="100%" rx="8" fill="{BG}"/>'
        '<circle cx="20" cy="16" r="5" fill="#ff5f56"/><circle cx="38" cy="16" r="5" fill="#ffbd2e"/>'
        '<circle cx="56" cy="16" r="5" fill="#27c93f"/>'
        f'<text x="{width // 2}" y="20" text-anchor="middle" fill="#7f848e">{html.escape(title)}</text>'
    )
    return head + "".join(body) + "</svg>\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=90)
    ap.add_argument("--title", default="")
    ap.add_argument("--prompt", default="$ ")
    ap.add_argument("--frame-when")
    ap.add_argument("--replace", action="append", default=[],
                    help="OLD=NEW: show NEW where the output says OLD (a temp path)")
    ap.add_argument("out")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    shown = os.environ.get("SHOWN_COMMAND", " ".join(cmd))
    screen = Screen()
    screen.feed((a.prompt + shown + "\r\n").encode())
    frame = None
    pairs = [r.split("=", 1) for r in a.replace]
    for chunk in run(cmd, a.cols):
        for old, new in pairs:
            chunk = chunk.replace(old.encode(), new.encode())
        for piece in re.split(rb"(\r|\n)", chunk):
            screen.feed(piece)
            if a.frame_when and frame is None:
                last = "".join(c for c, _ in screen.lines[-1])
                if a.frame_when in last and len(last) > 20:
                    frame = screen.snapshot()
    final = screen.snapshot()
    panels = []
    if a.frame_when:
        if frame is None:
            sys.exit(f"term2svg: no line ever contained {a.frame_when!r}")
        panels.append(("while it runs", frame))
        panels.append(("when it is done", final))
    else:
        panels.append(("", final))
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(render(panels, a.cols, a.title))


if __name__ == "__main__":
    main()
