// Reads a project.pbxproj with npm's `xcode` (cordova-node-xcode, its own PEG parser) and
// prints what the Rust test compares: the app target, its build settings, its build phases and
// the files the groups lead to. Usage: node pbxproj_summary.js PROJECT.pbxproj KEYS_JSON.
'use strict';

let xcode;
try {
  xcode = require('xcode');
} catch (e) {
  console.error(`missing: ${e.message}`);
  process.exit(3);
}

const KEYS = JSON.parse(process.argv[3]);
const project = xcode.project(process.argv[2]);
project.parseSync();

// The parser keeps quoted strings with their quotes; a value is compared without them.
function unquote(v) {
  if (typeof v === 'string' && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return v;
}

const sections = project.hash.project.objects;
const byId = {};
for (const isa of Object.keys(sections)) {
  for (const [id, obj] of Object.entries(sections[isa])) {
    if (!id.endsWith('_comment')) byId[id] = obj;
  }
}
const ref = (v) => (typeof v === 'object' && v !== null && 'value' in v ? v.value : v);

const root = project.getFirstProject().firstProject;
const target = project.pbxTargetByName('App');
if (!target) throw new Error('no target named App');

function settings(listId) {
  const out = {};
  for (const c of byId[listId].buildConfigurations) {
    const config = byId[ref(c)];
    const bs = config.buildSettings;
    const picked = {};
    for (const k of KEYS) if (k in bs) picked[k] = String(unquote(bs[k]));
    out[unquote(config.name)] = picked;
  }
  return out;
}

function phaseFiles(isa) {
  for (const p of target.buildPhases) {
    const phase = byId[ref(p)];
    if (phase.isa === isa) {
      return phase.files.map((f) => {
        const file = byId[byId[ref(f)].fileRef];
        return unquote(file.path || file.name);
      });
    }
  }
  return null;
}

const files = [];
function walk(groupId, prefix) {
  for (const c of byId[groupId].children) {
    const child = byId[ref(c)];
    if (unquote(child.sourceTree) !== '<group>') continue;
    const path = unquote(child.path);
    const here = path ? `${prefix}/${path}`.replace(/^\//, '') : prefix;
    if (child.isa === 'PBXGroup' || child.isa === 'PBXVariantGroup') walk(ref(c), here);
    else files.push(here);
  }
}
walk(root.mainGroup, '');

const summary = {
  files: files.sort(),
  project_settings: settings(root.buildConfigurationList),
  regions: root.knownRegions.map(unquote),
  resources: phaseFiles('PBXResourcesBuildPhase'),
  sources: phaseFiles('PBXSourcesBuildPhase'),
  target_settings: settings(target.buildConfigurationList),
  targets: root.targets.map((t) => {
    const tt = byId[ref(t)];
    return [unquote(tt.name), unquote(tt.productType)];
  }),
};
console.log(JSON.stringify(summary, null, 1));
