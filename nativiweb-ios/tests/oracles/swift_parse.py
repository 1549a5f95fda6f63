"""Parses Swift files with tree-sitter-swift and reports every ERROR or MISSING node, and the
types each file declares: what they inherit from and the selectors of their methods
(`webView(_:start:)`), so a test can check that delegate methods match the protocols' names.

Usage: python3 swift_parse.py FILE...; prints one JSON object
{"problems": {file: [problem]}, "types": {file: {type: {"inherits": [...], "methods": [...]}}}}
and exits 0 (the Rust test decides); exits 3 when tree_sitter or tree_sitter_swift is missing.
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


def text(node, source):
    return source[node.start_byte:node.end_byte].decode("utf-8")


def selector(function, source):
    name = function.child_by_field_name("name")
    labels = []
    for child in function.children:
        if child.type != "parameter":
            continue
        external = child.child_by_field_name("external_name")
        inner = child.child_by_field_name("name")
        label = external if external is not None else inner
        labels.append(text(label, source) + ":")
    return f"{text(name, source)}({''.join(labels)})"


def types(tree, source):
    found = {}
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "class_declaration":
            name = text(node.child_by_field_name("name"), source)
            inherits = [
                text(c.child_by_field_name("inherits_from"), source)
                for c in node.children
                if c.type == "inheritance_specifier"
            ]
            body = node.child_by_field_name("body")
            methods = []
            if body is not None:
                for member in body.children:
                    if member.type == "function_declaration":
                        methods.append(selector(member, source))
            found[name] = {"inherits": inherits, "methods": sorted(methods)}
        stack.extend(node.children)
    return found


def main():
    p = parser()
    report = {"problems": {}, "types": {}}
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            source = f.read()
        tree = p.parse(source)
        found = problems(tree, source)
        if tree.root_node.has_error and not found:
            found.append("the tree has an error the walk did not find")
        report["problems"][path] = found
        report["types"][path] = types(tree, source)
    print(json.dumps(report, indent=1, sort_keys=True))


main()
