"""Parses Java files with tree-sitter-java and Kotlin scripts (.kts) with tree-sitter-kotlin and
reports every ERROR or MISSING node, and the classes each Java file declares.

Usage: python3 java_kotlin_parse.py FILE...; prints one JSON object
{"problems": {file: [problem]}, "classes": {file: [name]}} and exits 0 (the Rust test decides);
exits 3 when tree_sitter, tree_sitter_java or tree_sitter_kotlin is missing.
"""
import json
import sys

try:
    import tree_sitter
    import tree_sitter_java
    import tree_sitter_kotlin
except ImportError as e:  # the test skips (or fails under NATIVIWEB_REQUIRE_TOOLS=1)
    print(f"missing: {e}", file=sys.stderr)
    sys.exit(3)


def parser(module):
    language = tree_sitter.Language(module.language())
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


def classes(tree, source):
    names = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "class_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                names.append(source[name.start_byte:name.end_byte].decode("utf-8"))
        stack.extend(node.children)
    return sorted(names)


def main():
    java, kotlin = parser(tree_sitter_java), parser(tree_sitter_kotlin)
    report = {"problems": {}, "classes": {}}
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            source = f.read()
        p = java if path.endswith(".java") else kotlin
        tree = p.parse(source)
        report["problems"][path] = problems(tree, source)
        if path.endswith(".java"):
            report["classes"][path] = classes(tree, source)
    print(json.dumps(report))


main()
