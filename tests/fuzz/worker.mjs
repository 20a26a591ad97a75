// A worker thread of `npm run fuzz`: one core, one seeded stream of inputs.
import { parentPort, workerData } from "node:worker_threads";
import { createSession, fuzzLoop } from "./session.mjs";

const { seed, worker, targets, deadline, maxInputs, minimise, known } = workerData;
const session = await createSession();
fuzzLoop(session, {
  seed,
  worker,
  targets,
  until: (n) => n >= maxInputs || Date.now() >= deadline,
  report: (progress) => parentPort.postMessage({ type: "progress", ...progress }),
  onFailure: (record) => parentPort.postMessage({ type: "failure", ...record }),
  maxMinimised: minimise ? 25 : 0,
  known: new Set(known),
});
parentPort.postMessage({ type: "done" });
