// Kubernetes' own schemas (kubernetes-models, generated from the Kubernetes
// OpenAPI definitions) over the pod templates of rendered runner scale sets.
//   node check_pods.mjs FILE.json
// FILE holds [{where, kind: "PodTemplateSpec" | "Pod", object}]; every object
// that does not validate is printed as "where: message", and the exit code is 1.
import { readFileSync } from "node:fs";
import { Pod } from "kubernetes-models/v1/Pod";
import { PodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";

const kinds = { Pod, PodTemplateSpec };
const items = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = 0;
for (const { where, kind, object } of items) {
  try {
    new kinds[kind](object).validate();
  } catch (e) {
    failed++;
    console.log(`${where}: Kubernetes ${kind} schema: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
