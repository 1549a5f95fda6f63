"""Parses an .xcscheme with Python's XML parser and prints the BuildableReferences it holds
as JSON: [[BlueprintIdentifier, BuildableName, BlueprintName, ReferencedContainer], ...] and
the configuration of each action. Exits 1 when the XML does not parse.
"""
import json
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print(f"{sys.argv[1]}: {e}", file=sys.stderr)
    sys.exit(1)
refs = [
    [r.get("BlueprintIdentifier"), r.get("BuildableName"), r.get("BlueprintName"), r.get("ReferencedContainer")]
    for r in root.iter("BuildableReference")
]
actions = {child.tag: child.get("buildConfiguration") for child in root if child.get("buildConfiguration")}
print(json.dumps({"root": root.tag, "references": refs, "actions": actions}, indent=1, sort_keys=True))
