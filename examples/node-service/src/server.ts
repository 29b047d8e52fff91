// A small HTTP service: GET /health, GET /hello?name=…, GET /whoami (the process's
// user). SIGTERM closes the server and lets the process end on its own.
import { createServer, IncomingMessage, ServerResponse } from "node:http";

const port = Number(process.env.PORT ?? "3000");

function send(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/health") {
    send(res, 200, { status: "ok", env: process.env.NODE_ENV ?? "" });
  } else if (url.pathname === "/hello") {
    send(res, 200, { message: `hello, ${url.searchParams.get("name") ?? "world"}` });
  } else if (url.pathname === "/whoami") {
    send(res, 200, { uid: process.getuid?.(), gid: process.getgid?.() });
  } else {
    send(res, 404, { error: "not found" });
  }
}

const server = createServer(handle);
server.listen(port, () => {
  console.log(`web listening on :${port} as ${process.getuid?.()}:${process.getgid?.()}`);
});
process.on("SIGTERM", () => {
  server.close(() => console.log("web stopped"));
  server.closeAllConnections();
});
