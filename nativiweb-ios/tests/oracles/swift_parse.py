"""Parses Swift files with tree-sitter-swift and reports every ERROR or MISSING node.

Usage: python3 swift_parse.py FILE...; prints one JSON object {file: [problems]} and exits 0
(the Rust test decides); exits 3 when tree_sitter or tree_sitter_swift is not installed.
"""
import json
import sys

try:
    import tree_sitter
    import tree_sitter_swift
except ImportError as e:  # the test skips (or fails under NATIVIWEB_REQUIRE_TOOLS=1)
    print(f"missing: {e}", file=sys.stderr)
    sys.exit(3)


def parser():
    language = tree_sitter.Language(tree_sitter_swift.language())
    try:
        return tree_sitter.Parser(language)
    except TypeError:  # py-tree-sitter before 0.22
        p = tree_sitter.Parser()
        p.set_language(language)
        return p


def problems(tree, source):
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            kind = "MISSING " + node.type if node.is_missing else "ERROR"
            snippet = source[node.start_byte:node.end_byte][:80].decode("utf-8", "replace")
            found.append(f"{row + 1}:{col + 1}: {kind}: {snippet!r}")
        stack.extend(node.children)
    return sorted(found)


def main():
    p = parser()
    report = {}
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            source = f.read()
        tree = p.parse(source)
        report[path] = problems(tree, source)
        if tree.root_node.has_error and not report[path]:
            report[path].append("the tree has an error the walk did not find")
    print(json.dumps(report, indent=1, sort_keys=True))


main()
