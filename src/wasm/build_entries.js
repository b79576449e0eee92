// Builds the entries `entry_tape.rs` wrote as plain objects, without JSON:
// the strings of all of them are one UTF-8 text, decoded once, and sliced by
// the UTF-16 lengths on the tape; numbers, counts and the presence of each
// optional member are the tape's other words (f64). Keys are written in the
// JSON writer's order (src/entry/json_text.rs), each object as one literal
// per combination of its optional members, so that V8 shares one hidden
// class per shape and no user code runs: assigning a member after the
// literal would call a setter someone defined on `Object.prototype` (and a
// throw from here would leave the bridge borrowed for good), and
// `Object.defineProperty` per member made the build 18 times slower. Loaded
// by the wasm-bindgen glue as a snippet.

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/** A string member that is absent. */
const ABSENT = -1;

/** The decoded text, the position in it (UTF-16 units), the words, the next word. */
let text = '';
let at = 0;
let words;
let w = 0;
let lastBuffer;
let u8;
let f64;

/** The `count` entries on the tape: its text at `textPtr` (bytes), its words at `wordsPtr` (8-aligned). */
export function buildEntries(textPtr, textLen, wordsPtr, count, memory) {
  const buffer = memory.buffer;
  if (buffer !== lastBuffer) {
    lastBuffer = buffer;
    u8 = new Uint8Array(buffer);
    f64 = new Float64Array(buffer);
  }
  text = decoder.decode(u8.subarray(textPtr, textPtr + textLen));
  at = 0;
  words = f64;
  w = wordsPtr >>> 3;
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = entry();
  text = '';
  return out;
}

function str() {
  const n = words[w++];
  const s = text.slice(at, at + n);
  at += n;
  return s;
}

/** An ISO-8601 timestamp: always 24 characters, no word of its own. */
function time() {
  const s = text.slice(at, at + 24);
  at += 24;
  return s;
}

function strs() {
  const n = words[w++];
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = str();
  return out;
}

function flag() {
  return words[w++] === 1;
}

/** The next optional string, or undefined when the tape says it is absent. */
function optStr() {
  if (words[w] !== ABSENT) return str();
  w++;
  return undefined;
}

function entry() {
  const id = str();
  const invocation = flag() ? command() : modelMethodRun(str());
  const result = outcome();
  const startedAt = time();
  const completedAt = time();
  const durationMs = words[w++];
  const swampVersion = str();
  const denoVersion = str();
  const platform = str();
  const ic = flag() ? invocationContext() : undefined;
  const p = optStr();
  const wc = flag() ? workflowContext() : undefined;
  // Bits: invocationContext 4, parentInvocationId 2, workflowContext 1.
  switch ((ic === undefined ? 0 : 4) | (p === undefined ? 0 : 2) | (wc === undefined ? 0 : 1)) {
    case 0: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform };
    case 1: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, workflowContext: wc };
    case 2: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, parentInvocationId: p };
    case 3: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, parentInvocationId: p, workflowContext: wc };
    case 4: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, invocationContext: ic };
    case 5: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, invocationContext: ic, workflowContext: wc };
    case 6: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, invocationContext: ic, parentInvocationId: p };
    default: return { id, invocation, result, startedAt, completedAt, durationMs, swampVersion, denoVersion, platform, invocationContext: ic, parentInvocationId: p, workflowContext: wc };
  }
}

/** `model run <REDACTED> <method>`: the invocation of every bridge entry. */
function modelMethodRun(method) {
  return {
    command: 'model',
    args: ['run', '<REDACTED>', method],
    optionKeys: [],
    globalOptions: [],
    subcommand: 'method',
  };
}

function command() {
  const command = str();
  const args = strs();
  const optionKeys = strs();
  const globalOptions = strs();
  const subcommand = optStr();
  return subcommand === undefined
    ? { command, args, optionKeys, globalOptions }
    : { command, args, optionKeys, globalOptions, subcommand };
}

function outcome() {
  const status = str();
  const exitCode = words[w++];
  const errorType = optStr();
  const errorMessage = optStr();
  if (errorType === undefined) return errorMessage === undefined ? { status, exitCode } : { status, exitCode, errorMessage };
  return errorMessage === undefined ? { status, exitCode, errorType } : { status, exitCode, errorType, errorMessage };
}

function invocationContext() {
  const agentSessionDetected = flag();
  const isInteractive = flag();
  const configuredAiTools = flag() ? strs() : undefined;
  const detectedAiTool = optStr();
  if (configuredAiTools === undefined) {
    return detectedAiTool === undefined ? { agentSessionDetected, isInteractive } : { agentSessionDetected, isInteractive, detectedAiTool };
  }
  return detectedAiTool === undefined
    ? { agentSessionDetected, isInteractive, configuredAiTools }
    : { agentSessionDetected, isInteractive, configuredAiTools, detectedAiTool };
}

function workflowContext() {
  const workflowName = str();
  const runId = str();
  const jobName = str();
  const stepName = str();
  const modelType = optStr();
  const driver = optStr();
  const executor = optStr();
  // Bits: modelType 4, driver 2, executor 1.
  switch ((modelType === undefined ? 0 : 4) | (driver === undefined ? 0 : 2) | (executor === undefined ? 0 : 1)) {
    case 0: return { workflowName, runId, jobName, stepName };
    case 1: return { workflowName, runId, jobName, stepName, executor };
    case 2: return { workflowName, runId, jobName, stepName, driver };
    case 3: return { workflowName, runId, jobName, stepName, driver, executor };
    case 4: return { workflowName, runId, jobName, stepName, modelType };
    case 5: return { workflowName, runId, jobName, stepName, modelType, executor };
    case 6: return { workflowName, runId, jobName, stepName, modelType, driver };
    default: return { workflowName, runId, jobName, stepName, modelType, driver, executor };
  }
}
