#!/usr/bin/env python3
"""Compares freshly recorded cassettes with the committed ones.

A recording against the real Docker engine and sshd differs from the committed one in
what the programs printed (image ids, temp names, log timing) and in how many times a
wait polled; neither is a change of behaviour. What must not change is the sequence of
calls the providers make: call kind, program, arguments, stdin, cwd, environment keys,
timeout and output mode. Consecutive identical calls (polls) count once.

usage: cassette-diff.py FILE...   (each compared with `git show HEAD:FILE`)
"""
import json
import subprocess
import sys

KEYS = ("call", "program", "args", "stdin", "cwd", "env", "timeout_ms", "output")


def calls(text):
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        key = json.dumps([entry.get(k) for k in KEYS])
        if not out or out[-1] != key:
            out.append(key)
    return out


def main(paths):
    failed = False
    for path in paths:
        committed = subprocess.run(["git", "show", f"HEAD:{path}"], capture_output=True, text=True, check=True).stdout
        with open(path, encoding="utf-8") as handle:
            recorded = handle.read()
        old, new = calls(committed), calls(recorded)
        if old == new:
            print(f"cassette-diff: {path}: the same {len(new)} calls")
            continue
        failed = True
        print(f"cassette-diff: {path}: the calls changed")
        for index in range(max(len(old), len(new))):
            a = old[index] if index < len(old) else "(none)"
            b = new[index] if index < len(new) else "(none)"
            if a != b:
                print(f"  call {index}:\n    committed {a}\n    recorded  {b}")
                break
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
