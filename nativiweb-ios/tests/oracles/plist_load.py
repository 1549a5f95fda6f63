"""Loads property lists with Python's plistlib and prints them as one JSON object
{file: contents}; exits 1 (with the file and plistlib's message) on the first that fails.

Usage: python3 plist_load.py FILE...
"""
import json
import plistlib
import sys

report = {}
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            report[path] = plistlib.load(f)
    except Exception as e:  # any failure is the finding
        print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
print(json.dumps(report, indent=1, sort_keys=True))
