const http = require("http");
const port = process.env.PORT || 8080;
http.createServer((req, res) => {
  if (req.url === "/health") { res.writeHead(200); return res.end("ok"); }
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(`hello from ${process.env.HELLO || "berth"}\n`);
}).listen(port);
