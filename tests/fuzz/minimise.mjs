// Shrinks a failing input while it still fails the same way (same oracle and
// the same failure template): delta debugging over every array and byte
// string in the input, and numbers towards zero. Inputs are plain JSON, so one
// pass serves every target, structured or mutated.

/** The failure with numbers, quoted text and the tail after " (" removed: what "the same way" means. */
export function failureTemplate(f) {
  return `${f.oracle}: ${f.detail
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/0x[0-9a-f]+|\d+(?:\.\d+)?/gi, "#")
    .split(" (")[0]
    .slice(0, 160)}`;
}

/** Fields that name what an input is rather than what it carries: never shrunk. */
const FIXED_KEYS = new Set(["target", "kind", "end", "via"]);

function leaves(value, path = [], out = []) {
  if (FIXED_KEYS.has(path[path.length - 1])) return out;
  if (Array.isArray(value)) {
    out.push({ path, kind: "array" });
    value.forEach((v, i) => leaves(v, [...path, i], out));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  } else if (typeof value === "string" && value.length > 0) out.push({ path, kind: "string" });
  else if (typeof value === "number" && value !== 0) out.push({ path, kind: "number" });
  return out;
}

function get(obj, path) {
  return path.reduce((o, k) => o[k], obj);
}

function withValue(obj, path, value) {
  const copy = structuredClone(obj);
  if (path.length === 0) return value;
  get(copy, path.slice(0, -1))[path[path.length - 1]] = value;
  return copy;
}

/** Delta debugging on a sequence (array or string): removes the largest chunks that keep it failing. */
function ddmin(seq, stillFails, budget) {
  let cur = seq;
  let n = 2;
  while (cur.length >= 1 && budget.runs > 0) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let start = 0; start < cur.length && budget.runs > 0; start += size) {
      const cand = cur.slice(0, start).concat(cur.slice(start + size));
      if (stillFails(cand)) {
        cur = cand;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size === 1) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  return cur;
}

/**
 * Returns the smallest input found that still fails like `failure`.
 * run(input) → { failures: [...] }. maxRuns bounds the work.
 */
export function minimise(input, failure, run, maxRuns = 1500) {
  const want = failureTemplate(failure);
  const budget = { runs: maxRuns };
  const fails = (cand) => {
    budget.runs--;
    try {
      return run(cand).failures.some((f) => failureTemplate(f) === want);
    } catch {
      return false; // an input the harness cannot even play is no smaller failing input
    }
  };
  let best = input;
  for (let pass = 0; pass < 3 && budget.runs > 0; pass++) {
    const before = JSON.stringify(best);
    for (const leaf of leaves(best)) {
      if (budget.runs <= 0) break;
      let value;
      try {
        value = get(best, leaf.path);
      } catch {
        continue; // removed by an earlier step
      }
      if (leaf.kind === "array" && Array.isArray(value) && value.length > 1) {
        const kept = ddmin(value, (c) => c.length > 0 && fails(withValue(best, leaf.path, c)), budget);
        best = withValue(best, leaf.path, kept);
      } else if (leaf.kind === "string" && typeof value === "string") {
        const kept = ddmin([...value], (c) => fails(withValue(best, leaf.path, c.join(""))), budget);
        best = withValue(best, leaf.path, kept.join(""));
      } else if (leaf.kind === "number" && typeof value === "number") {
        for (const v of [0, Math.trunc(value / 2)]) {
          if (v !== value && fails(withValue(best, leaf.path, v))) {
            best = withValue(best, leaf.path, v);
            break;
          }
        }
      }
    }
    if (JSON.stringify(best) === before) break;
  }
  return best;
}
