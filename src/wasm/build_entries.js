// Builds the entries `entry_tape.rs` wrote as plain objects, without JSON:
// the strings of all of them are one UTF-8 text, decoded once, and sliced by
// the UTF-16 lengths on the tape; numbers, counts and the presence of each
// optional member are the tape's other words (f64). Keys are written in the
// JSON writer's order (src/entry/json_text.rs), each object as a literal of
// fixed shape with its optional members after it, so that V8 shares one
// hidden class per shape. Loaded by the wasm-bindgen glue as a snippet. No
// user code runs here.

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

function entry() {
  const id = str();
  const invocation = flag() ? command() : modelMethodRun(str());
  const e = {
    id,
    invocation,
    result: result(),
    startedAt: time(),
    completedAt: time(),
    durationMs: words[w++],
    swampVersion: str(),
    denoVersion: str(),
    platform: str(),
  };
  if (flag()) e.invocationContext = invocationContext();
  if (words[w] !== ABSENT) e.parentInvocationId = str();
  else w++;
  if (flag()) e.workflowContext = workflowContext();
  return e;
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
  const c = { command: str(), args: strs(), optionKeys: strs(), globalOptions: strs() };
  if (words[w] !== ABSENT) c.subcommand = str();
  else w++;
  return c;
}

function result() {
  const r = { status: str(), exitCode: words[w++] };
  if (words[w] !== ABSENT) r.errorType = str();
  else w++;
  if (words[w] !== ABSENT) r.errorMessage = str();
  else w++;
  return r;
}

function invocationContext() {
  const c = { agentSessionDetected: flag(), isInteractive: flag() };
  if (flag()) c.configuredAiTools = strs();
  if (words[w] !== ABSENT) c.detectedAiTool = str();
  else w++;
  return c;
}

function workflowContext() {
  const c = { workflowName: str(), runId: str(), jobName: str(), stepName: str() };
  if (words[w] !== ABSENT) c.modelType = str();
  else w++;
  if (words[w] !== ABSENT) c.driver = str();
  else w++;
  if (words[w] !== ABSENT) c.executor = str();
  else w++;
  return c;
}
