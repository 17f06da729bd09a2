// Validates Kubernetes objects against the schemas bundled in the pinned npm
// packages kubernetes-models (core/apps) and @kubernetes-models/prometheus-operator.
// Usage: node validate_schemas.mjs OBJECTS.json   (a JSON array of objects)
// Prints one line per object; exits 1 if any object is invalid or of a kind
// we have no schema for. These schemas let unknown fields and enum values
// through: policy.py checks those.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

async function modelFor(apiVersion, kind) {
  if (apiVersion === "monitoring.coreos.com/v1") {
    const module = await import(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`);
    return module[kind];
  }
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  return require(`kubernetes-models/${group}/${kind}`)[kind];
}

const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failures = 0;
for (const object of objects) {
  const name = `${object.kind}/${object.metadata?.name}`;
  let Model;
  try {
    Model = await modelFor(object.apiVersion, object.kind);
  } catch (error) {
    Model = undefined;
  }
  if (!Model) {
    console.log(`FAIL ${name}: no schema for ${object.apiVersion} ${object.kind}`);
    failures++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`ok   ${name}`);
  } catch (error) {
    console.log(`FAIL ${name}: ${error.message}`);
    failures++;
  }
}
console.log(`${objects.length - failures} valid, ${failures} invalid`);
process.exit(failures === 0 && objects.length > 0 ? 0 : 1);
