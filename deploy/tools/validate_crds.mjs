// Validates custom resources (Strimzi, prometheus-operator) against the validators that
// @kubernetes-models generates from each project's CRD schemas. kubeconform checks the built-in
// kinds; no installable package ships these CRDs' JSON schemas in its format.
// Usage: node validate_crds.mjs NODE_MODULES_DIR < documents.json   (a JSON array)
// Prints one line per problem and exits 1 if any; unknown kinds are problems too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const PACKAGES = {
  "kafka.strimzi.io": "strimzi-kafka-operator",
  "monitoring.coreos.com": "prometheus-operator",
};

const modules = process.argv[2];
const documents = JSON.parse(readFileSync(0, "utf8"));
const problems = [];
for (const doc of documents) {
  const [group, version] = doc.apiVersion.split("/");
  const where = `${doc.kind}/${doc.metadata?.name}`;
  const pkg = PACKAGES[group];
  if (!pkg) {
    problems.push(`${where}: no validator for API group ${group}`);
    continue;
  }
  const file = join(modules, "@kubernetes-models", pkg, group, version, `${doc.kind}.js`);
  let Model;
  try {
    Model = (await import(pathToFileURL(file).href))[doc.kind];
  } catch {
    problems.push(`${where}: unknown kind ${doc.kind} in ${doc.apiVersion}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}
for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
