const http = require("http");
http.createServer((req, res) => { res.writeHead(200); res.end("agent\n"); }).listen(process.env.PORT || 8080);
