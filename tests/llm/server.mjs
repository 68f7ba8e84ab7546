// The tests' model provider: a real small instruction-tuned model (SmolLM2-135M-Instruct, llama.cpp on the
// CPU through node-llama-cpp) behind the OpenAI chat-completions API the worker speaks to every provider:
// `POST /v1/chat/completions`, answered whole or streamed as server-sent events (`stream: true`), ending
// with `data: [DONE]`, as OpenAI, Workers AI's OpenAI-compatible endpoint and llama.cpp's server do.
//
//   node server.mjs <model.gguf> [port] [key]   prints `listening on http://127.0.0.1:<port>` once it can answer;
//                                              with a key, chat requests without `Authorization: Bearer <key>`
//                                              get OpenAI's 401
//
// For the tests to see what reached the provider and to play the provider's failures:
//   GET  /calls                 every chat request received so far (bodies), in order
//   POST /behave {"mode": …}    "model" (default): the model answers; "stall": requests are held unanswered;
//                               "say" with "text": the answer is that text, streamed as the model's would be
//                               (a provider whose model writes hostile Markdown)
import http from "node:http";
import { getLlama, LlamaChat } from "node-llama-cpp";

const [modelPath, portArgument, key] = process.argv.slice(2);
if (!modelPath) {
  console.error("usage: node server.mjs <model.gguf> [port]");
  process.exit(2);
}

// The prebuilt CPU binary only: no GPU probing, no build, no download at run time; two threads, as many as
// the test machines have cores (more threads than cores makes llama.cpp many times slower).
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 4096, threads: 2 });
const sequence = context.getSequence();
const chat = new LlamaChat({ contextSequence: sequence });

const calls = [];
let behaviour = { mode: "model" };
// One generation at a time: the context has one sequence.
let queue = Promise.resolve();

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function answerJson(response, status, body) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/// OpenAI's messages as node-llama-cpp's chat history.
function history(messages) {
  const items = messages.map((message) =>
    message.role === "system"
      ? { type: "system", text: String(message.content) }
      : message.role === "assistant"
        ? { type: "model", response: [String(message.content)] }
        : { type: "user", text: String(message.content) },
  );
  items.push({ type: "model", response: [] });
  return items;
}

async function generate(body, onText) {
  if (behaviour.mode === "say") {
    // Word by word, as a model streams.
    for (const piece of behaviour.text.match(/\S+\s*|\s+/g) ?? []) onText(piece);
    return;
  }
  await sequence.clearHistory();
  await chat.generateResponse(history(body.messages), {
    maxTokens: Math.min(Number(body.max_tokens) || 256, 1024),
    temperature: Number(body.temperature ?? 0),
    // OpenAI's `seed`; without one, the same (so a test run is repeatable, as sampling is not).
    seed: Number(body.seed ?? 1),
    onTextChunk: onText,
  });
}

async function completions(request, response) {
  let body;
  try {
    body = JSON.parse(await readBody(request));
  } catch {
    return answerJson(response, 400, { error: { message: "the body is not JSON", type: "invalid_request_error" } });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return answerJson(response, 400, { error: { message: "`messages` is required", type: "invalid_request_error" } });
  }
  calls.push({ body, authorization: request.headers.authorization ?? null });
  if (behaviour.mode === "stall") return; // held open: the caller's timeout is under test
  const id = `chatcmpl-${calls.length}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta, finish) =>
    `data: ${JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  const run = queue.then(async () => {
    if (body.stream) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(chunk({ role: "assistant", content: "" }, null));
      await generate(body, (text) => response.write(chunk({ content: text }, null)));
      response.write(chunk({}, "stop"));
      response.end("data: [DONE]\n\n");
    } else {
      let text = "";
      await generate(body, (piece) => (text += piece));
      answerJson(response, 200, {
        id,
        object: "chat.completion",
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      });
    }
  });
  queue = run.catch(() => {});
  try {
    await run;
  } catch (error) {
    if (!response.headersSent) answerJson(response, 500, { error: { message: String(error), type: "server_error" } });
    else response.end();
  }
}

const server = http.createServer(async (request, response) => {
  const path = new URL(request.url, "http://localhost").pathname;
  if (request.method === "POST" && path === "/v1/chat/completions") {
    if (key && request.headers.authorization !== `Bearer ${key}`) {
      return answerJson(response, 401, {
        error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" },
      });
    }
    return completions(request, response);
  }
  if (request.method === "GET" && path === "/calls") return answerJson(response, 200, calls);
  if (request.method === "GET" && path === "/health") return answerJson(response, 200, { status: "ok" });
  if (request.method === "POST" && path === "/behave") {
    try {
      const wanted = JSON.parse(await readBody(request));
      if (!["model", "stall", "say"].includes(wanted.mode)) throw new Error("mode");
      behaviour = { mode: wanted.mode, text: String(wanted.text ?? "") };
      return answerJson(response, 200, behaviour);
    } catch {
      return answerJson(response, 400, { error: { message: "mode must be model, stall or say" } });
    }
  }
  answerJson(response, 404, { error: { message: `no route for ${request.method} ${path}` } });
});

server.listen(Number(portArgument ?? 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
