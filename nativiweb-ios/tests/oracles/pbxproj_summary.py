"""Reads a project.pbxproj with PyPI's `pbxproj` (its own OpenStep parser, openstep_parser) and
prints what the Rust test compares: the app target, its build settings, its build phases and
the files the groups lead to.

Usage: python3 pbxproj_summary.py PROJECT.pbxproj; exits 3 when `pbxproj` is not installed.
"""
import json
import sys

try:
    from pbxproj import XcodeProject
except ImportError as e:
    print(f"missing: {e}", file=sys.stderr)
    sys.exit(3)

KEYS = json.loads(sys.argv[2])


def get(obj, key, default=None):
    try:
        return obj[key] if key in obj else default
    except TypeError:
        return getattr(obj, key, default)


def main():
    project = XcodeProject.load(sys.argv[1])
    objects = project.objects
    root = objects[project.rootObject]
    targets = [objects[t] for t in root.targets]
    target = project.get_target_by_name("App")
    assert target is not None, "no target named App"

    def settings(config_list):
        out = {}
        for cid in objects[config_list].buildConfigurations:
            config = objects[cid]
            bs = config.buildSettings
            out[config.name] = {k: str(bs[k]) for k in KEYS if k in bs}
        return out

    def phase_files(isa):
        for pid in target.buildPhases:
            phase = objects[pid]
            if phase.isa == isa:
                names = []
                for bid in phase.files:
                    ref = objects[objects[bid].fileRef]
                    names.append(get(ref, "path") or get(ref, "name"))
                return names
        return None

    files = []

    def walk(gid, prefix):
        group = objects[gid]
        for cid in group.children:
            child = objects[cid]
            if get(child, "sourceTree") != "<group>":
                continue
            path = get(child, "path")
            here = f"{prefix}/{path}".lstrip("/") if path else prefix
            if child.isa in ("PBXGroup", "PBXVariantGroup"):
                walk(cid, here)
            else:
                files.append(here)

    walk(root.mainGroup, "")
    summary = {
        "targets": [[t.name, t.productType] for t in targets],
        "target_settings": settings(target.buildConfigurationList),
        "project_settings": settings(root.buildConfigurationList),
        "sources": phase_files("PBXSourcesBuildPhase"),
        "resources": phase_files("PBXResourcesBuildPhase"),
        "files": sorted(files),
        "regions": list(root.knownRegions),
    }
    print(json.dumps(summary, indent=1, sort_keys=True))


main()
